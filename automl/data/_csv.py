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
class _LabeledTable:
    """One file's rows that have a target: features, target and counts for the summary."""

    path: Path
    target: str
    features: pd.DataFrame
    y: pd.Series
    n_rows: int
    n_columns: int
    n_dropped: int

    @property
    def name(self) -> str:
        return self.path.name


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
    task = _resolve_task(table, target, task)
    test_table = _read_test_table(test_data, target, task)
    rows = _split(table, task, test_size=held_out_size, val_size=val_size, seed=seed)
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


def _read_labeled(path: Path, target: str) -> _LabeledTable:
    frame = read_table(path)
    _check_target_column(frame, target, path.name)
    missing = _missing_target_rows(frame, target, path.name)
    kept = frame[~missing]
    return _LabeledTable(
        path=path,
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


def _resolve_task(table: _LabeledTable, target: str, task: str | None) -> str:
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


def _read_test_table(test_data: Any, target: str, task: str) -> _LabeledTable | None:
    if test_data is None:
        return None
    table = _read_labeled(Path(test_data), target)
    if task == "regression":
        check_task_fits_target(task, table.y, target, table.name)
    return table


def _split(table: _LabeledTable, task: str, **options: Any) -> dict[str, np.ndarray]:
    labels, classes = None, None
    if task != "regression":
        encoder = TargetEncoder().fit(table.y, task)
        labels, classes = encoder.encode(table.y), encoder.classes
    n_parts = 2 if options["test_size"] is None else 3
    check_enough_rows(labels, len(table.y), n_parts, table.name, classes)
    return split_rows(labels, len(table.y), **options)


def _make_arrays(
    table: _LabeledTable,
    test_table: _LabeledTable | None,
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
    return arrays


def _summary(
    table: _LabeledTable,
    test_table: _LabeledTable | None,
    rows: dict[str, np.ndarray],
    preprocessor: TabularPreprocessor,
    encoder: TargetEncoder,
    arrays: dict[str, np.ndarray],
) -> dict[str, Any]:
    return {
        **_file_facts(table, test_table),
        "column_types": preprocessor.column_types,
        "dropped_columns": preprocessor.dropped_columns,
        "task": encoder.task,
        "target": table.target,
        "n_features": len(preprocessor.feature_names),
        "split_sizes": {part: len(arrays[f"y_{part}"]) for part in ("train", "val", "test")},
        "class_counts": _class_counts(encoder, arrays),
        "split_sha256": _split_hash(table, test_table, rows),
        "n_rows_dropped_missing_target": table.n_dropped,
    }


def _file_facts(table: _LabeledTable, test_table: _LabeledTable | None) -> dict[str, Any]:
    return {
        "source": str(table.path),
        "data_sha256": file_sha256(table.path),
        "test_source": str(test_table.path) if test_table else None,
        "test_data_sha256": file_sha256(test_table.path) if test_table else None,
        "n_rows": table.n_rows,
        "n_columns": table.n_columns,
    }


def _split_hash(
    table: _LabeledTable, test_table: _LabeledTable | None, rows: dict[str, np.ndarray]
) -> str:
    """Hashes the file row numbers (0-based, header excluded) of each part."""
    row_ids = {part: table.y.index[positions].tolist() for part, positions in rows.items()}
    if test_table is not None:
        row_ids["test"] = test_table.y.index.tolist()
    return split_sha256(row_ids)


def _class_counts(encoder: TargetEncoder, arrays: dict[str, np.ndarray]) -> dict[str, int]:
    if encoder.task == "regression":
        return {}
    labels = np.concatenate([arrays["y_train"], arrays["y_val"], arrays["y_test"]])
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
