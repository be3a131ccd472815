"""The arithmetic of ensembles, on member outputs only (no models, no files).

Member outputs follow :mod:`automl.metrics`: class probabilities ``(n, k)`` for classification,
values ``(n,)`` in the target's units for regression. Nothing here depends on the input kind
(tables or images): only predictions are combined.

Example:
    >>> import numpy as np
    >>> a, b = np.array([[0.8, 0.2]]), np.array([[0.4, 0.6]])
    >>> average_outputs([a, b]).tolist()
    [[0.6000000000000001, 0.4]]
    >>> majority_vote([a, b, b], n_classes=2).tolist()
    [[0.3333333333333333, 0.6666666666666666]]
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Sequence

import numpy as np

from automl import metrics as metrics_lib

__all__ = [
    "SelectionResult",
    "average_outputs",
    "diversity",
    "greedy_selection",
    "majority_vote",
    "out_of_bag_outputs",
    "score_weights",
]


def _normalized(weights: Sequence[float] | None, n_members: int) -> np.ndarray:
    values = np.ones(n_members) if weights is None else np.asarray(weights, dtype=np.float64)
    if values.shape != (n_members,) or np.any(values < 0) or not values.sum() > 0:
        raise ValueError(f"Expected {n_members} non-negative weights with a positive sum. "
                         f"Received: {None if weights is None else list(weights)}.")
    return values / values.sum()


def average_outputs(outputs: Sequence[np.ndarray],
                    weights: Sequence[float] | None = None) -> np.ndarray:
    """Soft voting: the (weighted) mean of the members' probabilities or regression values.

    Args:
        outputs: One output array per member, all of the same shape.
        weights: Non-negative weights, one per member (normalized here); equal by default.

    Returns:
        The combined outputs, of the members' shape.

    Example:
        >>> average_outputs([np.array([1.0, 3.0]), np.array([3.0, 5.0])], [3, 1]).tolist()
        [1.5, 3.5]
    """
    normalized = _normalized(weights, len(outputs))
    stacked = np.stack([np.asarray(o, dtype=np.float64) for o in outputs])
    return np.tensordot(normalized, stacked, axes=1)


def majority_vote(outputs: Sequence[np.ndarray], n_classes: int,
                  weights: Sequence[float] | None = None) -> np.ndarray:
    """Hard voting: each member votes for its most probable class.

    Args:
        outputs: Class probabilities ``(n, k)`` of each member.
        n_classes: Number of classes ``k``.
        weights: Weight of each member's vote; equal by default.

    Returns:
        The share of the (weighted) votes each class received, ``(n, k)``; its argmax is the
        majority class (ties go to the lower class index).

    Example:
        >>> majority_vote([np.array([[0.9, 0.1]]), np.array([[0.2, 0.8]])], 2).tolist()
        [[0.5, 0.5]]
    """
    normalized = _normalized(weights, len(outputs))
    votes = np.zeros((len(outputs[0]), n_classes))
    rows = np.arange(len(outputs[0]))
    for weight, member in zip(normalized, outputs):
        votes[rows, np.argmax(member, axis=1)] += weight
    return votes


def score_weights(values: Sequence[float], direction: str) -> np.ndarray:
    """Voting weights from the members' validation scores.

    A score to maximize (accuracy, ROC AUC, R2) gives weights proportional to the score
    (negative scores count as 0); a score to minimize (log loss, RMSE, MAE) gives weights
    proportional to its inverse. Equal weights when no score is usable.

    Args:
        values: Validation score of each member.
        direction: ``"maximize"`` or ``"minimize"``.

    Returns:
        Weights that sum to 1.

    Example:
        >>> score_weights([0.9, 0.6], "maximize").round(6).tolist()
        [0.6, 0.4]
        >>> score_weights([1.0, 3.0], "minimize").tolist()
        [0.75, 0.25]
    """
    scores = np.asarray(values, dtype=np.float64)
    if direction == "maximize":
        raw = np.clip(scores, 0.0, None)
    else:
        raw = 1.0 / np.clip(scores, 1e-12, None)
    raw = np.where(np.isfinite(raw), raw, 0.0)
    if not raw.sum() > 0:
        raw = np.ones_like(scores)
    return raw / raw.sum()


@dataclasses.dataclass(frozen=True)
class SelectionResult:
    """Outcome of :func:`greedy_selection`.

    Attributes:
        weights: Share of the picks each candidate received (sums to 1).
        picks: Candidate picked at each step.
        scores: Score of the ensemble after each step.
    """

    weights: np.ndarray
    picks: list[int]
    scores: list[float]


def greedy_selection(outputs: Sequence[np.ndarray], y_true: np.ndarray, metric: str, task: str,
                     size: int = 25) -> SelectionResult:
    """Greedy ensemble selection with replacement (Caruana et al., 2004), as in auto-sklearn.

    Starting from an empty ensemble, each of ``size`` steps adds the candidate (again, if it is
    already in) whose addition gives the best score of the mean output. Ties go to the
    earlier candidate, so candidates should be ordered best first.

    Args:
        outputs: Validation (or out-of-fold) outputs of each candidate.
        y_true: Targets of the same rows (class indices, or original-unit values).
        metric: Name of the metric to optimize (see :mod:`automl.metrics`).
        task: The dataset's task.
        size: Number of picks.

    Returns:
        A :class:`SelectionResult`; a candidate's weight is its share of the picks.

    Example:
        >>> y = np.zeros(2)
        >>> result = greedy_selection([np.ones(2), -np.ones(2), 3 * np.ones(2)], y, "rmse",
        ...                           "regression", size=4)
        >>> result.weights.tolist(), result.picks
        ([0.5, 0.5, 0.0], [0, 1, 0, 1])
    """
    direction = metrics_lib.METRICS[metric].direction
    candidates = [np.asarray(o, dtype=np.float64) for o in outputs]
    total, picks, scores = np.zeros_like(candidates[0]), [], []
    for step in range(1, size + 1):
        trial_scores = [metrics_lib.score(metric, y_true, (total + c) / step, task)
                        for c in candidates]
        best = _best_index(trial_scores, direction)
        total += candidates[best]
        picks.append(best)
        scores.append(float(trial_scores[best]))
    counts = np.bincount(picks, minlength=len(candidates)).astype(np.float64)
    return SelectionResult(weights=counts / size, picks=picks, scores=scores)


def _best_index(scores: Sequence[float], direction: str) -> int:
    values = np.asarray(scores, dtype=np.float64)
    values = np.where(np.isnan(values), -np.inf if direction == "maximize" else np.inf, values)
    return int(np.argmax(values) if direction == "maximize" else np.argmin(values))


def out_of_bag_outputs(outputs: Sequence[np.ndarray], indices: Sequence[np.ndarray],
                       n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Averages each row's predictions over the bags that left it out (out-of-bag estimate).

    Args:
        outputs: For each bag, its outputs on its out-of-bag rows.
        indices: For each bag, the rows those outputs belong to.
        n_rows: Number of rows bootstrapped from.

    Returns:
        ``(mean outputs, rows)``: the rows left out by at least one bag and their mean outputs.

    Example:
        >>> mean, rows = out_of_bag_outputs([np.array([1.0, 3.0]), np.array([5.0])],
        ...                                 [np.array([0, 2]), np.array([2])], n_rows=4)
        >>> mean.tolist(), rows.tolist()
        ([1.0, 4.0], [0, 2])
    """
    first = np.asarray(outputs[0])
    total = np.zeros((n_rows,) + first.shape[1:], dtype=np.float64)
    counts = np.zeros(n_rows)
    for bag_outputs, rows in zip(outputs, indices):
        np.add.at(total, np.asarray(rows), np.asarray(bag_outputs, dtype=np.float64))
        np.add.at(counts, np.asarray(rows), 1.0)
    covered = np.flatnonzero(counts)
    shape = (-1,) + (1,) * (total.ndim - 1)
    return total[covered] / counts[covered].reshape(shape), covered


def diversity(outputs: Sequence[np.ndarray], task: str) -> dict[str, float]:
    """How differently the members predict: the higher the disagreement, the more to gain.

    Args:
        outputs: Outputs of each member on the same rows.
        task: The dataset's task.

    Returns:
        ``mean_correlation``: the mean pairwise Pearson correlation of the members' outputs
        (positive-class probability for binary, all probabilities for multiclass, values for
        regression); for classification also ``disagreement``: the mean share of rows on
        which two members predict different classes. Empty for fewer than two members.

    Example:
        >>> labels = [np.eye(2)[[0, 1, 1]], np.eye(2)[[0, 0, 1]], np.eye(2)[[1, 1, 1]]]
        >>> round(diversity(labels, "binary")["disagreement"], 6)
        0.444444
    """
    if len(outputs) < 2:
        return {}
    pairs = list(itertools.combinations(range(len(outputs)), 2))
    flat = [_flat(o, task) for o in outputs]
    correlations = [_correlation(flat[i], flat[j]) for i, j in pairs]
    found = {"mean_correlation": float(np.nanmean(correlations))
             if not np.all(np.isnan(correlations)) else float("nan")}
    if task != "regression":
        labels = [np.argmax(o, axis=1) for o in outputs]
        found["disagreement"] = float(np.mean([np.mean(labels[i] != labels[j])
                                               for i, j in pairs]))
    return found


def _flat(output: np.ndarray, task: str) -> np.ndarray:
    values = np.asarray(output, dtype=np.float64)
    return values[:, 1] if task == "binary" else values.reshape(-1)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    if np.std(a) == 0 or np.std(b) == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])
