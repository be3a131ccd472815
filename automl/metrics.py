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
import re
import warnings
from typing import Any, Callable

import numpy as np
from scipy.stats import rankdata
from sklearn import metrics as skm

from automl.exceptions import ConfigError

__all__ = ["Metric", "METRICS", "get_metric", "default_metric", "register_metric", "score",
           "test_scores"]

CLASSIFICATION = ("binary", "multiclass")
ALL_TASKS = ("binary", "multiclass", "regression")
_CUSTOM_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


@dataclasses.dataclass(frozen=True)
class Metric:
    """A named metric with its optimisation direction.

    Args:
        name: Name used on the command line (``--metric``) and in logs (``val_<name>``).
        direction: ``"maximize"`` or ``"minimize"``.
        tasks: Tasks the metric applies to.
        function: ``function(y_true, outputs, task) -> float``.

    Example:
        >>> metric = get_metric("log_loss", "binary")
        >>> metric.direction, metric.is_better(0.2, reference=0.3)
        ('minimize', True)
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
    return float(np.mean(np.asarray(y) == _labels(out)))


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


def _binary_auc(positive: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC by the rank-sum formula (ties get average ranks), as sklearn computes it."""
    ranks = rankdata(scores)
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _roc_auc(y: np.ndarray, out: np.ndarray, task: str) -> float:
    if len(np.unique(y)) < 2:
        return float("nan")
    if task == "binary":
        return _binary_auc(np.asarray(y) == 1, out[:, 1])
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
    return float(-np.mean(np.log(probs[np.arange(len(probs)), np.asarray(y, dtype=int)])))


def _rmse(y: np.ndarray, out: np.ndarray, task: str) -> float:
    return float(np.sqrt(np.mean((np.asarray(y, float) - np.asarray(out, float)) ** 2)))


def _mae(y: np.ndarray, out: np.ndarray, task: str) -> float:
    return float(np.mean(np.abs(np.asarray(y, float) - np.asarray(out, float))))


def _r2(y: np.ndarray, out: np.ndarray, task: str) -> float:
    y, out = np.asarray(y, float), np.asarray(out, float)
    total = float(np.sum((y - y.mean()) ** 2))
    residual = float(np.sum((y - out) ** 2))
    if total == 0.0:
        return 1.0 if residual == 0.0 else 0.0
    return 1.0 - residual / total


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
    "binary": ("accuracy", "balanced_accuracy", "precision", "recall", "f1", "roc_auc",
               "log_loss"),
    "multiclass": ("accuracy", "balanced_accuracy", "precision", "recall", "f1", "roc_auc",
                   "log_loss"),
    "regression": ("mae", "rmse", "r2"),
}


_CUSTOM: set[str] = set()


class _UserMetric:
    """Adapts a user's ``function(y_true, outputs) -> float`` to the internal signature."""

    def __init__(self, function: Callable[[np.ndarray, np.ndarray], float]) -> None:
        self.function = function

    def __call__(self, y_true: np.ndarray, outputs: np.ndarray, task: str) -> float:
        return float(self.function(y_true, outputs))


def register_metric(name: str, function: Callable[[np.ndarray, np.ndarray], float] | None = None,
                    *, direction: str, tasks: tuple[str, ...] = ALL_TASKS,
                    override: bool = False) -> Any:
    """Registers a custom objective metric, usable as ``metric=name`` in a search.

    The function receives the validation targets and the model outputs in the convention of
    this module: class indices and probabilities ``(n, k)`` for classification, values in the
    target's own units for regression. It is scored after every epoch (``val_<name>`` in
    MLflow) and on the held-out test part. Register it at the top level of a module that the
    search imports (``imports=[...]``) so worker processes know it too.

    Args:
        name: Metric name: a letter, then letters, digits or ``_`` (at most 64).
        function: ``function(y_true, outputs) -> float``; leave it out to use a decorator.
        direction: ``"maximize"`` or ``"minimize"``.
        tasks: Tasks it applies to (default: all three).
        override: Replace a custom metric already registered under ``name``.

    Returns:
        The :class:`Metric` (call form), or a decorator that registers the function and
        returns it unchanged.

    Raises:
        ConfigError: If the name is invalid, a built-in metric's or taken, the direction or a
            task is unknown, or ``function`` is not callable.

    Example:
        >>> def max_error(y_true, outputs):
        ...     return float(np.max(np.abs(y_true - outputs)))
        >>> register_metric("doc_max_error", max_error, direction="minimize",
        ...                 tasks=("regression",)).direction
        'minimize'
        >>> get_metric("doc_max_error", "regression").name
        'doc_max_error'
    """
    if function is None:
        def decorator(user_function: Callable[..., float]) -> Callable[..., float]:
            register_metric(name, user_function, direction=direction, tasks=tasks,
                            override=override)
            return user_function
        return decorator
    _check_custom_metric(name, function, direction, tasks, override)
    METRICS[name] = Metric(name, direction, tuple(tasks), _UserMetric(function))
    _CUSTOM.add(name)
    return METRICS[name]


def _check_custom_metric(name: Any, function: Any, direction: Any, tasks: Any,
                         override: bool) -> None:
    where = f"Cannot register metric {name!r}"
    if not isinstance(name, str) or not _CUSTOM_NAME.match(name):
        raise ConfigError(f"{where}: expected a name of letters, digits and '_' starting with a "
                          "letter (at most 64).")
    if name in METRICS and name not in _CUSTOM:
        raise ConfigError(f"{where}: it is a built-in metric. Choose another name.")
    if name in _CUSTOM and not override and METRICS[name].function.function is not function:
        raise ConfigError(f"{where}: a custom metric of that name exists. Pass override=True "
                          "to replace it.")
    if direction not in ("maximize", "minimize"):
        raise ConfigError(f"{where}: direction must be 'maximize' or 'minimize'. "
                          f"Received: {direction!r}.")
    if isinstance(tasks, str) or not tasks or any(task not in ALL_TASKS for task in tasks):
        raise ConfigError(f"{where}: tasks must be a non-empty tuple of {list(ALL_TASKS)}. "
                          f"Received: {tasks!r}.")
    if not callable(function):
        raise ConfigError(f"{where}: expected a function (y_true, outputs) -> float. "
                          f"Received: {function!r}.")


def _custom_objectives(task: str) -> tuple[str, ...]:
    return tuple(sorted(name for name in _CUSTOM if task in METRICS[name].tasks))


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
    valid = OBJECTIVES[family] + _custom_objectives(task)
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
    """Computes the report metrics for a task (accuracy, precision, recall, F1, ROC AUC, ...),
    then the custom metrics registered for the task.

    Returns:
        A dict ``{metric name: value}``.
    """
    names = _REPORTED[task] + _custom_objectives(task)
    return {name: score(name, y_true, outputs, task) for name in names}
