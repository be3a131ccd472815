"""Shared helpers of the ensemble tests: the example datasets and tiny member models.

They live here, not in ``conftest.py``, because test modules import them by name and another
test folder's ``conftest`` module can shadow this one's when both folders are collected.
"""

from __future__ import annotations

from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TARGETS = {"binary": ("breast_cancer.csv", "diagnosis"), "multiclass": ("wine.csv", "cultivar"),
           "regression": ("diabetes.csv", "progression")}


def tiny_models(spec, n_members: int = 3):
    """Untrained one-layer MLPs of different seeds: valid, different member outputs."""
    import keras

    from automl.models import build_model

    models = []
    for seed in range(n_members):
        keras.utils.set_random_seed(seed)
        models.append(build_model("mlp", {"n_layers": 1, "units": 8}, spec))
    return models
