"""TabularPreprocessor: raw table rows to a float32 feature matrix, fitted on training rows and
stored as plain JSON-ready data (no pickle)."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from automl.data._columns import column_type
from automl.data._columns import drop_reason
from automl.data._encoders import ColumnEncoder
from automl.data._encoders import encoder_from_dict
from automl.data._encoders import fit_encoder
from automl.exceptions import DataError
from automl.exceptions import NotFittedError

logger = logging.getLogger("automl.data")

FORMAT = "automl.tabular_preprocessor"
FORMAT_VERSION = 1


class TabularPreprocessor:
    """Types, cleans and encodes the feature columns of a table.

    ``fit`` types each column (numeric, boolean, categorical), drops constant and ID-like
    columns with a logged warning, and learns per-column encodings from the given (training)
    rows only: numbers are median-imputed (with a missing indicator when the training rows had
    missing values) and standardized; booleans become 0/1; categories are one-hot encoded with
    an ``<other>`` slot (at most 20 training values) or hashed into 32 buckets with
    ``zlib.crc32``. ``transform`` returns float32 features without NaN or infinity.

    Example:
        >>> frame = pd.DataFrame({"x": [1.0, 2.0, None, 4.0], "c": ["a", "b", "a", "b"]})
        >>> preprocessor = TabularPreprocessor().fit(frame)
        >>> preprocessor.feature_names
        ['x', 'x=<missing>', 'c=a', 'c=b', 'c=<other>']
        >>> preprocessor.transform(frame).shape
        (4, 5)
    """

    def __init__(self) -> None:
        self._encoders: list[ColumnEncoder] | None = None
        self._column_types: dict[str, str] = {}
        self._dropped_columns: dict[str, str] = {}

    def fit(self, frame: pd.DataFrame) -> TabularPreprocessor:
        """Learns column types and encodings from training rows.

        Args:
            frame: The training rows' feature columns (no target), in file order.

        Returns:
            This preprocessor, fitted.

        Raises:
            DataError: If the frame has no rows, or no column is left after dropping
                constant and ID-like columns.
        """
        if len(frame) == 0:
            raise DataError("Cannot fit preprocessing on 0 rows. Expected at least one row.")
        frame = _with_text_names(frame)
        self._column_types = {name: column_type(frame[name]) for name in frame.columns}
        self._dropped_columns = {}
        fitted = [self._fit_column(name, frame[name]) for name in frame.columns]
        encoders = [encoder for encoder in fitted if encoder is not None]
        if not encoders:
            raise DataError(
                "No usable feature columns: every column was dropped "
                f"({self._dropped_columns}). Expected at least one column that is neither "
                "constant nor ID-like."
            )
        self._encoders = encoders
        return self

    def transform(self, frame: pd.DataFrame, *, source: str | None = None) -> np.ndarray:
        """Encodes rows with the fitted encodings; extra columns are ignored.

        Args:
            frame: Rows with at least the :attr:`required_columns`.
            source: Where the rows come from (a file name), for error messages.

        Returns:
            A float32 array of shape ``(n_rows, len(feature_names))``, with no NaN or inf.

        Raises:
            DataError: If required columns are missing.
            NotFittedError: If :meth:`fit` has not been called.
        """
        encoders = self._fitted_encoders()
        frame = _with_text_names(frame)
        self._check_columns(frame, source)
        blocks = [encoder.transform(frame[encoder.name]) for encoder in encoders]
        return np.hstack(blocks).astype(np.float32)

    @property
    def feature_names(self) -> list[str]:
        """Names of the output features, in column order."""
        return [name for encoder in self._fitted_encoders() for name in encoder.feature_names]

    @property
    def required_columns(self) -> list[str]:
        """Input columns that :meth:`transform` needs (the kept feature columns)."""
        return [encoder.name for encoder in self._fitted_encoders()]

    @property
    def column_types(self) -> dict[str, str]:
        """Type of every input column seen in :meth:`fit`, dropped ones included."""
        self._fitted_encoders()
        return dict(self._column_types)

    @property
    def dropped_columns(self) -> dict[str, str]:
        """Columns dropped in :meth:`fit`, with the reason."""
        self._fitted_encoders()
        return dict(self._dropped_columns)

    def to_dict(self) -> dict[str, Any]:
        """Returns the fitted preprocessor as JSON-ready values.

        Raises:
            NotFittedError: If :meth:`fit` has not been called.
        """
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "column_types": dict(self._column_types),
            "dropped_columns": dict(self._dropped_columns),
            "encoders": [encoder.to_dict() for encoder in self._fitted_encoders()],
        }

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TabularPreprocessor:
        """Rebuilds a preprocessor written by :meth:`to_dict`.

        Args:
            values: The stored preprocessor.

        Returns:
            A fitted preprocessor that transforms exactly like the stored one.

        Raises:
            DataError: If ``values`` was not written by :meth:`to_dict`.
        """
        if values.get("format") != FORMAT or values.get("version") != FORMAT_VERSION:
            raise DataError(
                f"Stored preprocessing has an unknown format. Expected format={FORMAT!r} "
                f"version={FORMAT_VERSION}. Received: format={values.get('format')!r} "
                f"version={values.get('version')!r}."
            )
        preprocessor = cls()
        preprocessor._column_types = dict(values["column_types"])
        preprocessor._dropped_columns = dict(values["dropped_columns"])
        preprocessor._encoders = [encoder_from_dict(item) for item in values["encoders"]]
        return preprocessor

    def _fit_column(self, name: str, series: pd.Series) -> ColumnEncoder | None:
        kind = self._column_types[name]
        reason = drop_reason(name, series, kind)
        if reason is None:
            return fit_encoder(name, series, kind)
        self._dropped_columns[name] = reason
        logger.warning("Dropping column %r: %s.", name, reason)
        return None

    def _fitted_encoders(self) -> list[ColumnEncoder]:
        if self._encoders is None:
            raise NotFittedError(
                "This TabularPreprocessor is not fitted yet. Call fit(frame) before using it."
            )
        return self._encoders

    def _check_columns(self, frame: pd.DataFrame, source: str | None) -> None:
        present = set(frame.columns)
        missing = [name for name in self.required_columns if name not in present]
        if missing:
            where = f" in '{source}'" if source else ""
            raise DataError(
                f"Missing required feature columns{where}: {missing}. "
                f"Expected columns: {self.required_columns}. "
                f"Received columns: {list(frame.columns)}."
            )


def _with_text_names(frame: pd.DataFrame) -> pd.DataFrame:
    if all(isinstance(name, str) for name in frame.columns):
        return frame
    return frame.set_axis([str(name) for name in frame.columns], axis=1)
