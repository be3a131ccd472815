"""Starts, watches and stops the worker processes of a search, and keeps the study consistent."""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import time
from typing import Any, Callable, Mapping

import optuna
from optuna.trial import TrialState

from automl._process import rss_mb
from automl.search._progress import Progress
from automl.search._study import ATTR_PREFIX
from automl.search._study import fail_orphaned_trials
from automl.search._worker import worker_main

_POLL_S = 0.5
_STOP_GRACE_S = 5.0
_MAX_STARTUP_CRASHES = 3
_HARD_MEMORY_FACTOR = 1.5  # a worker is killed mid-trial past 1.5 x its recycling limit
_TRIAL_TIMEOUT_GRACE_S = 30.0  # after --trial-timeout: time to stop by itself before a kill
_STALE_CHECK_S = 10.0


def _exit_description(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with code {code}"


def consecutive_failures(trials: list[optuna.trial.FrozenTrial], limit: int) -> str:
    """A message if the last ``limit`` finished trials all failed, else an empty string."""
    finished = sorted((t for t in trials if t.state.is_finished()), key=lambda t: t.number)
    recent = finished[-limit:]
    if len(recent) < limit or any(t.state != TrialState.FAIL for t in recent):
        return ""
    reason = recent[-1].user_attrs.get(ATTR_PREFIX + "fail_reason", "unknown")
    return (f"The last {limit} trials failed; stopping the search. "
            f"Last failure (trial {recent[-1].number}): {reason}")


class Supervisor:
    """Keeps ``n_workers`` worker processes running trials until the search must end.

    The search ends when the study's budget is spent, the deadline passes, the search process is
    interrupted (SIGINT or SIGTERM), or too many trials fail in a row. Trials of a worker that
    died are failed at once, with the reason, and their MLflow runs closed.

    Args:
        job: The search job handed to each worker.
        study: The study (opened in this process).
        progress: Progress display.
        on_trial_failed: Called with ``(trial, reason)`` for each trial failed here.
        deadline: ``time.time()`` at which the search stops, or ``None``.
        max_consecutive_failures: Stop after this many FAIL trials in a row.
    """

    def __init__(self, job: Mapping[str, Any], study: optuna.Study, progress: Progress, *,
                 on_trial_failed: Callable[[Any, str], None],
                 deadline: float | None, max_consecutive_failures: int) -> None:
        self.job, self.study, self.progress = job, study, progress
        self.on_trial_failed = on_trial_failed
        self.deadline, self.max_failures = deadline, max_consecutive_failures
        self.workers: dict[int, multiprocessing.Process] = {}
        self.interrupted = False
        self.signal_name = ""
        self.failure_message = ""
        self._context = multiprocessing.get_context("spawn")
        self._next_index = 0
        self._startup_crashes = 0
        self._stop_reason: str | None = None
        self._kill_reasons: dict[int, str] = {}
        self._last_stale_check = 0.0

    def run(self) -> str:
        """Runs the search loop.

        Returns:
            ``"finished"``, ``"timeout"``, ``"interrupted"`` (SIGINT), ``"terminated"``
            (SIGTERM) or ``"failing"``.
        """
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT,
                                                                          signal.SIGTERM)}
        status = "interrupted"
        try:
            status = self._loop()
            return status
        finally:
            self._stop_reason = {"timeout": "search_timeout: stopped by the search's time budget",
                                 "interrupted": "interrupted: the search was stopped",
                                 "terminated": "interrupted: the search was stopped"}.get(status)
            self._stop_workers()
            self._reap()
            self.progress.update(self.study.get_trials(deepcopy=False))
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _loop(self) -> str:
        while True:
            self._reap()
            self._fail_stale_trials()
            trials = self.study.get_trials(deepcopy=False)
            self._police_workers(trials)
            self.progress.update(trials)
            status = self._stop_status(trials)
            if status is not None:
                return status
            self._spawn_missing(trials)
            if not self.workers:
                past_deadline = self.deadline is not None and time.time() >= self.deadline
                if past_deadline:
                    return "timeout"
                if not self._running_elsewhere():
                    return "finished"
                time.sleep(_POLL_S)
                continue
            sentinels = [p.sentinel for p in self.workers.values()]
            multiprocessing.connection.wait(sentinels, timeout=_POLL_S)

    def _on_signal(self, signum: int, frame: Any) -> None:
        if self.interrupted:  # a second Ctrl+C: stop now
            for process in self.workers.values():
                process.kill()
        self.interrupted = True
        self.signal_name = signal.Signals(signum).name

    def _stop_status(self, trials: list[optuna.trial.FrozenTrial]) -> str | None:
        if self.interrupted:
            return "terminated" if self.signal_name == "SIGTERM" else "interrupted"
        if self.deadline is not None and time.time() >= self.deadline + _STOP_GRACE_S:
            return "timeout"
        if self._failing(trials):
            return "failing"
        if self._startup_crashes >= _MAX_STARTUP_CRASHES:
            self.failure_message = (
                f"Worker processes crashed {self._startup_crashes} times before finishing a "
                "trial; see their output above."
            )
            return "failing"
        return None

    def _failing(self, trials: list[optuna.trial.FrozenTrial]) -> bool:
        message = consecutive_failures(trials, self.max_failures)
        if message:
            self.failure_message = message
        return bool(message)

    def _spawn_missing(self, trials: list[optuna.trial.FrozenTrial]) -> None:
        if self.deadline is not None and time.time() >= self.deadline:
            return
        n_finished = sum(t.state.is_finished() for t in trials)
        wanted = min(int(self.job["n_workers"]), max(0, int(self.job["n_trials"]) - n_finished))
        while len(self.workers) < wanted:
            self._spawn(n_finished)

    def _spawn(self, n_finished: int) -> None:
        index = self._next_index
        self._next_index += 1
        taken = {p._automl_slot for p in self.workers.values()}  # type: ignore[attr-defined]
        slot = min(set(range(len(self.workers) + 1)) - taken)  # a replacement keeps its GPU
        process = self._context.Process(
            target=worker_main, args=(dict(self.job), index, os.getpid(), slot),
            name=f"automl-worker-{index}", daemon=False,
        )
        process.start()
        process._automl_finished_at_start = n_finished  # type: ignore[attr-defined]
        process._automl_slot = slot  # type: ignore[attr-defined]
        self.workers[process.pid] = process

    def _reap(self) -> None:
        for pid, process in list(self.workers.items()):
            if process.is_alive():
                continue
            process.join()
            del self.workers[pid]
            self._after_exit(process)

    def _after_exit(self, process: multiprocessing.Process) -> None:
        how = _exit_description(process.exitcode)
        reason = (self._kill_reasons.pop(process.pid, None) or self._stop_reason
                  or f"worker_died: the worker process {how}")
        failed = fail_orphaned_trials(self.study, reason, self.on_trial_failed)
        if process.exitcode != 0:
            n_finished = sum(t.state.is_finished() for t in self.study.get_trials(deepcopy=False))
            progress = n_finished - process._automl_finished_at_start - len(failed)
            crashed_at_start = progress <= 0 and not failed
            self._startup_crashes = self._startup_crashes + 1 if crashed_at_start else 0

    def _running_elsewhere(self) -> bool:
        """True while trials of other processes (``automl worker``, other hosts) still run."""
        fail_orphaned_trials(self.study, "worker_died: its worker process is gone",
                             self.on_trial_failed)
        return any(t.state == TrialState.RUNNING for t in self.study.get_trials(deepcopy=False))

    def _police_workers(self, trials: list[optuna.trial.FrozenTrial]) -> None:
        """Kills a worker past its hard memory limit, or whose trial ran past its timeout."""
        limit = float(self.job["worker_memory_mb"]) * _HARD_MEMORY_FACTOR
        for pid, process in self.workers.items():
            used = rss_mb(pid)
            if used > limit:
                self._kill(process, f"out_of_memory: the worker used {used:.0f} MB, over "
                                    f"its hard limit of {limit:.0f} MB")
        timeout = self.job["training"].get("trial_timeout")
        if not timeout:
            return
        now, grace = time.time(), min(_TRIAL_TIMEOUT_GRACE_S, max(5.0, float(timeout)))
        for trial in trials:
            owner = trial.user_attrs.get(ATTR_PREFIX + "worker") or {}
            started = trial.datetime_start.timestamp() if trial.datetime_start else now
            if (trial.state == TrialState.RUNNING and owner.get("pid") in self.workers
                    and now - started > timeout + grace):
                self._kill(self.workers[owner["pid"]],
                           f"trial_timeout: still running {now - started:.0f} s after it "
                           f"started (limit {timeout:g} s); its worker was killed")

    def _kill(self, process: multiprocessing.Process, reason: str) -> None:
        if process.pid not in self._kill_reasons:
            self._kill_reasons[process.pid] = reason
            process.kill()

    def _fail_stale_trials(self) -> None:
        """With a heartbeat storage (RDB), fails trials whose worker, on any host, went silent."""
        if time.monotonic() - self._last_stale_check < _STALE_CHECK_S:
            return
        self._last_stale_check = time.monotonic()
        if isinstance(self.study._storage, optuna.storages.RDBStorage):
            optuna.storages.fail_stale_trials(self.study)

    def _stop_workers(self) -> None:
        """SIGTERM every worker (its running trial stops at the next batch), then SIGKILL."""
        for process in self.workers.values():
            if process.is_alive():
                process.terminate()
        limit = time.monotonic() + _STOP_GRACE_S
        for process in self.workers.values():
            process.join(timeout=max(0.0, limit - time.monotonic()))
        for process in self.workers.values():
            if process.is_alive():
                process.kill()
                process.join()
