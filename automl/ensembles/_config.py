"""EnsembleConfig: how to build an ensemble from a study, validated when it is made.

This module is light (no numpy, Keras or Optuna), so the command line can use its choices.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from automl.exceptions import ConfigError

__all__ = ["EnsembleConfig", "METHODS", "VOTING", "META_LEARNER_NAMES"]

METHODS = ("voting", "stacking", "bagging", "selection")
VOTING = ("soft", "hard", "weighted")
META_LEARNER_NAMES = ("linear", "keras")


def _invalid(flag: str, value: Any, expected: str) -> ConfigError:
    return ConfigError(f"Invalid value for '{flag}': expected {expected}. Received: {value!r}.")


def _check_int(flag: str, value: Any, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise _invalid(flag, value, f"an integer from {low} to {high}")


@dataclasses.dataclass(frozen=True)
class EnsembleConfig:
    """Settings of one ensemble. Values are checked in ``__post_init__``.

    Args:
        method: ``"voting"`` (default), ``"stacking"``, ``"bagging"`` or ``"selection"``.
        top_k: Number of best completed trials to combine (selection: candidates). Default 5.
        voting: Voting kind: ``"soft"`` (mean probabilities, default), ``"hard"`` (majority of
            predicted classes) or ``"weighted"`` (mean weighted by validation score).
            Regression takes ``"soft"`` (mean) or ``"weighted"``.
        meta_learner: Stacking's meta-learner: ``"linear"`` (logistic or ridge regression,
            default) or ``"keras"`` (a small Keras model).
        blend: Stacking: fit the meta-learner on the validation part's predictions (a
            blending split) instead of out-of-fold predictions; needs no refits.
        folds: Stacking: folds of the out-of-fold refits. Default: the study's ``--cv`` (its
            out-of-fold predictions are then reused, no refits), else 5.
        bags: Bagging: bootstrap models per configuration. Default 5.
        size: Greedy selection: number of picks (with replacement). Default 25.
        n_workers: Worker processes for refits. Default 1.
        output: Folder of the saved ensemble; default ``<study folder>/ensemble_<method>``.

    Raises:
        ConfigError: For a value out of range, naming the command-line flag.

    Example:
        >>> EnsembleConfig(method="stacking", top_k=3).meta_learner
        'linear'
    """

    method: str = "voting"
    top_k: int = 5
    voting: str = "soft"
    meta_learner: str = "linear"
    blend: bool = False
    folds: int | None = None
    bags: int = 5
    size: int = 25
    n_workers: int = 1
    output: str | None = None

    def __post_init__(self) -> None:
        for flag, value, choices in (("--method", self.method, METHODS),
                                     ("--voting", self.voting, VOTING),
                                     ("--meta-learner", self.meta_learner, META_LEARNER_NAMES)):
            if value not in choices:
                raise _invalid(flag, value, f"one of {list(choices)}")
        _check_int("--top-k", self.top_k, 1, 100)
        _check_int("--bags", self.bags, 1, 100)
        _check_int("--size", self.size, 1, 1000)
        _check_int("--workers", self.n_workers, 1, 64)
        if self.folds is not None:
            _check_int("--folds", self.folds, 2, 20)

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain values."""
        return dataclasses.asdict(self)
