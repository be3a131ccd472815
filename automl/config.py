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
        n_workers: Worker processes that run trials in parallel.
        force: Resume even if the search space or the data changed.
        trials_per_worker: A worker process is replaced after this many trials.
        worker_memory_mb: A worker process is replaced once its resident memory passes this.
        max_consecutive_failures: Stop the search after this many failed trials in a row.

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

    def __post_init__(self) -> None:
        if self.sampler not in SAMPLERS:
            raise _option("--sampler", self.sampler, f"one of {list(SAMPLERS)}")
        if self.pruner not in PRUNERS:
            raise _option("--pruner", self.pruner, f"one of {list(PRUNERS)}")
        for flag, value in (("--n-trials", self.n_trials), ("--max-epochs", self.max_epochs),
                            ("--patience", self.patience), ("--workers", self.n_workers)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise _option(flag, value, "an integer >= 1")
        if self.timeout is not None and not self.timeout > 0:
            raise _option("--timeout", self.timeout, "a number of seconds > 0")
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

    Example:
        >>> TrainingConfig(metric="accuracy", max_epochs=5).patience
        8
    """

    metric: str
    max_epochs: int = 50
    patience: int = 8
    seed: int = 0
    deadline: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Returns the config as plain values."""
        return dataclasses.asdict(self)
