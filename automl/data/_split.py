"""Seeded train / validation / test splits, stratified by class for classification."""

from __future__ import annotations

import hashlib
import json

import numpy as np

from automl.exceptions import ConfigError
from automl.exceptions import DataError

MIN_ROWS = 10
"""Fewest rows with a target that a training file needs."""


def check_fraction(name: str, value: float) -> float:
    """Validates a split fraction.

    Args:
        name: The option's name, for messages (``"test_size"``).
        value: The fraction.

    Returns:
        The fraction as a float.

    Raises:
        ConfigError: If it is not a number strictly between 0 and 1.

    Example:
        >>> check_fraction("val_size", 0.2)
        0.2
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise ConfigError(
            f"`{name}` must be a number between 0 and 1 (exclusive). Received: {value!r}."
        )
    return float(value)


def check_enough_rows(
    labels: np.ndarray | None,
    n_rows: int,
    n_parts: int,
    source: str,
    classes: list[str] | None = None,
) -> None:
    """Checks that there are enough rows, and rows of each class, to fill every part.

    Args:
        labels: Class indices of the rows, or None for regression.
        n_rows: Number of rows with a target.
        n_parts: Parts to fill: 3 (train, validation, test) or 2 (train, validation).
        source: The data file's name, for messages.
        classes: Class names in index order, for messages.

    Raises:
        DataError: If there are fewer than 10 rows, or a class has fewer rows than parts.

    Example:
        >>> check_enough_rows(np.array([0, 1] * 6), n_rows=12, n_parts=3, source="t.csv")
    """
    parts = "train, validation and test" if n_parts == 3 else "train and validation"
    if n_rows < MIN_ROWS:
        raise DataError(
            f"Data file '{source}' has {n_rows} rows with a target; at least {MIN_ROWS} are "
            f"needed to split it into {parts} parts."
        )
    if labels is None:
        return
    counts = np.bincount(labels, minlength=len(classes or []))
    smallest = int(np.argmin(counts))
    if counts[smallest] < n_parts:
        name = classes[smallest] if classes else str(smallest)
        raise DataError(
            f"Class '{name}' has {counts[smallest]} rows in '{source}'; at least {n_parts} rows "
            f"per class are needed for a stratified split into {parts} parts."
        )


def split_rows(
    labels: np.ndarray | None,
    n_rows: int,
    *,
    val_size: float,
    test_size: float | None,
    seed: int,
) -> dict[str, np.ndarray]:
    """Splits row positions into train, validation and (optionally) test parts.

    The test part takes ``test_size`` of all rows, then the validation part takes ``val_size``
    of the rest. With labels, every class is split separately (stratified) and every part
    gets at least one row of every class. Each part's order is shuffled.

    Args:
        labels: Class index of each row, or None (no stratification).
        n_rows: Number of rows.
        val_size: Fraction of the non-test rows for validation.
        test_size: Fraction of all rows for testing, or None for no test part.
        seed: Seed of the random generator; the same seed gives the same split.

    Returns:
        Row positions under ``"train"``, ``"val"`` and (unless ``test_size`` is None)
        ``"test"``.

    Example:
        >>> parts = split_rows(None, 10, val_size=0.2, test_size=0.2, seed=0)
        >>> {name: len(rows) for name, rows in parts.items()}
        {'train': 6, 'val': 2, 'test': 2}
    """
    rng = np.random.default_rng(seed)
    groups = np.zeros(n_rows, dtype=np.int64) if labels is None else np.asarray(labels)
    rest, parts = np.arange(n_rows), {}
    if test_size is not None:
        rest, parts["test"] = _split_off(rest, groups[rest], test_size, 2, rng)
    rest, parts["val"] = _split_off(rest, groups[rest], val_size, 1, rng)
    parts["train"] = rest
    names = [name for name in ("train", "val", "test") if name in parts]
    return {name: rng.permutation(parts[name]) for name in names}


def split_sha256(parts: dict[str, list[int]]) -> str:
    """Returns the SHA-256 hex digest of named lists of row positions.

    Args:
        parts: For example ``{"train": [...], "val": [...], "test": [...]}``.

    Returns:
        64 hexadecimal characters.

    Example:
        >>> len(split_sha256({"train": [0, 1], "val": [2], "test": [3]}))
        64
    """
    text = json.dumps({name: [int(row) for row in rows] for name, rows in parts.items()})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _split_off(
    rows: np.ndarray, groups: np.ndarray, fraction: float, min_left: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Takes ``fraction`` of each group's rows (at least 1, leaving at least ``min_left``)."""
    taken = []
    for group in np.unique(groups):
        members = rng.permutation(rows[groups == group])
        n_take = int(np.floor(len(members) * fraction + 0.5))
        taken.append(members[: min(max(n_take, 1), len(members) - min_left)])
    part = np.sort(np.concatenate(taken))
    return np.setdiff1d(rows, part), part
