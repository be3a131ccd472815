"""A short CSV search, and prediction, under the PyTorch and JAX backends of Keras.

GPU machines often carry PyTorch or JAX but not TensorFlow. Outside CI these tests are skipped
when the backend is not installed; CI installs both and must run them.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from consistency import assert_consistent
from consistency import load_study

pytestmark = pytest.mark.slow
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def automl_command() -> list[str]:
    script = Path(sys.executable).with_name("automl")
    return [str(script)] if script.exists() else [sys.executable, "-m", "automl"]


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_search_and_predict_under_another_backend(backend, tmp_path):
    if importlib.util.find_spec(backend) is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must install {backend} to test the {backend} backend")
        pytest.skip(f"{backend} is not installed")
    env = {**os.environ, "KERAS_BACKEND": backend}
    store = tmp_path / "store"
    search = subprocess.run(
        [*automl_command(), "search", str(EXAMPLES / "wine.csv"), "--target", "cultivar",
         "--n-trials", "1", "--max-epochs", "3", "--root", str(store), "--study-name", backend,
         "--no-report", "-q"], env=env, capture_output=True, text=True, timeout=600)
    assert search.returncode == 0, search.stderr
    study = load_study(store, backend)
    assert all(t.state.name == "COMPLETE" for t in study.trials)
    assert_consistent(store, study)
    model = store / "studies" / backend / "best_model"
    predicted = subprocess.run(
        [*automl_command(), "predict", str(model), str(EXAMPLES / "wine.csv"), "-o",
         str(tmp_path / "p.csv")], env=env, capture_output=True, text=True, timeout=300)
    assert predicted.returncode == 0, predicted.stderr
    table = pd.read_csv(tmp_path / "p.csv")
    assert set(table["prediction"]) <= {"class_0", "class_1", "class_2"}
    assert (table["prediction"] == pd.read_csv(EXAMPLES / "wine.csv")["cultivar"]).mean() > 0.5
