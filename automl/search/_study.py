"""Where a study lives, how its storage is opened, and how dead workers' trials are failed."""

from __future__ import annotations

import dataclasses
import datetime
import os
import socket
import warnings
from pathlib import Path
from typing import Any, Callable, Mapping

import optuna
from optuna.trial import TrialState

from automl.exceptions import ConfigError

ATTR_PREFIX = "automl."
FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)


@dataclasses.dataclass(frozen=True)
class StudyPaths:
    """Files of one study under ``<root>/studies/<study_name>/``."""

    folder: Path

    @classmethod
    def for_study(cls, root: str | os.PathLike, study_name: str) -> StudyPaths:
        """Returns the paths of ``study_name`` under the local store ``root``."""
        return cls(Path(root).resolve() / "studies" / study_name)

    @property
    def journal(self) -> Path:
        """Optuna journal file (the default storage)."""
        return self.folder / "journal.log"

    @property
    def dataset(self) -> Path:
        """Full dataset with the held-out test part (read only by the final evaluation)."""
        return self.folder / "dataset"

    @property
    def search_dataset(self) -> Path:
        """Dataset without the test part: the only data that trials load."""
        return self.folder / "dataset_search"

    @property
    def best_model(self) -> Path:
        """Default folder of the best model's bundle."""
        return self.folder / "best_model"

    def trial_folder(self, number: int) -> Path:
        """Folder holding one trial's model and validation outputs."""
        return self.folder / "trials" / f"{number:05d}"


def default_storage_url(paths: StudyPaths) -> str:
    """Returns the journal-file storage URL of a study (``journal:<path>``)."""
    return f"journal:{paths.journal}"


def open_storage(url: str, *, heartbeat_interval: int | None = None,
                 max_retries: int = 2) -> optuna.storages.BaseStorage:
    """Opens an Optuna storage from a URL.

    Args:
        url: ``journal:<path>`` (or a path ending in ``.log``/``.journal``) for a journal file,
            ``sqlite:///...``, ``postgresql://...`` or ``mysql://...`` for an RDB storage.
        heartbeat_interval: For RDB storages, seconds between a running trial's heartbeats; a
            trial silent for four intervals is failed (its worker, on any host, is gone) and
            retried at most ``max_retries`` times. ``None``: no heartbeat.
        max_retries: Retries of a trial failed for a stale heartbeat.

    Returns:
        The storage.
    """
    if url.startswith("journal:") or url.endswith((".log", ".journal")):
        from optuna.storages.journal import JournalFileBackend

        path = Path(url.removeprefix("journal:"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return optuna.storages.JournalStorage(JournalFileBackend(str(path)))
    if "://" not in url:
        raise ConfigError(
            "Invalid value for '--storage': expected a journal file path or a database URL "
            f"such as 'postgresql://user@host/db'. Received: {url!r}."
        )
    kwargs: dict[str, Any] = {"pool_pre_ping": True, "pool_recycle": 1800}
    if url.startswith("sqlite"):
        kwargs = {"connect_args": {"timeout": 30}}
    if not heartbeat_interval:
        return optuna.storages.RDBStorage(url, engine_kwargs=kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.storages.RDBStorage(
            url, engine_kwargs=kwargs, heartbeat_interval=int(heartbeat_interval),
            grace_period=4 * int(heartbeat_interval),
            heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(
                max_retry=max_retries),
        )


def check_resume(study: optuna.Study, expected: Mapping[str, str], *, force: bool) -> list[str]:
    """Stores the search's fingerprints on a new study, or checks them on a resumed one.

    Args:
        study: The study.
        expected: ``{name: value}`` such as the search-space and data fingerprints and metric.
        force: Resume even if some differ (they are then updated).

    Returns:
        The names that differed (only non-empty when ``force`` is true).

    Raises:
        ConfigError: If the study was made with other settings and ``force`` is false.
    """
    stored = study.user_attrs
    changed = [k for k, v in expected.items() if ATTR_PREFIX + k in stored
               and stored[ATTR_PREFIX + k] != v]
    if changed and not force:
        raise ConfigError(
            f"Cannot resume study '{study.study_name}': its {', '.join(changed)} changed since "
            "it was created. Expected the same search space, data and metric. Use another "
            "--study-name for a new study, or --force to resume anyway."
        )
    for key, value in expected.items():
        if stored.get(ATTR_PREFIX + key) != value:
            study.set_user_attr(ATTR_PREFIX + key, value)
    return changed


def process_identity() -> dict[str, Any]:
    """Identifies this process: host, pid, start time (so a reused pid is not mistaken), GPU."""
    return {"host": socket.gethostname(), "pid": os.getpid(), "start": _start_time(os.getpid()),
            "device": os.environ.get("CUDA_VISIBLE_DEVICES")}


def _start_time(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def is_alive(owner: Mapping[str, Any]) -> bool:
    """True if the process described by :func:`process_identity` still runs on this host."""
    pid = int(owner.get("pid", -1))
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    started = owner.get("start")
    return started is None or started == _start_time(pid)


def _orphaned(trial: optuna.trial.FrozenTrial, host: str, grace_s: float) -> bool:
    owner = trial.user_attrs.get(ATTR_PREFIX + "worker")
    if owner is None:  # killed between ask() and recording its owner
        started = trial.datetime_start
        age = datetime.datetime.now(datetime.timezone.utc) - _aware(started)
        return age.total_seconds() > grace_s
    return owner.get("host") == host and not is_alive(owner)


def _aware(moment: datetime.datetime | None) -> datetime.datetime:
    if moment is None:
        return datetime.datetime.now(datetime.timezone.utc)
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def fail_orphaned_trials(
    study: optuna.Study,
    reason: str | Callable[[optuna.trial.FrozenTrial], str],
    on_failed: Callable[[optuna.trial.FrozenTrial, str], str | None] | None = None,
    grace_s: float = 60.0,
) -> list[int]:
    """Marks FAIL the RUNNING trials whose worker process on this host is gone.

    Journal storages have no heartbeat, so the search reconciles them itself: when a worker
    exits and at every start.

    Args:
        study: The study.
        reason: Failure reason, or a function of the trial returning it.
        on_failed: Called with ``(trial, reason)`` for each trial about to be failed (to retry
            it, close its MLflow run); may return a final reason to record instead.
        grace_s: A RUNNING trial without an owner is failed only when older than this.

    Returns:
        The numbers of the trials that were failed.
    """
    host = socket.gethostname()
    failed = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        if not _orphaned(trial, host, grace_s):
            continue
        why = reason(trial) if callable(reason) else reason
        if on_failed is not None:
            why = on_failed(trial, why) or why
        study._storage.set_trial_user_attr(trial._trial_id, ATTR_PREFIX + "fail_reason", why)
        try:
            study.tell(trial.number, state=TrialState.FAIL)
        except (RuntimeError, ValueError):  # finished meanwhile by its worker
            continue
        failed.append(trial.number)
    return failed


def count_trials(study: optuna.Study) -> dict[str, int]:
    """Counts the study's trials by state name (``COMPLETE``, ``PRUNED``, ``FAIL``, ...)."""
    counts: dict[str, int] = {}
    for trial in study.get_trials(deepcopy=False):
        counts[trial.state.name] = counts.get(trial.state.name, 0) + 1
    return counts


RETRYABLE = ("worker_died", "out_of_memory")


def retry_crashed_trial(study: optuna.Study, trial: optuna.trial.FrozenTrial, reason: str,
                        max_attempts: int) -> str:
    """Queues a crashed (still RUNNING) trial's parameters again, at most ``max_attempts`` times.

    Only crashes of the worker process are retried (they may be transient: the machine ran out
    of memory, the process was killed); errors a trial raised itself are not. A configuration
    that crashes its worker every time ends FAIL with ``crash_loop`` in its reason.

    Args:
        study: The study.
        trial: The trial that was just failed.
        reason: Its failure reason.
        max_attempts: Attempts allowed for one configuration (the first run included).

    Returns:
        The final failure reason (``reason``, extended when the retries are spent).
    """
    if not reason.startswith(RETRYABLE):
        return reason
    attempt = int(trial.user_attrs.get(ATTR_PREFIX + "attempt", 1))
    if attempt >= max_attempts:
        return f"{reason}; crash_loop: this configuration failed {attempt} times"
    study.enqueue_trial(dict(trial.params), skip_if_exists=False, user_attrs={
        ATTR_PREFIX + "retry_of": trial.number, ATTR_PREFIX + "attempt": attempt + 1})
    return reason
