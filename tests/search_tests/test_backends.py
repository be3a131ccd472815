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


def _require(backend: str) -> None:
    if importlib.util.find_spec(backend) is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must install {backend} to test the {backend} backend")
        pytest.skip(f"{backend} is not installed")


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_search_and_predict_under_another_backend(backend, tmp_path):
    _require(backend)
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


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_image_folder_search_and_predict_under_another_backend(backend, tmp_path):
    """Image batches come from tf.data when TensorFlow is installed, whatever the backend."""
    _require(backend)
    env = {**os.environ, "KERAS_BACKEND": backend}
    folder, store = tmp_path / "digits", tmp_path / "store"
    subprocess.run([sys.executable, str(EXAMPLES / "make_digit_images.py"), str(folder),
                    "--per-class", "12"], check=True, capture_output=True, timeout=120)
    search = subprocess.run(
        [*automl_command(), "search", str(folder), "--image-size", "16", "--channels", "1",
         "--n-trials", "1", "--max-epochs", "2", "--root", str(store), "--study-name", backend,
         "--no-report", "-q"], env=env, capture_output=True, text=True, timeout=600)
    assert search.returncode == 0, search.stderr
    study = load_study(store, backend)
    assert [t.state.name for t in study.trials] == ["COMPLETE"]
    predicted = subprocess.run(
        [*automl_command(), "predict", str(store / "studies" / backend / "best_model"),
         str(folder / "digit_4"), "-o", str(tmp_path / "p.csv")], env=env,
        capture_output=True, text=True, timeout=300)
    assert predicted.returncode == 0, predicted.stderr
    table = pd.read_csv(tmp_path / "p.csv", keep_default_na=False)
    assert len(table) == 12 and set(table["error"]) == {""}
    assert set(table["prediction"]) <= {f"digit_{k}" for k in range(10)}
