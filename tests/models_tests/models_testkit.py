"""Shared helpers of the model tests (imported by the test modules of this folder)."""

from __future__ import annotations

from automl.data import InputSpec

N_FEATURES = 5
TASKS = ("binary", "multiclass", "regression")
N_CLASSES = {"binary": 2, "multiclass": 3, "regression": 0}


def make_spec(task: str, n_features: int = N_FEATURES) -> InputSpec:
    """Returns a tabular spec with ``n_features`` inputs for ``task`` (3 classes if multiclass)."""
    return InputSpec(
        kind="tabular", input_shape=(n_features,), task=task, n_classes=N_CLASSES[task]
    )
