"""Tabular data: CSV files to split, preprocessed float32 arrays, with preprocessing stored as
plain JSON-ready data (no pickle).

Example:
    >>> from automl.data import load_csv
    >>> data = load_csv("examples/breast_cancer.csv", target="diagnosis")
    >>> data.spec.task, data.x_train.dtype
    ('binary', dtype('float32'))
"""

from __future__ import annotations

from automl.data._csv import load_csv
from automl.data._dataset import Dataset
from automl.data._preprocess import TabularPreprocessor
from automl.data._read import read_table
from automl.data._spec import InputSpec
from automl.data._target import TargetEncoder
from automl.data._task import infer_task

__all__ = [
    "Dataset",
    "InputSpec",
    "TabularPreprocessor",
    "TargetEncoder",
    "infer_task",
    "load_csv",
    "read_table",
]
