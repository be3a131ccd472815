"""In-memory data to a :class:`Dataset`: a pandas DataFrame with a target column, or arrays.

The same typing, splitting and preprocessing as :func:`automl.data.load_csv` apply; only the
reading differs. The data's hash (for resuming and the MLflow summary) is computed from the
values, since there is no file.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pandas as pd

from automl.data._csv import LabeledTable
from automl.data._csv import build_dataset
from automl.data._csv import labeled_table
from automl.data._csv import resolve_task
from automl.data._dataset import Dataset
from automl.data._read import replace_infinities
from automl.data._split import check_fraction
from automl.data._task import check_task_fits_target
from automl.data._task import check_task_name
from automl.exceptions import DataError

__all__ = ["load_frame", "load_arrays", "frame_sha256"]

FRAME_NAME = "<DataFrame>"
ARRAYS_NAME = "<arrays>"


def load_frame(
    frame: pd.DataFrame,
    target: str,
    *,
    task: str | None = None,
    test_data: pd.DataFrame | None = None,
    test_size: float | None = 0.2,
    val_size: float = 0.2,
    seed: int = 0,
    name: str = FRAME_NAME,
) -> Dataset:
    """Splits and preprocesses a DataFrame into float32 arrays, like :func:`load_csv`.

    Args:
        frame: The rows, target column included. Column names are used as text.
        target: Name of the target column.
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``; None (default) infers it.
        test_data: Optional separate held-out test rows with the same columns.
        test_size: Fraction of rows held out for testing (default 0.2; unused with
            ``test_data``). None holds nothing out: the test arrays then repeat the
            validation part, so "test" scores are validation scores (optimistic).
        val_size: Fraction of the remaining rows used for validation (default 0.2).
        seed: Seed of the split (default 0).
        name: Name of the data in messages and in the summary (default ``"<DataFrame>"``).

    Returns:
        The dataset; its summary's ``data_sha256`` hashes the frame's values.

    Raises:
        DataError: If ``frame`` is not a non-empty DataFrame, repeats a column name, or the
            target is missing or unusable, or there are too few rows for the split.
        ConfigError: If ``task``, ``test_size`` or ``val_size`` is invalid.

    Example:
        >>> frame = pd.DataFrame({"size": [i % 7 + 0.5 for i in range(40)],
        ...                       "color": ["red", "blue"] * 20, "label": ["a", "b"] * 20})
        >>> data = load_frame(frame, "label", seed=1)
        >>> data.spec.task, data.summary["split_sizes"]
        ('binary', {'train': 26, 'val': 6, 'test': 8})
    """
    if task is not None:
        check_task_name(task)
    check_fraction("val_size", val_size)
    held_out = None if test_data is not None or test_size is None \
        else check_fraction("test_size", test_size)
    table = _labeled(frame, str(target), name)
    task = resolve_task(table, task)
    test_table = None
    if test_data is not None:
        test_table = _labeled(test_data, str(target), f"{name} (test_data)")
        if task == "regression":
            check_task_fits_target(task, test_table.y, table.target, test_table.name)
    return build_dataset(table, test_table, task, test_size=held_out, val_size=val_size,
                         seed=seed)


def load_arrays(
    x: Any,
    y: Any,
    *,
    feature_names: list[str] | None = None,
    task: str | None = None,
    test_size: float | None = 0.2,
    val_size: float = 0.2,
    seed: int = 0,
) -> Dataset:
    """Splits and preprocesses feature and target arrays, like :func:`load_frame`.

    Args:
        x: Features: a 2-D array-like of shape ``(n_rows, n_features)`` or a DataFrame.
        y: Targets: a 1-D array-like (or a single column) of ``n_rows`` values.
        feature_names: Column names for an array ``x``; default ``x0, x1, ...``.
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``; None (default) infers it.
        test_size: Fraction held out for testing (default 0.2); None holds nothing out.
        val_size: Fraction of the remaining rows used for validation (default 0.2).
        seed: Seed of the split (default 0).

    Returns:
        The dataset (the target column is named ``target``).

    Raises:
        DataError: If ``x`` is not 2-D, ``y`` is not 1-D, their lengths differ, or the data
            cannot be split and preprocessed (see :func:`load_frame`).

    Example:
        >>> x = np.arange(80, dtype=float).reshape(40, 2) % 7
        >>> data = load_arrays(x, np.array([0, 1] * 20))
        >>> data.spec.feature_names
        ('x0', 'x1')
    """
    features = _feature_frame(x, feature_names)
    target = _target_values(y, len(features))
    name = "target" if "target" not in features.columns else "__target__"
    frame = features.assign(**{name: target})
    return load_frame(frame, name, task=task, test_size=test_size, val_size=val_size,
                      seed=seed, name=ARRAYS_NAME)


def frame_sha256(frame: pd.DataFrame) -> str:
    """Hashes a frame's column names and values (row order counts, the index does not).

    Args:
        frame: Any DataFrame.

    Returns:
        64 hexadecimal characters.

    Example:
        >>> a = pd.DataFrame({"x": [1, 2]})
        >>> frame_sha256(a) == frame_sha256(a.set_axis([5, 6]))
        True
    """
    digest = hashlib.sha256(repr(list(frame.columns)).encode("utf-8"))
    rows = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    digest.update(np.ascontiguousarray(rows).tobytes())
    return digest.hexdigest()


def _labeled(frame: Any, target: str, name: str) -> LabeledTable:
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"Expected a pandas DataFrame for {name}. "
                        f"Received: {type(frame).__name__}.")
    if frame.empty:
        raise DataError(f"The DataFrame {name} is empty: expected rows and columns. "
                        f"Received shape: {frame.shape}.")
    columns = [str(column).strip() for column in frame.columns]
    repeated = sorted({column for column in columns if columns.count(column) > 1})
    if repeated:
        raise DataError(f"The DataFrame {name} repeats column names: {repeated}. "
                        "Expected every column name once.")
    clean = replace_infinities(frame.set_axis(columns, axis=1).reset_index(drop=True).copy())
    return labeled_table(clean, target, name=name, source=name, sha256=frame_sha256(clean))


def _feature_frame(x: Any, feature_names: list[str] | None) -> pd.DataFrame:
    if isinstance(x, pd.DataFrame):
        return x.reset_index(drop=True)
    values = np.asarray(x)
    if values.ndim != 2:
        raise DataError("Features must be a 2-D array of shape (n_rows, n_features). "
                        f"Received shape: {values.shape}.")
    names = list(feature_names) if feature_names is not None \
        else [f"x{i}" for i in range(values.shape[1])]
    if len(names) != values.shape[1]:
        raise DataError(f"Expected {values.shape[1]} feature names, one per column. "
                        f"Received {len(names)}: {names[:10]}.")
    return pd.DataFrame(values, columns=names).infer_objects()


def _target_values(y: Any, n_rows: int) -> np.ndarray:
    values = np.asarray(y)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values.ravel()
    if values.ndim != 1:
        raise DataError("Targets must be a 1-D array of shape (n_rows,). "
                        f"Received shape: {values.shape}.")
    if len(values) != n_rows:
        raise DataError("Features and targets have different numbers of rows. Expected equal "
                        f"lengths. Received: {n_rows} feature rows and {len(values)} targets.")
    return values
