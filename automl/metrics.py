"""Objective and report metrics, computed with scikit-learn on plain numpy arrays.

Every metric takes the true targets and the model outputs in one convention:

* classification: ``y_true`` holds class indices ``0..k-1``; ``outputs`` holds class
  probabilities of shape ``(n, k)``;
* regression: ``y_true`` and ``outputs`` are 1-D arrays in the target's original units.

Example:
    >>> import numpy as np
    >>> probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    >>> score("accuracy", np.array([0, 1, 1]), probs, task="binary")
    0.6666666666666666
    >>> get_metric("rmse", "regression").direction
    'minimize'
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Callable

import numpy as np
from sklearn import metrics as skm

from automl.exceptions import ConfigError

__all__ = ["Metric", "METRICS", "get_metric", "default_metric", "score", "test_scores"]

CLASSIFICATION = ("binary", "multiclass")


@dataclasses.dataclass(frozen=True)
class Metric:
    """A named metric with its optimisation direction.

    Args:
        name: Name used on the command line (``--metric``) and in logs (``val_<name>``).
        direction: ``"maximize"`` or ``"minimize"``.
        tasks: Tasks the metric applies to.
        function: ``function(y_true, outputs, task) -> float``.
    """

    name: str
    direction: str
    tasks: tuple[str, ...]
    function: Callable[[np.ndarray, np.ndarray, str], float]

    def is_better(self, value: float, reference: float | None) -> bool:
        """True if ``value`` improves on ``reference`` (``None`` is beaten by any finite value)."""
        if not math.isfinite(value):
            return False
        if reference is None or not math.isfinite(reference):
            return True
        return value > reference if self.direction == "maximize" else value < reference


def _labels(outputs: np.ndarray) -> np.ndarray:
    return np.argmax(outputs, axis=1)


def _accuracy(y: np.ndarray, out: np.ndarray, task: str) -> float:
    return float(skm.accuracy_score(y, _labels(out)))


def _balanced_accuracy(y: np.ndarray, out: np.ndarray, task: str) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(skm.balanced_accuracy_score(y, _labels(out)))


def _average(task: str) -> str:
    return "binary" if task == "binary" else "macro"


def _f1(y: np.ndarray, out: np.ndarray, task: str) -> float:
    return float(skm.f1_score(y, _labels(out), average=_average(task), zero_division=0))


def _precision(y: np.ndarray, out: np.ndarray, task: str) -> float:
    return float(skm.precision_score(y, _labels(out), average=_average(task), zero_division=0))


def _recall(y: np.ndarray, out: np.ndarray, task: str) -> float:
    return float(skm.recall_score(y, _labels(out), average=_average(task), zero_division=0))


def _roc_auc(y: np.ndarray, out: np.ndarray, task: str) -> float:
    if len(np.unique(y)) < 2:
        return float("nan")
    if task == "binary":
        return float(skm.roc_auc_score(y, out[:, 1]))
    present = np.unique(y)
    if len(present) < out.shape[1]:  # a class absent from this part: score the present ones
        probs = out[:, present] / np.clip(out[:, present].sum(axis=1, keepdims=True), 1e-12, None)
        y = np.searchsorted(present, y)
        if len(present) == 2:
            return float(skm.roc_auc_score(y, probs[:, 1]))
        return float(skm.roc_auc_score(y, probs, multi_class="ovr", average="macro"))
    return float(skm.roc_auc_score(y, out, multi_class="ovr", average="macro"))


def _log_loss(y: np.ndarray, out: np.ndarray, task: str) -> float:
    probs = np.clip(out, 1e-15, 1.0)
    probs = probs / probs.sum(axis=1, keepdims=True)
    return float(skm.log_loss(y, probs, labels=list(range(out.shape[1]))))


def _rmse(y: np.ndarray, out: np.ndarray, task: str) -> float:
    return float(np.sqrt(np.mean((np.asarray(y, float) - np.asarray(out, float)) ** 2)))


def _mae(y: np.ndarray, out: np.ndarray, task: str) -> float:
    return float(np.mean(np.abs(np.asarray(y, float) - np.asarray(out, float))))


def _r2(y: np.ndarray, out: np.ndarray, task: str) -> float:
    return float(skm.r2_score(y, out))


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("accuracy", "maximize", CLASSIFICATION, _accuracy),
        Metric("balanced_accuracy", "maximize", CLASSIFICATION, _balanced_accuracy),
        Metric("f1", "maximize", CLASSIFICATION, _f1),
        Metric("precision", "maximize", CLASSIFICATION, _precision),
        Metric("recall", "maximize", CLASSIFICATION, _recall),
        Metric("roc_auc", "maximize", CLASSIFICATION, _roc_auc),
        Metric("log_loss", "minimize", CLASSIFICATION, _log_loss),
        Metric("rmse", "minimize", ("regression",), _rmse),
        Metric("mae", "minimize", ("regression",), _mae),
        Metric("r2", "maximize", ("regression",), _r2),
    )
}

#: Metrics offered as search objectives (``--metric``), per task family.
OBJECTIVES = {
    "classification": ("accuracy", "balanced_accuracy", "f1", "roc_auc", "log_loss"),
    "regression": ("rmse", "mae", "r2"),
}
_DEFAULTS = {"binary": "roc_auc", "multiclass": "accuracy", "regression": "rmse"}
_REPORTED = {
    "binary": ("accuracy", "balanced_accuracy", "precision", "recall", "f1", "roc_auc", "log_loss"),
    "multiclass": ("accuracy", "balanced_accuracy", "precision", "recall", "f1", "roc_auc",
                   "log_loss"),
    "regression": ("mae", "rmse", "r2"),
}


def default_metric(task: str) -> str:
    """Returns the default objective for a task: ROC AUC (binary), accuracy, RMSE (regression)."""
    return _DEFAULTS[task]


def get_metric(name: str, task: str) -> Metric:
    """Looks up an objective metric and checks that it fits the task.

    Args:
        name: Metric name, for example ``"f1"``.
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.

    Returns:
        The :class:`Metric`.

    Raises:
        ConfigError: If the metric is unknown or does not apply to the task.
    """
    family = "regression" if task == "regression" else "classification"
    valid = OBJECTIVES[family]
    if name not in valid:
        kind = "unknown" if name not in METRICS else f"not a {family} metric"
        raise ConfigError(
            f"Invalid value for '--metric': {name!r} is {kind}. "
            f"Expected one of {list(valid)} for a {task} task."
        )
    return METRICS[name]


def score(name: str, y_true: np.ndarray, outputs: np.ndarray, task: str) -> float:
    """Computes one metric (NaN when it is undefined, e.g. ROC AUC on a single class)."""
    return METRICS[name].function(np.asarray(y_true), np.asarray(outputs), task)


def test_scores(y_true: np.ndarray, outputs: np.ndarray, task: str) -> dict[str, float]:
    """Computes the report metrics for a task (accuracy, precision, recall, F1, ROC AUC, ...).

    Returns:
        A dict ``{metric name: value}``.
    """
    return {name: score(name, y_true, outputs, task) for name in _REPORTED[task]}
