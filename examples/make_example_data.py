"""Writes the example CSV files from scikit-learn's bundled datasets (no download).

The data are scikit-learn's bundled copies of UCI datasets:

* ``breast_cancer.csv``: Breast Cancer Wisconsin (Diagnostic), ``sklearn.datasets.
  load_breast_cancer``; 569 rows, 30 numeric features, target ``diagnosis`` with the labels
  ``malignant`` / ``benign`` (binary).
* ``diabetes.csv``: Diabetes (Efron et al., 2004), ``sklearn.datasets.load_diabetes(
  scaled=False)``; 442 rows, 10 features, target ``progression`` (regression).
* ``wine.csv``: Wine recognition, ``sklearn.datasets.load_wine``; 178 rows, 13 numeric
  features, target ``cultivar`` with the labels ``class_0`` / ``class_1`` / ``class_2``
  (multiclass).

Floats are written with 6 significant digits to keep the files small.

Example:
    Run from the repository root (rewrites the three files next to this script)::

        python examples/make_example_data.py
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sklearn import datasets

EXAMPLES_DIR = Path(__file__).resolve().parent
FLOAT_FORMAT = "%.6g"


def breast_cancer_frame() -> pd.DataFrame:
    """Returns breast cancer features plus ``diagnosis`` (``malignant`` or ``benign``)."""
    bunch = datasets.load_breast_cancer(as_frame=True)
    frame = bunch.frame.drop(columns=["target"])
    frame["diagnosis"] = bunch.target_names[bunch.target.to_numpy()]
    return frame


def diabetes_frame() -> pd.DataFrame:
    """Returns the unscaled diabetes features plus ``progression`` (a number)."""
    bunch = datasets.load_diabetes(as_frame=True, scaled=False)
    return bunch.frame.rename(columns={"target": "progression"})


def wine_frame() -> pd.DataFrame:
    """Returns wine features plus ``cultivar`` (``class_0``, ``class_1`` or ``class_2``)."""
    bunch = datasets.load_wine(as_frame=True)
    frame = bunch.frame.drop(columns=["target"])
    frame["cultivar"] = bunch.target_names[bunch.target.to_numpy()]
    return frame


def write_examples(directory: Path = EXAMPLES_DIR) -> list[Path]:
    """Writes the three example CSV files.

    Args:
        directory: Where to write them (default: this script's folder).

    Returns:
        The written paths.
    """
    frames = {
        "breast_cancer.csv": breast_cancer_frame(),
        "diabetes.csv": diabetes_frame(),
        "wine.csv": wine_frame(),
    }
    paths = []
    for name, frame in frames.items():
        path = directory / name
        frame.to_csv(path, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in write_examples():
        print(f"Wrote {written}")
