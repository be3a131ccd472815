"""Dataset save/load and fingerprint; the example CSV files; the data layer's imports."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from automl.data import Dataset
from automl.data import load_csv
from automl.exceptions import DataError

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = REPO_ROOT / "examples"


@pytest.fixture(scope="module")
def wine() -> Dataset:
    return load_csv(EXAMPLES / "wine.csv", target="cultivar")


def test_save_and_load_round_trip(wine, tmp_path):
    wine.save(tmp_path / "cache")
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["arrays.npz", "dataset.json"]
    loaded = Dataset.load(tmp_path / "cache")
    for name in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(wine, name))
        assert getattr(loaded, name).dtype == getattr(wine, name).dtype
    assert loaded.spec == wine.spec
    assert loaded.summary == wine.summary
    assert loaded.fingerprint() == wine.fingerprint()
    raw = pd.read_csv(EXAMPLES / "wine.csv").head(5)
    np.testing.assert_array_equal(
        loaded.preprocessor.transform(raw), wine.preprocessor.transform(raw)
    )
    assert loaded.target_encoder.decode([0, 2]).tolist() == ["class_0", "class_2"]


def test_saved_arrays_need_no_pickle(wine, tmp_path):
    wine.save(tmp_path)
    with np.load(tmp_path / "arrays.npz", allow_pickle=False) as arrays:
        assert arrays["x_train"].dtype == np.float32
    json.loads((tmp_path / "dataset.json").read_text(encoding="utf-8"))


def test_load_from_wrong_folder(tmp_path):
    expected = r"Dataset folder '.*' is missing \['arrays\.npz', 'dataset\.json'\]"
    with pytest.raises(DataError, match=expected):
        Dataset.load(tmp_path)


def test_fingerprint_follows_data_and_split(wine, tmp_path):
    same = load_csv(EXAMPLES / "wine.csv", target="cultivar")
    other_seed = load_csv(EXAMPLES / "wine.csv", target="cultivar", seed=1)
    assert same.fingerprint() == wine.fingerprint()
    assert other_seed.fingerprint() != wine.fingerprint()
    changed = tmp_path / "wine.csv"
    changed.write_text((EXAMPLES / "wine.csv").read_text() + "\n", encoding="utf-8")
    assert load_csv(changed, target="cultivar").fingerprint() != wine.fingerprint()


def test_repr_is_short(wine):
    assert repr(wine).startswith("Dataset(source=") and "train=" in repr(wine)


@pytest.mark.parametrize(
    ("name", "target", "task", "n_rows", "classes"),
    [
        ("breast_cancer.csv", "diagnosis", "binary", 569, ("benign", "malignant")),
        ("diabetes.csv", "progression", "regression", 442, ()),
        ("wine.csv", "cultivar", "multiclass", 178, ("class_0", "class_1", "class_2")),
    ],
)
def test_example_files_load(name, target, task, n_rows, classes):
    start = time.perf_counter()
    data = load_csv(EXAMPLES / name, target=target)
    assert time.perf_counter() - start < 1.0
    assert data.summary["n_rows"] == n_rows
    assert data.spec.task == task and data.spec.class_names == classes
    assert data.summary["dropped_columns"] == {}


def test_example_script_reproduces_the_files(tmp_path):
    script_path = EXAMPLES / "make_example_data.py"
    spec = importlib.util.spec_from_file_location("make_example_data", script_path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    for path in script.write_examples(tmp_path):
        assert path.read_bytes() == (EXAMPLES / path.name).read_bytes()


def test_data_layer_imports_no_heavy_libraries():
    code = (
        "import sys, automl.data; "
        "print([m for m in ('keras', 'tensorflow', 'optuna', 'mlflow') if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
