"""A worker's MLflow calls, done on one background thread so training never waits for them.

Creating a run, writing its metrics and ending it cost tens of milliseconds each on SQLite; a
trial of two seconds would spend a few percent of its time on them. Here they are queued, in
order, on a single thread, while the worker builds and trains the next model.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Mapping

_LOGGER = logging.getLogger("automl.tracking")


class BackgroundTracking:
    """Queues one worker's MLflow calls on a single thread, in the order they were made.

    Args:
        tracker: The :class:`automl.tracking.MlflowTracker` of the study.
    """

    def __init__(self, tracker: Any) -> None:
        self._tracker = tracker
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="automl-tracking")

    def start_trial_run(self, parent_run_id: str, trial_number: int, params: Mapping[str, Any],
                        tags: Mapping[str, Any], on_started: Callable[[str], None]) -> DeferredRun:
        """Queues the creation of a trial's run; ``on_started(run_id)`` runs once it exists."""

        def start() -> Any:
            run = self._tracker.start_trial_run(parent_run_id, trial_number, dict(params),
                                                tags=dict(tags))
            try:
                on_started(run.run_id)
            except Exception as error:  # keep the run: it must still be closed
                _LOGGER.warning("Could not record the MLflow run of trial %d: %s",
                                trial_number, error)
            return run

        return DeferredRun(self._pool, self._pool.submit(start), trial_number)

    def close_pending(self) -> None:
        """Waits until the calls queued so far are done (in-process mode shows results at once)."""
        self._pool.submit(lambda: None).result()

    def close(self) -> None:
        """Waits until every queued call is done (call before the worker exits)."""
        self._pool.shutdown(wait=True)


class DeferredRun:
    """Stands for a trial's run while it is being created: every call is queued behind it.

    It has the methods of :class:`automl.tracking.TrialRun` that a trial uses. A failure of
    MLflow is logged as a warning and never fails the trial.
    """

    def __init__(self, pool: ThreadPoolExecutor, started: Future, trial_number: int) -> None:
        self._pool, self._started, self._number = pool, started, trial_number

    def wait_started(self, timeout: float = 60.0) -> None:
        """Waits until the run exists (so its id is recorded before the trial is told)."""
        try:
            self._started.result(timeout=timeout)
        except Exception as error:
            _LOGGER.warning("MLflow run of trial %d not created: %s", self._number, error)

    def log_epoch(self, epoch: int, metrics: Mapping[str, float]) -> None:
        """Queues one epoch's metrics."""
        values = dict(metrics)
        self._queue(lambda run: run.log_epoch(epoch, values))

    def log_metrics(self, metrics: Mapping[str, float]) -> None:
        """Queues final metrics."""
        values = dict(metrics)
        self._queue(lambda run: run.log_metrics(values))

    def log_artifact(self, path: Any, artifact_path: str | None = None) -> None:
        """Queues an artifact upload."""
        self._queue(lambda run: run.log_artifact(path, artifact_path))

    def finish(self, state: str, *, reason: str | None = None,
               pruned_epoch: int | None = None) -> None:
        """Queues the end of the run with the trial's state."""
        self._queue(lambda run: run.finish(state, reason=reason, pruned_epoch=pruned_epoch))

    def _queue(self, call: Callable[[Any], None]) -> None:
        self._pool.submit(self._apply, call)

    def _apply(self, call: Callable[[Any], None]) -> None:
        try:
            call(self._started.result())
        except Exception as error:  # tracking trouble must never fail a trial
            _LOGGER.warning("MLflow logging of trial %d failed: %s", self._number, error)
