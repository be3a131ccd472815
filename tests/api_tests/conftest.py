"""Fixtures of the API tests: a fresh local store, small data and tiny search spaces."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import api_testkit
from api_testkit import EXAMPLES

import automl


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A fresh local store (studies, MLflow database and artifacts)."""
    return tmp_path / "store"


@pytest.fixture
def tiny_space() -> automl.SearchSpace:
    """A small conditional space whose trials train in about a second."""
    return automl.SearchSpace("mlp", {
        "units": automl.Categorical([8, 16]),
        "optimizer": automl.Categorical(["adam", "sgd"]),
        "momentum": automl.Float(0.0, 0.9, step=0.3, when={"optimizer": "sgd"}),
        "learning_rate": automl.Float(1e-3, 3e-2, log=True),
        "batch_size": automl.Fixed(64),
    }, fixed={"n_layers": 1})


@pytest.fixture
def diabetes() -> pd.DataFrame:
    """The diabetes regression data (442 rows, target ``progression``)."""
    return pd.read_csv(EXAMPLES / "diabetes.csv")


@pytest.fixture
def mixed_frame() -> pd.DataFrame:
    """120 rows with numeric, text and boolean features and a text label."""
    rows = range(120)
    return pd.DataFrame({
        "size": [(i * 7) % 11 + 0.5 for i in rows],
        "color": [("red", "green", "blue")[i % 3] for i in rows],
        "flag": [i % 4 == 0 for i in rows],
        "label": ["yes" if ((i * 7) % 11) > 5 else "no" for i in rows],
    })


@pytest.fixture
def max_error_metric():
    """Registers the custom metric ``api_max_error`` for one test, then removes it again."""
    from automl import metrics

    metric = automl.register_metric("api_max_error", api_testkit.max_error,
                                    direction="minimize", tasks=("regression",))
    yield metric
    metrics.METRICS.pop("api_max_error", None)
    metrics._CUSTOM.discard("api_max_error")
