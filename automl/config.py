"""SearchConfig: every setting of one search, validated when it is made."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from automl.exceptions import ConfigError

__all__ = ["SearchConfig", "TrainingConfig", "SAMPLERS", "PRUNERS"]

SAMPLERS = ("tpe", "random", "grid", "gp", "cmaes")
PRUNERS = ("median", "hyperband", "sha", "none")
_STUDY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def _option(flag: str, value: Any, expected: str) -> ConfigError:
    return ConfigError(f"Invalid value for '{flag}': expected {expected}. Received: {value!r}.")


@dataclasses.dataclass(frozen=True)
class SearchConfig:
    """Settings of a search. Values are checked in ``__post_init__``.

    Args:
        n_trials: Total number of trials of the study (resuming counts the trials already run).
        timeout: Wall-clock budget in seconds for this run, or ``None``. A trial still running
            when it is spent is stopped.
        metric: Objective metric (see :mod:`automl.metrics`), or ``None`` for the task default.
        sampler: ``"tpe"`` (default), ``"random"``, ``"grid"``, ``"gp"`` or ``"cmaes"``.
        pruner: ``"median"`` (default), ``"hyperband"``, ``"sha"`` or ``"none"``.
        seed: Seed of the sampler, the data splits and the weights.
        max_epochs: Epochs per trial at most.
        patience: Early-stopping patience in epochs.
        study_name: Name of the Optuna study (and MLflow experiment); reusing one resumes it.
        storage: Optuna storage URL, or ``None`` for a journal file under ``root``.
        tracking_uri: MLflow tracking URI, or ``None`` for SQLite under ``root``.
        root: Folder of the local store (studies, MLflow database and artifacts).
        output: Folder for the best model, or ``None`` for ``<root>/studies/<study>/best_model``.
        n_workers: Worker processes that run trials in parallel; 0 runs them in this process
            (no memory isolation or crash protection: for debugging and small fits).
        force: Resume even if the search space or the data changed.
        trials_per_worker: A worker process is replaced after this many trials.
        worker_memory_mb: A worker process is replaced once its resident memory passes this.
        max_consecutive_failures: Stop the search after this many failed trials in a row.
        trial_timeout: Seconds one trial may run; it is then stopped and failed
            (``trial_timeout``), and its worker killed if it does not stop by itself.
        max_retries: A trial whose worker process died (killed, out of memory) is run again
            with the same parameters at most this many times.
        heartbeat_interval: With an RDB storage, seconds between heartbeats of a running trial;
            a trial silent for four intervals (its host died) is failed and retried.
        report: Write the plots and the HTML report at the end of the search.
        devices: GPU ids; worker slot ``i`` is pinned to ``devices[i % len(devices)]``. Empty:
            workers see no GPU choice (whatever the framework finds).
        mixed_precision: Train with the ``mixed_float16`` policy (for GPUs; slow on CPUs).

    Example:
        >>> SearchConfig(n_trials=10, sampler="random").pruner
        'median'
    """

    n_trials: int = 20
    timeout: float | None = None
    metric: str | None = None
    sampler: str = "tpe"
    pruner: str = "median"
    seed: int = 0
    max_epochs: int = 50
    patience: int = 8
    study_name: str | None = None
    storage: str | None = None
    tracking_uri: str | None = None
    root: str = "mlruns"
    output: str | None = None
    n_workers: int = 1
    force: bool = False
    trials_per_worker: int = 100
    worker_memory_mb: int = 3072
    max_consecutive_failures: int = 5
    trial_timeout: float | None = None
    max_retries: int = 2
    heartbeat_interval: int = 30
    report: bool = True
    devices: tuple[str, ...] = ()
    mixed_precision: bool = False
    cv: int | None = None  # --cv K: a trial's objective is its mean over K folds (2..20)

    def __post_init__(self) -> None:
        if self.cv is not None and (not isinstance(self.cv, int) or isinstance(self.cv, bool)
                                    or not 2 <= self.cv <= 20):
            raise _option("--cv", self.cv, "an integer from 2 to 20 (folds)")
        if self.sampler not in SAMPLERS:
            raise _option("--sampler", self.sampler, f"one of {list(SAMPLERS)}")
        if self.pruner not in PRUNERS:
            raise _option("--pruner", self.pruner, f"one of {list(PRUNERS)}")
        for flag, value in (("--n-trials", self.n_trials), ("--max-epochs", self.max_epochs),
                            ("--patience", self.patience)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise _option(flag, value, "an integer >= 1")
        if not isinstance(self.n_workers, int) or isinstance(self.n_workers, bool) \
                or self.n_workers < 0:
            raise _option("--workers", self.n_workers, "an integer >= 0 (0: in this process)")
        if self.timeout is not None and not self.timeout > 0:
            raise _option("--timeout", self.timeout, "a number of seconds > 0")
        if self.trial_timeout is not None and not self.trial_timeout > 0:
            raise _option("--trial-timeout", self.trial_timeout, "a number of seconds > 0")
        for flag, value, low in (("--max-retries", self.max_retries, 0),
                                 ("--max-failures", self.max_consecutive_failures, 1),
                                 ("--worker-memory-mb", self.worker_memory_mb, 256),
                                 ("--trials-per-worker", self.trials_per_worker, 1),
                                 ("--heartbeat-interval", self.heartbeat_interval, 1)):
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise _option(flag, value, f"an integer >= {low}")
        if self.study_name is not None and not _STUDY_NAME.match(self.study_name):
            raise _option(
                "--study-name", self.study_name,
                "1-100 letters, digits, '.', '_' or '-', starting with a letter or digit",
            )

    def replace(self, **changes: Any) -> SearchConfig:
        """Returns a copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Returns the settings as plain values."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class TrainingConfig:
    """How each trial trains.

    Args:
        metric: Objective metric name (see :mod:`automl.metrics`), scored on the validation part.
        max_epochs: Upper bound on epochs per trial.
        patience: Epochs without improvement of the objective before early stopping.
        seed: Base seed; each trial seeds Keras with ``seed + trial number``.
        deadline: ``time.time()`` value after which a running trial is stopped, or ``None``.
        trial_timeout: Seconds one trial may train before it is stopped and failed, or ``None``.

    Example:
        >>> TrainingConfig(metric="accuracy", max_epochs=5).patience
        8
    """

    metric: str
    max_epochs: int = 50
    patience: int = 8
    seed: int = 0
    deadline: float | None = None
    trial_timeout: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Returns the config as plain values."""
        return dataclasses.asdict(self)
