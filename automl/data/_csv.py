"""load_csv: a CSV file and a target column name to a split, preprocessed :class:`Dataset`."""

from __future__ import annotations

import dataclasses
import difflib
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from automl.data._dataset import Dataset
from automl.data._preprocess import TabularPreprocessor
from automl.data._read import file_sha256
from automl.data._read import read_table
from automl.data._spec import InputSpec
from automl.data._split import check_enough_rows
from automl.data._split import check_fraction
from automl.data._split import split_rows
from automl.data._split import split_sha256
from automl.data._target import TargetEncoder
from automl.data._task import check_task_fits_target
from automl.data._task import check_task_name
from automl.data._task import infer_task
from automl.exceptions import DataError

logger = logging.getLogger("automl.data")


@dataclasses.dataclass(frozen=True)
class LabeledTable:
    """One table's rows that have a target: features, target and counts for the summary.

    Attributes:
        name: Short name used in messages (a file name, or ``"<DataFrame>"``).
        source: Where the rows come from (a file path, or a description of in-memory data).
        sha256: Hash of the source data (file bytes, or the frame's values).
        target: Name of the target column.
        features: Feature columns of the rows with a target.
        y: Target values of those rows.
        n_rows: Rows before dropping those without a target.
        n_columns: Columns, target included.
        n_dropped: Rows dropped for a missing target.
    """

    name: str
    source: str
    sha256: str
    target: str
    features: pd.DataFrame
    y: pd.Series
    n_rows: int
    n_columns: int
    n_dropped: int


def load_csv(
    path: str | os.PathLike,
    target: str,
    *,
    task: str | None = None,
    test_data: str | os.PathLike | None = None,
    test_size: float = 0.2,
    val_size: float = 0.2,
    seed: int = 0,
) -> Dataset:
    """Reads a CSV file, splits it and preprocesses it into float32 arrays.

    Rows without a target are dropped (with a warning). The task is inferred from the target
    unless given. A test part of ``test_size`` (stratified for classification) is held out,
    unless ``test_data`` names a separate test file; then ``val_size`` of the rest becomes the
    validation part. Preprocessing and target scaling are fitted on the training part only.

    Args:
        path: The CSV file (UTF-8; delimiter ``, ; tab |`` detected).
        target: Name of the target column.
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``; None (default) infers it.
        test_data: Optional separate test file with the same columns, target included.
        test_size: Fraction of rows held out for testing (default 0.2; unused with
            ``test_data``).
        val_size: Fraction of the remaining rows used for validation (default 0.2).
        seed: Seed of the split (default 0); the same seed gives the same split.

    Returns:
        The dataset, with ``summary`` describing the file, the columns and the split.

    Raises:
        DataError: If a file cannot be read, the target is missing or unusable, no feature is
            left, or there are too few rows for the split.
        ConfigError: If ``task``, ``test_size`` or ``val_size`` is invalid.

    Example:
        >>> data = load_csv("examples/wine.csv", target="cultivar", seed=1)
        >>> data.spec.task, data.spec.n_classes
        ('multiclass', 3)
    """
    held_out_size = _check_options(task, test_data, test_size, val_size)
    table = _read_labeled(Path(path), target)
    task = resolve_task(table, task)
    test_table = _read_test_table(test_data, target, task)
    return build_dataset(table, test_table, task, test_size=held_out_size, val_size=val_size,
                         seed=seed)


def build_dataset(
    table: LabeledTable,
    test_table: LabeledTable | None,
    task: str,
    *,
    test_size: float | None,
    val_size: float,
    seed: int,
) -> Dataset:
    """Splits a labeled table, fits the preprocessing on its training part, and encodes it.

    Args:
        table: The training table (all of it when ``test_table`` is None and ``test_size`` is
            a fraction).
        test_table: A separate held-out test table, or None.
        task: A valid task that fits the target.
        test_size: Fraction of rows held out for testing; None when ``test_table`` is given,
            or to hold out nothing (the test arrays then repeat the validation part).
        val_size: Fraction of the non-test rows used for validation.
        seed: Seed of the split.

    Returns:
        The dataset.

    Raises:
        DataError: If there are too few rows (or rows of a class) for the split, or no usable
            feature column.

    Example:
        >>> frame = pd.DataFrame({"x": [i % 7 / 2 for i in range(20)], "y": [0, 1] * 10})
        >>> table = labeled_table(frame, "y", name="<doc>", source="<doc>", sha256="0")
        >>> build_dataset(table, None, "binary", test_size=0.2, val_size=0.2, seed=0).spec.task
        'binary'
    """
    rows = _split(table, task, test_size=test_size, val_size=val_size, seed=seed)
    train_rows = np.sort(rows["train"])  # file order, so ID-like row numbers stay increasing
    preprocessor = TabularPreprocessor().fit(table.features.iloc[train_rows])
    encoder = TargetEncoder().fit(table.y.iloc[train_rows], task)
    arrays = _make_arrays(table, test_table, rows, preprocessor, encoder)
    summary = _summary(table, test_table, rows, preprocessor, encoder, arrays)
    return Dataset(
        spec=_input_spec(preprocessor, encoder),
        preprocessor=preprocessor,
        target_encoder=encoder,
        summary=summary,
        **arrays,
    )


def _check_options(
    task: str | None, test_data: Any, test_size: float, val_size: float
) -> float | None:
    """Validates the options; returns the test fraction, or None when a test file is given."""
    if task is not None:
        check_task_name(task)
    check_fraction("val_size", val_size)
    return None if test_data is not None else check_fraction("test_size", test_size)


def _read_labeled(path: Path, target: str) -> LabeledTable:
    frame = read_table(path)
    return labeled_table(frame, target, name=path.name, source=str(path),
                         sha256=file_sha256(path))


def labeled_table(frame: pd.DataFrame, target: str, *, name: str, source: str,
                  sha256: str) -> LabeledTable:
    """Checks the target column and keeps the rows that have a target (with a warning).

    Args:
        frame: The table, target included, with string column names.
        target: Name of the target column.
        name: Short name for messages (a file name, or ``"<DataFrame>"``).
        source: Where the rows come from, for the summary.
        sha256: Hash of the source data, for the summary and the fingerprint.

    Returns:
        The labeled table.

    Raises:
        DataError: If the target column is missing, is the only column, or has no values.

    Example:
        >>> frame = pd.DataFrame({"x": [1, 2, 3], "y": ["a", None, "b"]})
        >>> labeled_table(frame, "y", name="t", source="t", sha256="0").n_dropped
        1
    """
    _check_target_column(frame, target, name)
    missing = _missing_target_rows(frame, target, name)
    kept = frame[~missing]
    return LabeledTable(
        name=name,
        source=source,
        sha256=sha256,
        target=target,
        features=kept.drop(columns=[target]),
        y=kept[target],
        n_rows=len(frame),
        n_columns=len(frame.columns),
        n_dropped=int(missing.sum()),
    )


def _check_target_column(frame: pd.DataFrame, target: str, source: str) -> None:
    columns = [str(name) for name in frame.columns]
    if target not in columns:
        close = difflib.get_close_matches(target, columns, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise DataError(
            f"Target column '{target}' not found in '{source}'. "
            f"Available columns: {columns}.{hint}"
        )
    if len(columns) == 1:
        raise DataError(
            f"Data file '{source}' has no feature columns besides the target '{target}'. "
            "Expected at least one more column."
        )


def _missing_target_rows(frame: pd.DataFrame, target: str, source: str) -> np.ndarray:
    missing = frame[target].isna().to_numpy()
    if missing.all():
        raise DataError(
            f"Target column '{target}' in '{source}' has no values: all {len(frame)} rows "
            "are missing it. Expected a target value in most rows."
        )
    if missing.any():
        logger.warning(
            "Dropped %d of %d rows of '%s' with a missing target '%s'.",
            int(missing.sum()), len(frame), source, target,
        )
    return missing


def resolve_task(table: LabeledTable, task: str | None) -> str:
    """Infers the task from the target, or checks that the given task fits it.

    Args:
        table: The labeled table.
        task: The requested task, or None to infer it.

    Returns:
        The task.

    Raises:
        DataError: If the target has one distinct value or cannot be used for ``task``.

    Example:
        >>> frame = pd.DataFrame({"x": [1, 2, 3], "y": [0.5, 1.5, 2.5]})
        >>> resolve_task(labeled_table(frame, "y", name="t", source="t", sha256="0"), None)
        'regression'
    """
    target = table.target
    n_distinct = table.y.nunique()
    if n_distinct < 2:
        raise DataError(
            f"Target column '{target}' in '{table.name}' has one distinct value "
            f"({table.y.iloc[0]!r}). Expected at least 2 classes or varying numbers."
        )
    if task is None:
        task = infer_task(table.y)
        logger.info("Inferred task %r from target '%s' (%d distinct values).",
                    task, target, n_distinct)
        return task
    check_task_fits_target(task, table.y, target, table.name)
    return task


def _read_test_table(test_data: Any, target: str, task: str) -> LabeledTable | None:
    if test_data is None:
        return None
    table = _read_labeled(Path(test_data), target)
    if task == "regression":
        check_task_fits_target(task, table.y, target, table.name)
    return table


def _split(table: LabeledTable, task: str, **options: Any) -> dict[str, np.ndarray]:
    labels, classes = None, None
    if task != "regression":
        encoder = TargetEncoder().fit(table.y, task)
        labels, classes = encoder.encode(table.y), encoder.classes
    n_parts = 2 if options["test_size"] is None else 3
    check_enough_rows(labels, len(table.y), n_parts, table.name, classes)
    return split_rows(labels, len(table.y), **options)


def _make_arrays(
    table: LabeledTable,
    test_table: LabeledTable | None,
    rows: dict[str, np.ndarray],
    preprocessor: TabularPreprocessor,
    encoder: TargetEncoder,
) -> dict[str, np.ndarray]:
    arrays = {}
    for part, positions in rows.items():
        arrays[f"x_{part}"] = preprocessor.transform(table.features.iloc[positions])
        arrays[f"y_{part}"] = encoder.encode(table.y.iloc[positions], source=table.name)
    if test_table is not None:
        arrays["x_test"] = preprocessor.transform(test_table.features, source=test_table.name)
        arrays["y_test"] = encoder.encode(test_table.y, source=test_table.name)
    elif "test" not in rows:  # nothing held out: the validation part stands in for the test
        arrays["x_test"], arrays["y_test"] = arrays["x_val"].copy(), arrays["y_val"].copy()
    return arrays


def _summary(
    table: LabeledTable,
    test_table: LabeledTable | None,
    rows: dict[str, np.ndarray],
    preprocessor: TabularPreprocessor,
    encoder: TargetEncoder,
    arrays: dict[str, np.ndarray],
) -> dict[str, Any]:
    parts = ("train", "val", "test") if test_table is not None or "test" in rows \
        else ("train", "val")
    facts = _file_facts(table, test_table)
    if len(parts) == 2:
        facts["test_source"] = "validation part (no held-out test part)"
    return {
        **facts,
        "column_types": preprocessor.column_types,
        "dropped_columns": preprocessor.dropped_columns,
        "task": encoder.task,
        "target": table.target,
        "n_features": len(preprocessor.feature_names),
        "split_sizes": {part: len(arrays[f"y_{part}"]) if part in parts else 0
                        for part in ("train", "val", "test")},
        "class_counts": _class_counts(encoder, [arrays[f"y_{part}"] for part in parts]),
        "split_sha256": _split_hash(table, test_table, rows),
        "n_rows_dropped_missing_target": table.n_dropped,
    }


def _file_facts(table: LabeledTable, test_table: LabeledTable | None) -> dict[str, Any]:
    return {
        "source": table.source,
        "data_sha256": table.sha256,
        "test_source": test_table.source if test_table else None,
        "test_data_sha256": test_table.sha256 if test_table else None,
        "n_rows": table.n_rows,
        "n_columns": table.n_columns,
    }


def _split_hash(
    table: LabeledTable, test_table: LabeledTable | None, rows: dict[str, np.ndarray]
) -> str:
    """Hashes the file row numbers (0-based, header excluded) of each part."""
    row_ids = {part: table.y.index[positions].tolist() for part, positions in rows.items()}
    if test_table is not None:
        row_ids["test"] = test_table.y.index.tolist()
    return split_sha256(row_ids)


def _class_counts(encoder: TargetEncoder, targets: list[np.ndarray]) -> dict[str, int]:
    if encoder.task == "regression":
        return {}
    labels = np.concatenate(targets)
    counts = np.bincount(labels, minlength=encoder.n_classes)
    return {name: int(count) for name, count in zip(encoder.classes, counts)}


def _input_spec(preprocessor: TabularPreprocessor, encoder: TargetEncoder) -> InputSpec:
    return InputSpec(
        kind="tabular",
        input_shape=(len(preprocessor.feature_names),),
        task=encoder.task,
        n_classes=encoder.n_classes,
        class_names=tuple(encoder.classes),
        feature_names=tuple(preprocessor.feature_names),
    )
