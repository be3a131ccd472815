"""What a model is fed, for tabular arrays and for image folders streamed from disk.

A tabular :class:`automl.data.Dataset` holds its features in memory (``x_train``...). An
:class:`automl.data.ImageDataset` holds file paths: training batches are streamed from disk
(reshuffled at every epoch), the validation images are decoded once per trial when they fit in
:data:`VAL_CACHE_MB` and streamed in chunks otherwise, and the test images are always streamed.
Every function here takes either kind, so the training loop and the final evaluation need no
branch of their own.

Example:
    >>> outputs = predict_part(model, dataset, "test")          # doctest: +SKIP
    >>> outputs.shape                                           # doctest: +SKIP
    (360, 10)
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterator

import numpy as np

from automl import models

__all__ = ["ImageChunks", "fit_arguments", "is_image_data", "n_rows", "part_inputs",
           "predict_inputs", "predict_part"]

VAL_CACHE_MB = 512
"""Largest validation part (decoded float32 images) kept in memory during a trial."""
CHUNK_IMAGES = 256
DECODE_THREADS = 4


def is_image_data(dataset: Any) -> bool:
    """True for an :class:`automl.data.ImageDataset` (images stay on disk)."""
    return getattr(dataset.spec, "kind", None) == "image"


def n_rows(dataset: Any, part: str) -> int:
    """Number of rows (tabular) or images of ``part``."""
    return len(getattr(dataset, f"y_{part}"))


@dataclasses.dataclass(frozen=True)
class ImageChunks:
    """The images of one part, decoded chunk by chunk when iterated (never all at once).

    Args:
        dataset: The image dataset.
        part: ``"train"``, ``"val"`` or ``"test"``.
        chunk: Images decoded at a time.
    """

    dataset: Any
    part: str
    chunk: int = CHUNK_IMAGES

    def __len__(self) -> int:
        return n_rows(self.dataset, self.part)

    def __iter__(self) -> Iterator[np.ndarray]:
        from automl.data._image_stream import decode_files

        files = self.dataset.files(self.part)
        for start in range(0, len(files), self.chunk):
            yield decode_files(files[start:start + self.chunk], self.dataset.image_size,
                               self.dataset.channels, n_threads=DECODE_THREADS)


def part_inputs(dataset: Any, part: str, *, cache_mb: float = VAL_CACHE_MB) -> Any:
    """The model inputs of ``part``: an array, or :class:`ImageChunks` for large image parts.

    Args:
        dataset: A tabular or image dataset.
        part: ``"train"``, ``"val"`` or ``"test"``.
        cache_mb: Image parts whose decoded size is at most this are decoded into one array.

    Returns:
        What :func:`predict_inputs` takes.
    """
    if not is_image_data(dataset):
        return getattr(dataset, f"x_{part}")
    height, width = dataset.image_size
    size_mb = n_rows(dataset, part) * height * width * dataset.channels * 4 / 2**20
    if size_mb <= cache_mb:
        return dataset.arrays(part, n_threads=DECODE_THREADS)[0]
    return ImageChunks(dataset, part)


def predict_inputs(model: Any, inputs: Any, spec: Any) -> np.ndarray:
    """:func:`automl.models.predict_outputs` over an array or over :class:`ImageChunks`."""
    if not isinstance(inputs, ImageChunks):
        return models.predict_outputs(model, inputs, spec)
    parts = [models.predict_outputs(model, chunk, spec) for chunk in inputs]
    if not parts:
        return models.predict_outputs(model, np.zeros((0, *spec.input_shape), "float32"), spec)
    return np.concatenate(parts)


def predict_part(model: Any, dataset: Any, part: str) -> np.ndarray:
    """The model's outputs on a whole part (images streamed in chunks), in model units.

    Args:
        model: A trained model.
        dataset: A tabular or image dataset.
        part: ``"train"``, ``"val"`` or ``"test"``.

    Returns:
        Class probabilities ``(n, k)``, or standardized regression values ``(n,)``.
    """
    inputs = (ImageChunks(dataset, part) if is_image_data(dataset)
              else getattr(dataset, f"x_{part}"))
    return predict_inputs(model, inputs, dataset.spec)


def fit_arguments(dataset: Any, *, batch_size: int, seed: int,
                  sample_weight: np.ndarray | None) -> dict[str, Any]:
    """Keyword arguments of ``model.fit`` that feed it the training part.

    Tabular rows go in as arrays that Keras shuffles. Images are streamed from disk by the
    dataset's pipeline, which reshuffles them at every epoch (seeded), so Keras must not.

    Args:
        dataset: A tabular or image dataset.
        batch_size: Rows or images per batch.
        seed: Seed of the image shuffling.
        sample_weight: One weight per training row, or None.

    Returns:
        ``x``, ``y``, ``sample_weight``, ``batch_size`` and ``shuffle`` for ``model.fit``.
    """
    targets = models.encode_targets(dataset.y_train, dataset.spec)
    if not is_image_data(dataset):
        return {"x": dataset.x_train, "y": targets, "sample_weight": sample_weight,
                "batch_size": batch_size, "shuffle": True}
    batches = dataset.batches("train", batch_size, shuffle=True, seed=seed, targets=targets,
                              sample_weights=sample_weight)
    return {"x": batches, "shuffle": False}
