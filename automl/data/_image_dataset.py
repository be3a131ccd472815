"""ImageDataset: the image files of each part with their labels, streamed from disk on demand."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from automl.data._dataset import check_format
from automl.data._image_stream import decode_files
from automl.data._image_stream import make_batches
from automl.data._spec import ImageShapeMixin
from automl.data._spec import InputSpec
from automl.exceptions import ConfigError
from automl.exceptions import DataError

__all__ = ["IMAGE_DATASET_FILE", "ImageDataset", "is_image_dataset_folder"]

IMAGE_DATASET_FILE = "image_dataset.json"
FORMAT = "automl.image_dataset"
FORMAT_VERSION = 1
PARTS = ("train", "val", "test")
TARGET_KINDS = ("index", "none")


@dataclasses.dataclass(eq=False)
class ImageDataset(ImageShapeMixin):
    """Train, validation and test image files with their class labels.

    Images stay on disk: :meth:`batches` streams them (a folder larger than memory works) and
    :meth:`arrays` decodes a small part at once. Every image becomes float32 in ``[0, 1]`` of
    shape ``spec.input_shape`` (``(height, width, channels)``).

    Args:
        spec: The input spec (``kind="image"``, binary or multiclass, class names).
        files_train: Paths of the training images.
        y_train: Their class indices (int64).
        files_val: Paths of the validation images.
        y_val: Their class indices.
        files_test: Paths of the held-out test images.
        y_test: Their class indices.
        summary: JSON-ready facts: source, classes, counts, skipped files, image size, split.

    Example:
        >>> spec = InputSpec(kind="image", input_shape=(32, 32, 3), task="binary",
        ...                  n_classes=2, class_names=("cat", "dog"))
        >>> data = ImageDataset(spec, ("a.png", "b.png"), np.array([0, 1]), ("c.png",),
        ...                     np.array([1]), (), np.array([], dtype=np.int64), {})
        >>> data.class_names, data.image_size, data.channels, data.labels("train").tolist()
        (('cat', 'dog'), (32, 32), 3, [0, 1])

        Usually it comes from :func:`automl.data.load_image_folder`:

        >>> data = load_image_folder("pets/")                              # doctest: +SKIP
        >>> model.fit(data.batches("train", 32, shuffle=True), epochs=3)   # doctest: +SKIP
    """

    spec: InputSpec
    files_train: tuple[str, ...]
    y_train: np.ndarray
    files_val: tuple[str, ...]
    y_val: np.ndarray
    files_test: tuple[str, ...]
    y_test: np.ndarray
    summary: dict[str, Any]

    def __post_init__(self) -> None:
        if self.spec.kind != "image" or len(self.spec.input_shape) != 3:
            raise ValueError(f"ImageDataset needs an image InputSpec of shape (height, width, "
                             f"channels). Received: {self.spec}.")
        for part in PARTS:
            files = tuple(str(path) for path in getattr(self, f"files_{part}"))
            labels = np.asarray(getattr(self, f"y_{part}"), dtype=np.int64).reshape(-1)
            if len(files) != len(labels):
                raise ValueError(f"Part {part!r} has {len(files)} files and {len(labels)} "
                                 "labels; expected one label per file.")
            if labels.size and (labels.min() < 0 or labels.max() >= self.spec.n_classes):
                raise ValueError(f"Labels of part {part!r} must lie in [0, "
                                 f"{self.spec.n_classes}). Received: min={labels.min()}, "
                                 f"max={labels.max()}.")
            setattr(self, f"files_{part}", files)
            setattr(self, f"y_{part}", labels)

    def files(self, part: str) -> tuple[str, ...]:
        """The image paths of ``part`` (``"train"``, ``"val"`` or ``"test"``)."""
        return getattr(self, f"files_{_check_part(part)}")

    def labels(self, part: str) -> np.ndarray:
        """The class indices (int64) of ``part``'s images."""
        return getattr(self, f"y_{_check_part(part)}")

    def arrays(self, part: str, *, n_threads: int = 4) -> tuple[np.ndarray, np.ndarray]:
        """Decodes a whole part into memory (for small parts: tests, evaluation).

        Args:
            part: ``"train"``, ``"val"`` or ``"test"``.
            n_threads: Threads that decode in parallel.

        Returns:
            ``(x, y)``: float32 ``(n, height, width, channels)`` and int64 class indices.

        Raises:
            DataError: If a file can no longer be read.

        Example:
            >>> x, y = data.arrays("test")                         # doctest: +SKIP
        """
        x = decode_files(self.files(part), self.image_size, self.channels, n_threads=n_threads)
        return x, self.labels(part)

    def batches(
        self,
        part: str,
        batch_size: int,
        *,
        shuffle: bool = False,
        seed: int = 0,
        repeat: bool = False,
        targets: str | np.ndarray | None = "index",
        sample_weights: np.ndarray | None = None,
        pipeline: str = "auto",
    ) -> Any:
        """Streams a part from disk in batches that ``model.fit``/``predict`` accept.

        Args:
            part: ``"train"``, ``"val"`` or ``"test"``.
            batch_size: Images per batch.
            shuffle: Shuffle, differently at every epoch (seeded).
            seed: Seed of the shuffling.
            repeat: Repeat epoch after epoch (give ``model.fit`` a ``steps_per_epoch`` of
                ``ceil(n_images / batch_size)``).
            targets: ``"index"`` (int64 class indices), None or ``"none"`` (images only, for
                prediction), or an array with one row per image of the part (for example
                ``automl.models.encode_targets(data.y_train, data.spec)``).
            sample_weights: Optional weights, one per image; batches become ``(x, y, w)``.
            pipeline: ``"auto"`` (``tf.data`` when TensorFlow is installed, else a
                ``keras.utils.PyDataset``), ``"tf.data"`` or ``"python"``.

        Returns:
            A ``tf.data.Dataset`` or ``keras.utils.PyDataset``.

        Raises:
            ConfigError: If an argument is invalid.

        Example:
            >>> y = encode_targets(data.y_train, data.spec)                    # doctest: +SKIP
            >>> model.fit(data.batches("train", 32, shuffle=True, targets=y))  # doctest: +SKIP
        """
        extras = [array for array in (self._targets(part, targets), sample_weights)
                  if array is not None]
        if sample_weights is not None and len(extras) == 1:
            raise ConfigError("`sample_weights` need targets: pass targets='index' or an array.")
        return make_batches(self.files(part), extras, image_size=self.image_size,
                            channels=self.channels, batch_size=batch_size, shuffle=shuffle,
                            seed=seed, repeat=repeat, pipeline=pipeline)

    def _targets(self, part: str, targets: str | np.ndarray | None) -> np.ndarray | None:
        if targets is None or (isinstance(targets, str) and targets == "none"):
            return None
        if isinstance(targets, str):
            if targets not in TARGET_KINDS:
                raise ConfigError(f"`targets` must be one of {list(TARGET_KINDS)}, None or an "
                                  f"array. Received: {targets!r}.")
            return self.labels(part)
        return np.asarray(targets)

    def without_test(self) -> ImageDataset:
        """Returns a copy whose test part is empty (what the search's workers get)."""
        return dataclasses.replace(self, files_test=(), y_test=np.zeros(0, dtype=np.int64))

    def save(self, directory: str | os.PathLike[str]) -> None:
        """Writes ``image_dataset.json`` (files, labels, spec, summary) into a folder.

        Args:
            directory: The folder; created if needed. The images are not copied.
        """
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        parts = {part: {"files": list(self.files(part)), "labels": self.labels(part).tolist()}
                 for part in PARTS}
        metadata = {"format": FORMAT, "version": FORMAT_VERSION, "spec": self.spec.to_dict(),
                    "parts": parts, "summary": self.summary}
        (folder / IMAGE_DATASET_FILE).write_text(json.dumps(metadata, indent=1), "utf-8")

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> ImageDataset:
        """Reads a dataset written by :meth:`save`.

        Args:
            directory: The folder given to :meth:`save`.

        Returns:
            The dataset.

        Raises:
            DataError: If the folder has no ``image_dataset.json`` or it has another format.
        """
        metadata = _read_metadata(Path(directory))
        parts = metadata["parts"]
        return cls(spec=InputSpec.from_dict(metadata["spec"]), summary=metadata["summary"],
                   **{f"files_{p}": tuple(parts[p]["files"]) for p in PARTS},
                   **{f"y_{p}": np.asarray(parts[p]["labels"], dtype=np.int64) for p in PARTS})

    def fingerprint(self) -> str:
        """Identifies the images, the split and the conversion, to check a resumed search.

        Returns:
            The SHA-256 hex digest of the files' content hashes, the split, the classes, the
            image size and the channel count.
        """
        keys = ("data_sha256", "test_data_sha256", "split_sha256", "class_names",
                "image_size", "channels")
        identity = {key: self.summary.get(key) for key in keys}
        return hashlib.sha256(json.dumps(identity, sort_keys=True).encode("utf-8")).hexdigest()

    def __repr__(self) -> str:
        sizes = ", ".join(f"{part}={len(self.files(part))}" for part in PARTS)
        return (f"ImageDataset(source={self.summary.get('source')!r}, task={self.spec.task!r}, "
                f"classes={list(self.class_names)}, input_shape={self.spec.input_shape}, "
                f"{sizes})")


def is_image_dataset_folder(directory: str | os.PathLike[str]) -> bool:
    """Tells whether a folder holds a dataset written by :meth:`ImageDataset.save`."""
    return (Path(directory) / IMAGE_DATASET_FILE).is_file()


def _check_part(part: Any) -> str:
    if part not in PARTS:
        raise ConfigError(f"`part` must be one of {list(PARTS)}. Received: {part!r}.")
    return part


def _read_metadata(folder: Path) -> dict[str, Any]:
    path = folder / IMAGE_DATASET_FILE
    if not path.is_file():
        raise DataError(f"Image dataset folder '{folder}' has no {IMAGE_DATASET_FILE}. "
                        "Expected a folder written by ImageDataset.save.")
    metadata = json.loads(path.read_text(encoding="utf-8"))
    check_format(metadata, f"Image dataset folder '{folder}'", FORMAT, FORMAT_VERSION)
    return metadata
