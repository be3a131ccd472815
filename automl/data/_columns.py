"""Column typing (numeric, categorical, boolean) and the rules that drop useless columns."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

NUMERIC = "numeric"
CATEGORICAL = "categorical"
BOOLEAN = "boolean"
BOOLEAN_WORDS = {"true": 1.0, "yes": 1.0, "false": 0.0, "no": 0.0}
_CAMEL_ID = re.compile(r"[a-z](?:Id|ID|UUID)$")
_SEPARATED_ID = re.compile(r"(?:^|[_\-\s.])(?:id|uuid|guid)$", re.IGNORECASE)


def column_type(series: pd.Series) -> str:
    """Classifies a feature column as numeric, boolean or categorical.

    Boolean columns have a bool dtype or hold only the words true/false/yes/no (any case).
    Other numeric dtypes are numeric; everything else is categorical.

    Args:
        series: One column of a table.

    Returns:
        ``"numeric"``, ``"boolean"`` or ``"categorical"``.

    Example:
        >>> column_type(pd.Series(["Yes", "no", None]))
        'boolean'
        >>> column_type(pd.Series(["red", "blue"]))
        'categorical'
    """
    if pd.api.types.is_bool_dtype(series):
        return BOOLEAN
    if pd.api.types.is_numeric_dtype(series):
        return NUMERIC
    words = _normalized_words(series.dropna())
    if len(words) and words.isin(list(BOOLEAN_WORDS)).all():
        return BOOLEAN
    return CATEGORICAL


def drop_reason(name: str, series: pd.Series, kind: str) -> str | None:
    """Says why a feature column should be dropped, or None to keep it.

    Dropped: columns with at most one distinct non-missing value, and ID-like columns: text
    columns whose values are all distinct; integer columns whose values are all distinct and
    strictly increasing or a contiguous range; columns named like ``id``/``uuid`` whose
    values are all distinct.

    Args:
        name: The column's name.
        series: The column's values (training rows, in file order).
        kind: The column's type from :func:`column_type`.

    Returns:
        A short reason, or None.

    Example:
        >>> drop_reason("row", pd.Series([1, 2, 3, 4]), "numeric")
        'ID-like: distinct integers in sequence'
        >>> drop_reason("size", pd.Series([1.5, 2.5, 0.5]), "numeric") is None
        True
    """
    n_distinct = series.nunique(dropna=True)
    if n_distinct == 0:
        return "all values missing"
    if n_distinct == 1:
        return "constant: one distinct value"
    if n_distinct < len(series):
        return None
    if is_id_name(name):
        return "ID-like: named like an identifier, all values distinct"
    if kind == CATEGORICAL:
        return "ID-like: every text value is distinct"
    if _is_integer_index(series):
        return "ID-like: distinct integers in sequence"
    return None


def is_id_name(name: str) -> bool:
    """True for names like ``id``, ``ID``, ``user_id``, ``customerId`` or ``uuid``.

    Args:
        name: A column name.

    Returns:
        Whether the name looks like an identifier's.

    Example:
        >>> [is_id_name(n) for n in ["ID", "user_id", "userId", "paid", "valid"]]
        [True, True, True, False, False]
    """
    return bool(_SEPARATED_ID.search(name) or _CAMEL_ID.search(name))


def boolean_values(series: pd.Series) -> np.ndarray:
    """Converts a boolean column to floats: 1.0 true/yes, 0.0 false/no, NaN otherwise.

    Args:
        series: A boolean column (bool dtype, Python bools or true/false/yes/no words).

    Returns:
        A float64 array of the same length.

    Example:
        >>> boolean_values(pd.Series(["YES", "no", None])).tolist()
        [1.0, 0.0, nan]
    """
    if pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype=np.float64)
    words = _normalized_words(series)
    return words.map(BOOLEAN_WORDS).to_numpy(dtype=np.float64, na_value=np.nan)


def text_values(series: pd.Series) -> pd.Series:
    """Converts a column to text, keeping missing values missing.

    Args:
        series: Any column.

    Returns:
        A ``str``-dtype Series.

    Example:
        >>> text_values(pd.Series([1, None, "b"], dtype=object)).tolist()
        ['1', nan, 'b']
    """
    return series.astype("str")


def numeric_values(series: pd.Series) -> np.ndarray:
    """Converts a column to float64; text that is not a number and infinities become NaN.

    Args:
        series: Any column.

    Returns:
        A float64 array of the same length.

    Example:
        >>> numeric_values(pd.Series(["1.5", "x", "inf"])).tolist()
        [1.5, nan, nan]
    """
    if pd.api.types.is_bool_dtype(series):
        series = series.astype(np.float64)
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    return np.where(np.isinf(values), np.nan, values)


def _normalized_words(series: pd.Series) -> pd.Series:
    return text_values(series).str.strip().str.lower()


def _is_integer_index(series: pd.Series) -> bool:
    if not pd.api.types.is_integer_dtype(series) or pd.api.types.is_bool_dtype(series):
        return False
    span = int(series.max()) - int(series.min()) + 1
    return series.is_monotonic_increasing or span == len(series)
