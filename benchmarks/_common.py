"""Shared set-up of the benchmarks: a small dataset, a fixed tiny space, a temporary store."""

from __future__ import annotations

import tempfile
from pathlib import Path

from automl.data import load_csv
from automl.space import Categorical
from automl.space import Fixed
from automl.space import SearchSpace

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def cancer_dataset():
    """The bundled breast-cancer data (569 rows, 30 features, binary)."""
    return load_csv(EXAMPLES / "breast_cancer.csv", "diagnosis", seed=0)


def small_space() -> SearchSpace:
    """A space of small MLPs whose trials take a second or two on one core."""
    return SearchSpace("mlp", {
        "units": Categorical([16, 32]),
        "n_layers": Categorical([1, 2]),
        "optimizer": Categorical(["adam", "rmsprop"]),
        "batch_size": Fixed(32),
    }, name="bench")


def temporary_root() -> Path:
    """A fresh folder for the study and the MLflow store."""
    return Path(tempfile.mkdtemp(prefix="automl-bench-"))
