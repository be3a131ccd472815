"""EnsembleConfig: how to build an ensemble from a study, validated when it is made.

This module is light (no numpy, Keras or Optuna), so the command line can use its choices.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from automl.exceptions import ConfigError

__all__ = ["EnsembleConfig", "IMAGE_METHODS", "METHODS", "VOTING", "META_LEARNER_NAMES",
           "check_image_method"]

METHODS = ("voting", "stacking", "bagging", "selection")
IMAGE_METHODS = ("voting", "selection")
"""Methods that take image studies: they combine stored predictions and need no refits."""
VOTING = ("soft", "hard", "weighted")
META_LEARNER_NAMES = ("linear", "keras")


def _invalid(flag: str, value: Any, expected: str) -> ConfigError:
    return ConfigError(f"Invalid value for '{flag}': expected {expected}. Received: {value!r}.")


def _check_int(flag: str, value: Any, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise _invalid(flag, value, f"an integer from {low} to {high}")


def check_image_method(method: str, flag: str, reason: str) -> None:
    """Refuses, in one line, a method that does not take image studies (stacking, bagging).

    Args:
        method: The ensemble method.
        flag: The option that named it (``--method`` or ``--ensemble``).
        reason: Why the study is an image study (``"study 'pets' searched an image folder"``).

    Raises:
        ConfigError: If ``method`` is not in :data:`IMAGE_METHODS`.

    Example:
        >>> check_image_method("voting", "--method", "'pets/' is an image folder")
    """
    if method not in IMAGE_METHODS:
        raise ConfigError(
            f"Invalid value for '{flag}': {method} does not take image studies in this "
            f"version ({reason}). Expected "
            f"{' or '.join(repr(m) for m in IMAGE_METHODS)} for an image study. "
            f"Received: {method!r}."
        )


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
