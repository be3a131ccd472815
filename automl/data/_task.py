"""Task inference (binary, multiclass or regression) from a target column, like sklearn's
``type_of_target``, and validation of a task given by the user."""

from __future__ import annotations

import numpy as np
import pandas as pd

from automl.data._spec import TASKS
from automl.exceptions import ConfigError
from automl.exceptions import DataError

MAX_INTEGER_CLASSES = 20
"""An integer target with more distinct values than this is treated as regression."""


def infer_task(y: pd.Series) -> str:
    """Infers the learning task from a target column (missing values are ignored).

    * text or boolean values: ``"binary"`` with at most 2 distinct values, else ``"multiclass"``;
    * numbers with a fractional part: ``"regression"``;
    * integer values: ``"binary"`` with at most 2 distinct values; ``"multiclass"`` with at most
      20 distinct values that are also fewer than half the rows; else ``"regression"``.

    Args:
        y: The target values.

    Returns:
        ``"binary"``, ``"multiclass"`` or ``"regression"``.

    Example:
        >>> infer_task(pd.Series(["cat", "dog", "cat"]))
        'binary'
        >>> infer_task(pd.Series([0.5, 1.25, 3.0]))
        'regression'
        >>> infer_task(pd.Series([0, 1, 2, 0, 1, 2, 0]))
        'multiclass'
    """
    values = y.dropna()
    n_distinct = values.nunique()
    if not is_numeric_target(values):
        return "binary" if n_distinct <= 2 else "multiclass"
    numbers = values.to_numpy(dtype=np.float64)
    if not np.all(np.isfinite(numbers)) or np.any(numbers != np.round(numbers)):
        return "regression"
    if n_distinct <= 2:
        return "binary"
    if n_distinct <= MAX_INTEGER_CLASSES and n_distinct < len(values) / 2:
        return "multiclass"
    return "regression"


def is_numeric_target(y: pd.Series) -> bool:
    """True if the values are numbers (booleans do not count as numbers).

    Args:
        y: The target values.

    Returns:
        Whether the column has a numeric, non-boolean dtype.

    Example:
        >>> is_numeric_target(pd.Series([True, False]))
        False
    """
    return pd.api.types.is_numeric_dtype(y) and not pd.api.types.is_bool_dtype(y)


def check_task_name(task: str) -> str:
    """Validates a task name given by the user.

    Args:
        task: The requested task.

    Returns:
        The task, unchanged.

    Raises:
        ConfigError: If the task is not one of ``binary``, ``multiclass``, ``regression``.

    Example:
        >>> check_task_name("regression")
        'regression'
    """
    if task not in TASKS:
        raise ConfigError(f"Unknown task {task!r}. Valid tasks: {list(TASKS)}.")
    return task


def check_task_fits_target(task: str, y: pd.Series, target: str, source: str) -> None:
    """Checks that a requested task can be learned from the target values.

    Args:
        task: A valid task name.
        y: The target values, without missing values.
        target: The target column's name, for messages.
        source: The data file's name, for messages.

    Raises:
        DataError: If regression is asked for a non-numeric target, or binary
            classification for a target with more than two classes.

    Example:
        >>> check_task_fits_target("binary", pd.Series(["a", "b"]), "y", "t.csv")
    """
    where = f"Target column '{target}' in '{source}'"
    if task == "regression" and not is_numeric_target(y):
        examples = [str(value) for value in pd.unique(y)[:3]]
        raise DataError(
            f"{where} cannot be used for task 'regression': expected numbers. "
            f"Received values such as {examples}."
        )
    n_classes = y.nunique()
    if task == "binary" and n_classes > 2:
        raise DataError(
            f"{where} cannot be used for task 'binary': expected 2 classes. "
            f"Received: {n_classes} classes; use task='multiclass'."
        )
