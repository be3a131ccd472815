"""Plain values of search spaces: scalar checks, equality, and numbers PyYAML left as text."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

SCALAR_TYPES = (type(None), bool, int, float, str)


def is_scalar(value: Any) -> bool:
    """True for the values a categorical choice may take: None, bool, int, float or str."""
    return type(value) in SCALAR_TYPES


def same_value(left: Any, right: Any) -> bool:
    """Equality that keeps booleans apart from numbers (``True`` does not match ``1``)."""
    return left == right and isinstance(left, bool) == isinstance(right, bool)


def is_plain_data(value: Any) -> bool:
    """True for JSON-ready data: scalars, and lists or string-keyed dicts of plain data."""
    if is_scalar(value):
        return not (isinstance(value, float) and not math.isfinite(value))
    if isinstance(value, (list, tuple)):
        return all(is_plain_data(item) for item in value)
    if isinstance(value, Mapping):
        return all(isinstance(k, str) and is_plain_data(v) for k, v in value.items())
    return False


def to_plain(value: Any) -> Any:
    """Returns a copy of plain data with tuples turned into lists, as YAML and JSON give back."""
    if isinstance(value, (list, tuple)):
        return [to_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {key: to_plain(item) for key, item in value.items()}
    return value


def parse_number_string(text: str) -> Any:
    """Reads ``'1e-5'`` (which PyYAML leaves as a string) as a number; other text is kept."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else text
