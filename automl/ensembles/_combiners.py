"""Combiners: how a saved ensemble turns its members' outputs into one output.

Each combiner is plain data: :meth:`to_dict` gives JSON values for ``ensemble.json`` and
:func:`combiner_from_dict` rebuilds it (a Keras meta-learner also reads its ``.keras`` file).

Example:
    >>> import numpy as np
    >>> combiner = WeightedAverage([0.75, 0.25])
    >>> combiner.combine([np.array([1.0]), np.array([5.0])]).tolist()
    [2.0]
    >>> combiner_from_dict(combiner.to_dict(), ".").weights
    [0.75, 0.25]
"""

from __future__ import annotations

import os
from typing import Any, Mapping, Sequence

import numpy as np

from automl.ensembles._combine import average_outputs
from automl.ensembles._combine import majority_vote
from automl.ensembles._meta import KerasMetaLearner
from automl.ensembles._meta import LinearMetaLearner
from automl.ensembles._meta import meta_learner_from_dict
from automl.ensembles._meta import stack_features

__all__ = ["Combiner", "MajorityVote", "Stacker", "WeightedAverage", "combiner_from_dict"]


class WeightedAverage:
    """Soft voting, weighted voting, greedy selection and bagging: a weighted mean of outputs.

    Args:
        weights: One non-negative weight per member (normalized when combining).
    """

    kind = "average"

    def __init__(self, weights: Sequence[float]) -> None:
        self.weights = [float(w) for w in weights]

    def combine(self, outputs: Sequence[np.ndarray]) -> np.ndarray:
        """The weighted mean of the members' outputs."""
        return average_outputs(outputs, self.weights)

    def to_dict(self) -> dict[str, Any]:
        """JSON values."""
        return {"kind": self.kind, "weights": self.weights}

    def save(self, folder: str | os.PathLike) -> None:
        """Nothing to write beside ``ensemble.json``."""


class MajorityVote:
    """Hard voting: the share of (weighted) member votes each class gets.

    Args:
        weights: Weight of each member's vote.
        n_classes: Number of classes.
    """

    kind = "majority"

    def __init__(self, weights: Sequence[float], n_classes: int) -> None:
        self.weights = [float(w) for w in weights]
        self.n_classes = int(n_classes)

    def combine(self, outputs: Sequence[np.ndarray]) -> np.ndarray:
        """Vote shares ``(n, k)``; the argmax is the majority class."""
        return majority_vote(outputs, self.n_classes, self.weights)

    def to_dict(self) -> dict[str, Any]:
        """JSON values."""
        return {"kind": self.kind, "weights": self.weights, "n_classes": self.n_classes}

    def save(self, folder: str | os.PathLike) -> None:
        """Nothing to write beside ``ensemble.json``."""


class Stacker:
    """Stacking: a fitted meta-learner applied to the members' outputs side by side.

    Args:
        meta: A fitted :class:`LinearMetaLearner` or :class:`KerasMetaLearner`.
        task: The dataset's task.
        training: JSON facts about what the meta-learner was fitted on (source, rows, folds).
    """

    kind = "stacking"

    def __init__(self, meta: LinearMetaLearner | KerasMetaLearner, task: str,
                 training: Mapping[str, Any] | None = None) -> None:
        self.meta, self.task = meta, task
        self.training = dict(training or {})

    def combine(self, outputs: Sequence[np.ndarray]) -> np.ndarray:
        """The meta-learner's prediction from the members' outputs."""
        return self.meta.predict(stack_features(outputs, self.task))

    def to_dict(self) -> dict[str, Any]:
        """JSON values, including the meta-learner's coefficients or file name."""
        return {"kind": self.kind, "task": self.task, "meta": self.meta.to_dict(),
                "training": self.training}

    def save(self, folder: str | os.PathLike) -> None:
        """Writes the meta-learner's own files (a Keras meta-learner's ``meta.keras``)."""
        self.meta.save(folder)


Combiner = WeightedAverage | MajorityVote | Stacker


def combiner_from_dict(values: Mapping[str, Any], folder: str | os.PathLike) -> Combiner:
    """Rebuilds a combiner from ``ensemble.json`` values.

    Args:
        values: The ``combiner`` entry of ``ensemble.json``.
        folder: The ensemble folder (for a Keras meta-learner's file).

    Returns:
        The combiner.

    Raises:
        ValueError: For an unknown combiner kind.
    """
    kind = values.get("kind")
    if kind == WeightedAverage.kind:
        return WeightedAverage(values["weights"])
    if kind == MajorityVote.kind:
        return MajorityVote(values["weights"], values["n_classes"])
    if kind == Stacker.kind:
        meta = meta_learner_from_dict(values["meta"], folder)
        return Stacker(meta, values["task"], values.get("training"))
    raise ValueError(f"Unknown ensemble combiner {kind!r}. Expected 'average', 'majority' or "
                     "'stacking'.")
