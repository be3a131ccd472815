"""Dataset: the split, preprocessed arrays of one data file plus everything needed to redo it."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from automl.data._preprocess import TabularPreprocessor
from automl.data._spec import InputSpec
from automl.data._target import TargetEncoder
from automl.exceptions import DataError

ARRAYS_FILE = "arrays.npz"
METADATA_FILE = "dataset.json"
FORMAT = "automl.dataset"
FORMAT_VERSION = 1
ARRAY_NAMES = ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test")


@dataclasses.dataclass(eq=False)
class Dataset:
    """Train, validation and test arrays with the preprocessing that made them.

    ``x_*`` arrays are float32 of shape ``(n_rows, n_features)``; ``y_*`` arrays are int64
    class indices for classification or float32 standardized values for regression (decode
    them with ``target_encoder.decode``).

    Args:
        spec: What model builders need to know (input shape, task, classes).
        x_train: Training features.
        y_train: Training targets.
        x_val: Validation features.
        y_val: Validation targets.
        x_test: Test features.
        y_test: Test targets.
        preprocessor: Turns raw rows into features (fitted on the training rows).
        target_encoder: Encodes and decodes targets.
        summary: JSON-ready facts: source, hashes, sizes, column types, dropped columns.

    Example:
        >>> import tempfile
        >>> from automl.data import load_csv
        >>> data = load_csv("examples/wine.csv", target="cultivar")
        >>> data.summary["split_sizes"]
        {'train': 114, 'val': 28, 'test': 36}
        >>> folder = tempfile.mkdtemp()
        >>> data.save(folder)
        >>> Dataset.load(folder).fingerprint() == data.fingerprint()
        True
    """

    spec: InputSpec
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    preprocessor: TabularPreprocessor
    target_encoder: TargetEncoder
    summary: dict[str, Any]

    def save(self, directory: str | os.PathLike) -> None:
        """Writes ``arrays.npz`` (no pickle) and ``dataset.json`` into a folder.

        Args:
            directory: The folder; created if needed.
        """
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / ARRAYS_FILE, **{name: getattr(self, name) for name in ARRAY_NAMES})
        metadata = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "spec": self.spec.to_dict(),
            "preprocessor": self.preprocessor.to_dict(),
            "target_encoder": self.target_encoder.to_dict(),
            "summary": self.summary,
        }
        (folder / METADATA_FILE).write_text(json.dumps(metadata, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, directory: str | os.PathLike) -> Dataset:
        """Reads a dataset written by :meth:`save`.

        Args:
            directory: The folder given to :meth:`save`.

        Returns:
            The dataset, equal in content to the saved one.

        Raises:
            DataError: If the folder lacks the files or they have an unknown format.
        """
        metadata = _read_metadata(Path(directory))
        with np.load(Path(directory) / ARRAYS_FILE, allow_pickle=False) as arrays:
            loaded = {name: arrays[name] for name in ARRAY_NAMES}
        return cls(
            spec=InputSpec.from_dict(metadata["spec"]),
            preprocessor=TabularPreprocessor.from_dict(metadata["preprocessor"]),
            target_encoder=TargetEncoder.from_dict(metadata["target_encoder"]),
            summary=metadata["summary"],
            **loaded,
        )

    def fingerprint(self) -> str:
        """Identifies the data and the split, to check that a resumed search uses the same.

        Returns:
            The SHA-256 hex digest of the data file's hash, the split's hash, the test file's
            hash (if any), the target and the task.
        """
        keys = ("data_sha256", "split_sha256", "test_data_sha256", "target", "task")
        identity = {key: self.summary.get(key) for key in keys}
        return hashlib.sha256(json.dumps(identity, sort_keys=True).encode("utf-8")).hexdigest()

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}={len(rows)}" for name, rows in self._parts().items())
        return (
            f"Dataset(source={self.summary.get('source')!r}, task={self.spec.task!r}, "
            f"n_features={self.spec.input_shape[0]}, {sizes})"
        )

    def _parts(self) -> dict[str, np.ndarray]:
        return {"train": self.y_train, "val": self.y_val, "test": self.y_test}


def _read_metadata(folder: Path) -> dict[str, Any]:
    missing = [name for name in (ARRAYS_FILE, METADATA_FILE) if not (folder / name).is_file()]
    if missing:
        raise DataError(
            f"Dataset folder '{folder}' is missing {missing}. "
            f"Expected a folder written by Dataset.save with {[ARRAYS_FILE, METADATA_FILE]}."
        )
    metadata = json.loads((folder / METADATA_FILE).read_text(encoding="utf-8"))
    check_format(metadata, f"Dataset folder '{folder}'", FORMAT, FORMAT_VERSION)
    return metadata


def check_format(metadata: dict[str, Any], what: str, expected: str, version: int) -> None:
    """Refuses saved metadata of another format or version (a dataset folder's JSON).

    Args:
        metadata: The loaded JSON.
        what: The folder as messages name it, for example ``"Dataset folder 'x'"``.
        expected: The format name.
        version: The format version.

    Raises:
        DataError: If ``format`` or ``version`` differ.
    """
    if metadata.get("format") != expected or metadata.get("version") != version:
        raise DataError(
            f"{what} has an unknown format. Expected format={expected!r} version={version}. "
            f"Received: format={metadata.get('format')!r} version={metadata.get('version')!r}."
        )
