"""Per-column encoders: numbers, booleans and categories to float features, stored as plain data.

Each encoder is a frozen dataclass made by ``fit(name, series)`` from training rows only; its
``transform(series)`` returns a float64 array of shape ``(n_rows, len(feature_names))`` with no
NaN or infinity, and ``to_dict()`` / :func:`encoder_from_dict` round-trip it through JSON.
"""

from __future__ import annotations

import dataclasses
import zlib
from typing import Any

import numpy as np
import pandas as pd

from automl.data._columns import boolean_values
from automl.data._columns import numeric_values
from automl.data._columns import text_values

MAX_ONE_HOT_CATEGORIES = 20
N_HASH_BUCKETS = 32
MISSING_SUFFIX = "=<missing>"
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _one_hot(codes: np.ndarray, width: int) -> np.ndarray:
    """Rows of zeros with a 1.0 at each code; a code of -1 leaves the row all zeros."""
    out = np.zeros((len(codes), width), dtype=np.float64)
    rows = np.flatnonzero(codes >= 0)
    out[rows, codes[rows]] = 1.0
    return out


def _with_indicator(values: np.ndarray, missing: np.ndarray, add_indicator: bool) -> np.ndarray:
    columns = [values, missing.astype(np.float64)] if add_indicator else [values]
    return np.column_stack(columns)


@dataclasses.dataclass(frozen=True)
class NumericEncoder:
    """Median imputation, an optional missing-value indicator, then standardization.

    Args:
        name: The column's name.
        median: Training median, used for missing values.
        mean: Training mean after imputation.
        scale: Training standard deviation after imputation (1.0 when it was 0).
        add_indicator: Whether a 0/1 ``name=<missing>`` feature follows the value.

    Example:
        >>> encoder = NumericEncoder.fit("x", pd.Series([1.0, None, 3.0]))
        >>> encoder.transform(pd.Series([2.0, None])).round(3).tolist()
        [[0.0, 0.0], [0.0, 1.0]]
    """

    name: str
    median: float
    mean: float
    scale: float
    add_indicator: bool

    @classmethod
    def fit(cls, name: str, series: pd.Series) -> NumericEncoder:
        """Learns the encoder from training values (at least one must be present)."""
        values = numeric_values(series)
        missing = np.isnan(values)
        median = float(np.median(values[~missing]))
        filled = np.where(missing, median, values)
        mean, std = float(np.mean(filled)), float(np.std(filled))
        mean = mean if np.isfinite(mean) else 0.0
        scale = std if np.isfinite(std) and std > 0 else 1.0
        return cls(name, median, mean, scale, bool(missing.any()))

    @property
    def feature_names(self) -> list[str]:
        """Output feature names."""
        return [self.name] + ([self.name + MISSING_SUFFIX] if self.add_indicator else [])

    def transform(self, series: pd.Series) -> np.ndarray:
        """Encodes values; text that is not a number counts as missing."""
        values = numeric_values(series)
        missing = np.isnan(values)
        scaled = (np.where(missing, self.median, values) - self.mean) / self.scale
        scaled = np.clip(scaled, -_FLOAT32_MAX, _FLOAT32_MAX)
        return _with_indicator(scaled, missing, self.add_indicator)

    def to_dict(self) -> dict[str, Any]:
        """Returns the encoder as JSON-ready values."""
        return {"kind": "numeric", **dataclasses.asdict(self)}


@dataclasses.dataclass(frozen=True)
class BooleanEncoder:
    """0/1 values, missing values set to the training mode, plus an optional indicator.

    Args:
        name: The column's name.
        fill_value: The most frequent training value (0.0 or 1.0), used for missing values.
        add_indicator: Whether a 0/1 ``name=<missing>`` feature follows the value.

    Example:
        >>> encoder = BooleanEncoder.fit("b", pd.Series(["yes", "no", "yes"]))
        >>> encoder.transform(pd.Series(["No", None])).tolist()
        [[0.0], [1.0]]
    """

    name: str
    fill_value: float
    add_indicator: bool

    @classmethod
    def fit(cls, name: str, series: pd.Series) -> BooleanEncoder:
        """Learns the encoder from training values (at least one must be present)."""
        values = boolean_values(series)
        missing = np.isnan(values)
        fill_value = 1.0 if np.mean(values[~missing]) >= 0.5 else 0.0
        return cls(name, fill_value, bool(missing.any()))

    @property
    def feature_names(self) -> list[str]:
        """Output feature names."""
        return [self.name] + ([self.name + MISSING_SUFFIX] if self.add_indicator else [])

    def transform(self, series: pd.Series) -> np.ndarray:
        """Encodes values; anything but true/false/yes/no counts as missing."""
        values = boolean_values(series)
        missing = np.isnan(values)
        filled = np.where(missing, self.fill_value, values)
        return _with_indicator(filled, missing, self.add_indicator)

    def to_dict(self) -> dict[str, Any]:
        """Returns the encoder as JSON-ready values."""
        return {"kind": "boolean", **dataclasses.asdict(self)}


@dataclasses.dataclass(frozen=True)
class OneHotEncoder:
    """One-hot over the training vocabulary, one ``<other>`` slot for unseen values, and a
    ``<missing>`` slot when the training rows had missing values (else missing goes to other).

    Args:
        name: The column's name.
        categories: The training values, sorted.
        has_missing_slot: Whether missing values have their own feature.

    Example:
        >>> encoder = OneHotEncoder.fit("c", pd.Series(["a", "b", "a"]))
        >>> encoder.feature_names
        ['c=a', 'c=b', 'c=<other>']
        >>> encoder.transform(pd.Series(["b", "zzz"])).tolist()
        [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """

    name: str
    categories: tuple[str, ...]
    has_missing_slot: bool

    @classmethod
    def fit(cls, name: str, series: pd.Series) -> OneHotEncoder:
        """Learns the vocabulary from training values."""
        text = text_values(series)
        categories = tuple(sorted(str(value) for value in text.dropna().unique()))
        return cls(name, categories, bool(text.isna().any()))

    @property
    def feature_names(self) -> list[str]:
        """Output feature names."""
        names = [f"{self.name}={category}" for category in self.categories]
        names.append(f"{self.name}=<other>")
        return names + ([self.name + MISSING_SUFFIX] if self.has_missing_slot else [])

    def transform(self, series: pd.Series) -> np.ndarray:
        """Encodes values as one-hot rows."""
        text = text_values(series)
        other_slot = len(self.categories)
        codes = pd.Index(self.categories, dtype="str").get_indexer(text)
        codes = np.where(codes >= 0, codes, other_slot)
        if self.has_missing_slot:
            codes = np.where(text.isna().to_numpy(), other_slot + 1, codes)
        return _one_hot(codes, len(self.feature_names))

    def to_dict(self) -> dict[str, Any]:
        """Returns the encoder as JSON-ready values."""
        return {"kind": "onehot", **dataclasses.asdict(self), "categories": list(self.categories)}


@dataclasses.dataclass(frozen=True)
class HashingEncoder:
    """The hashing trick for many categories: ``zlib.crc32`` of the UTF-8 text modulo the
    number of buckets, one-hot; a ``<missing>`` slot when the training rows had missing values
    (else a missing value gives a row of zeros).

    Args:
        name: The column's name.
        n_buckets: Number of hash buckets.
        has_missing_slot: Whether missing values have their own feature.

    Example:
        >>> encoder = HashingEncoder("city", n_buckets=4, has_missing_slot=False)
        >>> encoder.transform(pd.Series(["Paris"])).shape
        (1, 4)
    """

    name: str
    n_buckets: int
    has_missing_slot: bool

    @classmethod
    def fit(cls, name: str, series: pd.Series) -> HashingEncoder:
        """Makes the encoder (only whether training values were missing is learned)."""
        return cls(name, N_HASH_BUCKETS, bool(series.isna().any()))

    @property
    def feature_names(self) -> list[str]:
        """Output feature names."""
        names = [f"{self.name}#hash{bucket:02d}" for bucket in range(self.n_buckets)]
        return names + ([self.name + MISSING_SUFFIX] if self.has_missing_slot else [])

    def transform(self, series: pd.Series) -> np.ndarray:
        """Encodes values as one-hot hash buckets."""
        codes, uniques = pd.factorize(text_values(series))
        buckets = np.array(
            [zlib.crc32(str(value).encode("utf-8")) % self.n_buckets for value in uniques],
            dtype=np.int64,
        )
        hashed = np.full(len(codes), self.n_buckets if self.has_missing_slot else -1)
        present = codes >= 0
        hashed[present] = buckets[codes[present]]
        return _one_hot(hashed, len(self.feature_names))

    def to_dict(self) -> dict[str, Any]:
        """Returns the encoder as JSON-ready values."""
        return {"kind": "hashing", **dataclasses.asdict(self)}


ColumnEncoder = NumericEncoder | BooleanEncoder | OneHotEncoder | HashingEncoder
_ENCODER_KINDS: dict[str, type] = {
    "numeric": NumericEncoder,
    "boolean": BooleanEncoder,
    "onehot": OneHotEncoder,
    "hashing": HashingEncoder,
}


def fit_encoder(name: str, series: pd.Series, column_type: str) -> ColumnEncoder:
    """Fits the encoder for one column of a given type.

    Args:
        name: The column's name.
        series: Training values, with at least two distinct non-missing values.
        column_type: ``"numeric"``, ``"boolean"`` or ``"categorical"``; a categorical
            column with more than 20 distinct values is hashed.

    Returns:
        The fitted encoder.

    Example:
        >>> fit_encoder("c", pd.Series(["a", "b"]), "categorical").to_dict()["kind"]
        'onehot'
    """
    if column_type == "numeric":
        return NumericEncoder.fit(name, series)
    if column_type == "boolean":
        return BooleanEncoder.fit(name, series)
    if series.nunique(dropna=True) <= MAX_ONE_HOT_CATEGORIES:
        return OneHotEncoder.fit(name, series)
    return HashingEncoder.fit(name, series)


def encoder_from_dict(values: dict[str, Any]) -> ColumnEncoder:
    """Rebuilds an encoder written by its ``to_dict``.

    Args:
        values: The stored encoder.

    Returns:
        The encoder.

    Example:
        >>> encoder_from_dict({"kind": "boolean", "name": "b", "fill_value": 0.0,
        ...                    "add_indicator": False}).feature_names
        ['b']
    """
    fields = {key: value for key, value in values.items() if key != "kind"}
    if "categories" in fields:
        fields["categories"] = tuple(fields["categories"])
    return _ENCODER_KINDS[values["kind"]](**fields)
