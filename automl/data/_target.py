"""TargetEncoder: class labels to indices (and back), or a standardized regression target."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from automl.data._columns import boolean_values
from automl.data._columns import text_values
from automl.data._task import check_task_name
from automl.exceptions import DataError
from automl.exceptions import NotFittedError

_NUMBER_KINDS = ("integer", "floating", "mixed-integer-float", "decimal")


class TargetEncoder:
    """Encodes a target column for training and decodes model outputs to original labels.

    Classification: classes are the sorted distinct labels (numbers numerically, text
    lexicographically); ``encode`` gives int64 class indices and ``decode`` maps indices back
    to the labels as they appeared (text stays text, integer labels come back as int).
    Regression: ``encode`` standardizes with the fitted mean and standard deviation (float32)
    and ``decode`` maps back to original units (float64).

    Example:
        >>> encoder = TargetEncoder().fit(pd.Series(["dog", "cat", "dog"]), "binary")
        >>> encoder.classes
        ['cat', 'dog']
        >>> encoder.encode(pd.Series(["dog", "cat"])).tolist()
        [1, 0]
        >>> encoder.decode([0, 1]).tolist()
        ['cat', 'dog']
    """

    def __init__(self) -> None:
        self._task: str | None = None
        self._labels: list[Any] = []
        self._label_kind = "text"
        self._mean = 0.0
        self._scale = 1.0

    def fit(self, y: pd.Series, task: str) -> TargetEncoder:
        """Learns the classes, or the mean and scale of a regression target.

        Args:
            y: Target values without missing values (numbers for regression).
            task: ``"binary"``, ``"multiclass"`` or ``"regression"``.

        Returns:
            This encoder, fitted.

        Raises:
            ConfigError: If the task name is unknown.
        """
        self._task = check_task_name(task)
        if task == "regression":
            values = pd.to_numeric(y).to_numpy(dtype=np.float64)
            std = float(np.std(values))
            self._mean = float(np.mean(values))
            self._scale = std if np.isfinite(std) and std > 0 else 1.0
        else:
            self._label_kind = _label_kind(y)
            self._labels = _sorted_labels(y.dropna(), self._label_kind)
        return self

    @property
    def task(self) -> str:
        """The fitted task."""
        return self._fitted_task()

    @property
    def classes(self) -> list[str]:
        """Class labels as text, in index order (empty for regression)."""
        self._fitted_task()
        return [str(label) for label in self._labels]

    @property
    def n_classes(self) -> int:
        """Number of classes (0 for regression)."""
        return len(self.classes)

    def encode(self, y: pd.Series | np.ndarray, *, source: str | None = None) -> np.ndarray:
        """Encodes target values.

        Args:
            y: Target values, without missing values.
            source: Where the values come from (a file name), for error messages.

        Returns:
            int64 class indices, or float32 standardized values for regression.

        Raises:
            DataError: If a label was not seen in :meth:`fit` or a value is missing.
        """
        y = pd.Series(y)
        if self._fitted_task() == "regression":
            values = pd.to_numeric(y, errors="coerce").to_numpy(dtype=np.float64)
            _check_no_missing(np.isnan(values), y, source)
            return ((values - self._mean) / self._scale).astype(np.float32)
        indices = self._class_index().get_indexer(self._label_keys(y))
        _check_no_missing(y.isna().to_numpy(), y, source)
        self._check_known(indices, y, source)
        return indices.astype(np.int64)

    def decode(self, values: np.ndarray | list) -> np.ndarray:
        """Maps encoded values back to original labels or units.

        Args:
            values: Class indices (integers) or standardized regression values.

        Returns:
            The labels (an array of the labels' type) or float64 values in original units.

        Raises:
            ValueError: If class indices are not whole numbers.
        """
        values = np.asarray(values)
        if self._fitted_task() == "regression":
            return values.astype(np.float64) * self._scale + self._mean
        if not np.issubdtype(values.dtype, np.integer):
            if not np.all(np.mod(values, 1) == 0):
                raise ValueError(f"Class indices must be whole numbers. Received: {values[:5]}")
        return np.asarray(self._labels)[values.astype(np.int64)]

    def to_dict(self) -> dict[str, Any]:
        """Returns the fitted encoder as JSON-ready values."""
        return {
            "task": self._fitted_task(),
            "labels": list(self._labels),
            "label_kind": self._label_kind,
            "mean": self._mean,
            "scale": self._scale,
        }

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TargetEncoder:
        """Rebuilds an encoder written by :meth:`to_dict`.

        Args:
            values: The stored encoder.

        Returns:
            The fitted encoder.
        """
        encoder = cls()
        encoder._task = check_task_name(values["task"])
        encoder._labels = list(values["labels"])
        encoder._label_kind = values["label_kind"]
        encoder._mean = float(values["mean"])
        encoder._scale = float(values["scale"])
        return encoder

    def _fitted_task(self) -> str:
        if self._task is None:
            raise NotFittedError(
                "This TargetEncoder is not fitted yet. Call fit(y, task) before using it."
            )
        return self._task

    def _class_index(self) -> pd.Index:
        if self._label_kind == "text":
            return pd.Index(self._labels, dtype="str")
        return pd.Index(np.asarray(self._labels, dtype=np.float64))

    def _label_keys(self, y: pd.Series) -> pd.Series | np.ndarray:
        if self._label_kind == "text":
            return text_values(y)
        if self._label_kind == "bool":
            return boolean_values(y)
        return pd.to_numeric(y, errors="coerce").to_numpy(dtype=np.float64)

    def _check_known(self, indices: np.ndarray, y: pd.Series, source: str | None) -> None:
        unknown = pd.unique(y[(indices < 0) & y.notna().to_numpy()])
        if len(unknown):
            raise DataError(
                f"Target{_where(source)} has labels not seen in the training data: "
                f"{sorted(str(label) for label in unknown)[:10]}. Known classes: {self.classes}."
            )


def _label_kind(y: pd.Series) -> str:
    inferred = pd.api.types.infer_dtype(y, skipna=True)
    if inferred == "boolean":
        return "bool"
    return "number" if inferred in _NUMBER_KINDS else "text"


def _sorted_labels(values: pd.Series, kind: str) -> list[Any]:
    if kind == "bool":
        return sorted({bool(value) for value in values})
    if kind == "text":
        return sorted({str(value) for value in values})
    numbers = sorted(set(pd.to_numeric(values).to_numpy(dtype=np.float64).tolist()))
    if all(number.is_integer() for number in numbers):
        return [int(number) for number in numbers]
    return numbers


def _check_no_missing(missing: np.ndarray, y: pd.Series, source: str | None) -> None:
    if missing.any():
        examples = [str(value) for value in y[missing].head(3)]
        raise DataError(
            f"Target{_where(source)} has {int(missing.sum())} missing or invalid values, "
            f"e.g. {examples}. "
            "Expected a value in every row."
        )


def _where(source: str | None) -> str:
    return f" in '{source}'" if source else ""
