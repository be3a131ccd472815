"""Batches of images streamed from disk, for ``model.fit`` and ``model.predict``.

With TensorFlow installed the batches are a ``tf.data.Dataset`` (which Keras feeds to every
backend): indices are shuffled per epoch, batched, then decoded with Pillow inside
``tf.numpy_function`` by parallel map calls (Pillow releases the GIL while it decodes and
resizes) and prefetched. Decoding with Pillow rather than ``tf.io.decode_image`` keeps training
and prediction (:func:`read_image`) pixel-for-pixel identical and covers every format and
colour mode. Without TensorFlow (JAX or PyTorch-only machines) a ``keras.utils.PyDataset``
decodes in worker threads instead.

TensorFlow and Keras are imported when batches are made, never when this module is imported:
the data layer stays light for the command line.

Example:
    >>> batches = make_batches(["a.png", "b.png"], (np.array([0, 1]),), image_size=(32, 32),
    ...                        channels=3, batch_size=2)          # doctest: +SKIP
    >>> images, labels = next(iter(batches))                      # doctest: +SKIP
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import importlib
import importlib.util
import math
import os
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import numpy as np

from automl.data._image_decode import read_image
from automl.exceptions import ConfigError
from automl.exceptions import MissingDependencyError

__all__ = ["PIPELINES", "decode_files", "make_batches", "resolve_pipeline"]

PIPELINES = ("auto", "tf.data", "python")
"""``auto`` picks ``tf.data`` when TensorFlow is installed, else ``python`` (a PyDataset)."""
MAX_DECODE_THREADS = 8


def resolve_pipeline(pipeline: str) -> str:
    """Returns the pipeline that ``pipeline`` means on this machine.

    Args:
        pipeline: One of :data:`PIPELINES`.

    Returns:
        ``"tf.data"`` or ``"python"``.

    Raises:
        ConfigError: If the name is unknown.
        MissingDependencyError: If ``"tf.data"`` is asked for and TensorFlow is not installed.

    Example:
        >>> resolve_pipeline("python")
        'python'
    """
    if pipeline not in PIPELINES:
        raise ConfigError(f"`pipeline` must be one of {list(PIPELINES)}. Received: {pipeline!r}.")
    has_tensorflow = importlib.util.find_spec("tensorflow") is not None
    if pipeline == "tf.data" and not has_tensorflow:
        raise MissingDependencyError("The 'tf.data' image pipeline needs TensorFlow, which is "
                                     "not installed. Use pipeline='python' or 'auto'.")
    if pipeline == "auto":
        return "tf.data" if has_tensorflow else "python"
    return pipeline


def decode_files(files: Sequence[str], image_size: tuple[int, int], channels: int,
                 *, n_threads: int = 1) -> np.ndarray:
    """Reads image files into one float32 array ``(n, height, width, channels)``.

    Args:
        files: Image paths.
        image_size: ``(height, width)``.
        channels: 1 or 3.
        n_threads: Threads that decode in parallel.

    Returns:
        The images, in the order of ``files``.

    Raises:
        DataError: If a file cannot be read.

    Example:
        >>> decode_files([], (32, 32), 3).shape
        (0, 32, 32, 3)
    """
    images = np.empty((len(files), *image_size, channels), dtype=np.float32)

    def fill(position: int) -> None:
        images[position] = read_image(files[position], image_size, channels)

    if n_threads <= 1 or len(files) < 2:
        for position in range(len(files)):
            fill(position)
        return images
    with concurrent.futures.ThreadPoolExecutor(max_workers=n_threads) as pool:
        list(pool.map(fill, range(len(files))))
    return images


@dataclasses.dataclass(frozen=True)
class _BatchSource:
    """The files of one part and the arrays (targets, weights) that go along with them."""

    files: tuple[str, ...]
    extras: tuple[np.ndarray, ...]
    image_size: tuple[int, int]
    channels: int
    batch_size: int
    shuffle: bool
    seed: int

    @property
    def batches_per_epoch(self) -> int:
        return math.ceil(len(self.files) / self.batch_size)

    def decode(self, indices: np.ndarray) -> np.ndarray:
        return decode_files([self.files[i] for i in indices], self.image_size, self.channels)

    def order(self, epoch: int) -> np.ndarray:
        if not self.shuffle:
            return np.arange(len(self.files))
        return np.random.default_rng([self.seed, epoch]).permutation(len(self.files))

    def batch(self, indices: np.ndarray) -> Any:
        images = self.decode(indices)
        if not self.extras:
            return images
        return (images, *(extra[indices] for extra in self.extras))


def make_batches(
    files: Sequence[str],
    extras: Sequence[np.ndarray],
    *,
    image_size: tuple[int, int],
    channels: int,
    batch_size: int,
    shuffle: bool = False,
    seed: int = 0,
    repeat: bool = False,
    pipeline: str = "auto",
) -> Any:
    """Streams batches of decoded images (with their targets and weights) from disk.

    Args:
        files: Image paths.
        extras: Arrays with one row per file (targets, sample weights), batched alongside.
        image_size: ``(height, width)``.
        channels: 1 or 3.
        batch_size: Images per batch (the last batch may be smaller).
        shuffle: Shuffle the order, differently at every epoch.
        seed: Seed of the shuffling.
        repeat: Repeat epoch after epoch forever (give ``model.fit`` a ``steps_per_epoch`` of
            ``ceil(n_files / batch_size)``: each epoch then sees every image once).
        pipeline: ``"auto"``, ``"tf.data"`` or ``"python"`` (see :func:`resolve_pipeline`).

    Returns:
        A ``tf.data.Dataset`` or ``keras.utils.PyDataset`` of ``images`` (no extras) or tuples
        ``(images, *extras)``; images are float32 ``(batch, height, width, channels)``.

    Raises:
        ConfigError: If ``batch_size`` is not a positive integer, an extra array's length
            differs from the number of files, or the pipeline is unknown.

    Example:
        >>> make_batches([], (), image_size=(32, 32), channels=3, batch_size=8,
        ...              pipeline="python").num_batches
        0
    """
    _check_batch_args(files, extras, batch_size)
    if repeat and not files:
        raise ConfigError("Cannot repeat batches of an empty part: it has no image files.")
    source = _BatchSource(tuple(str(f) for f in files), tuple(np.asarray(e) for e in extras),
                          tuple(image_size), channels, int(batch_size), shuffle, int(seed))
    if resolve_pipeline(pipeline) == "tf.data":
        return _tf_batches(source, repeat)
    return _python_batches(source, repeat)


def _check_batch_args(files: Sequence[str], extras: Sequence[np.ndarray], batch_size: Any
                      ) -> None:
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or (
            batch_size < 1):
        raise ConfigError(f"`batch_size` must be an integer >= 1. Received: {batch_size!r}.")
    for extra in extras:
        if len(extra) != len(files):
            raise ConfigError(f"Arrays batched with the images need one row per image file "
                              f"({len(files)}). Received: {len(extra)} rows.")


def _import(name: str) -> ModuleType:
    """Imports TensorFlow or Keras at call time.

    ``importlib`` rather than an import statement: the data layer must not import them at
    module level (it is imported by the light command-line paths), and only these streaming
    functions need them.
    """
    return importlib.import_module(name)


def _tf_batches(source: _BatchSource, repeat: bool) -> Any:
    """The ``tf.data`` pipeline: shuffled indices -> batches -> parallel decode -> prefetch."""
    tf = _import("tensorflow")
    indices = tf.data.Dataset.range(len(source.files))
    if source.shuffle and source.files:
        indices = indices.shuffle(len(source.files), seed=source.seed,
                                  reshuffle_each_iteration=True)
    batched = indices.batch(source.batch_size)
    if repeat:  # after batching: each pass is one epoch, its last batch possibly smaller
        batched = batched.repeat()
    extras = [tf.constant(extra) for extra in source.extras]
    shape = (None, *source.image_size, source.channels)

    def load(batch_indices: Any) -> Any:
        images = tf.numpy_function(source.decode, [batch_indices], tf.float32, stateful=False)
        images.set_shape(shape)
        if not extras:
            return images
        return (images, *(tf.gather(extra, batch_indices) for extra in extras))

    batches = batched.map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return batches.prefetch(tf.data.AUTOTUNE)


def _python_batches(source: _BatchSource, repeat: bool) -> Any:
    """The ``keras.utils.PyDataset`` pipeline, decoding in worker threads."""
    keras = _import("keras")

    class ImageBatches(keras.utils.PyDataset):
        """Batches of one part's images; reshuffled at each epoch."""

        def __init__(self) -> None:
            workers = min(MAX_DECODE_THREADS, os.cpu_count() or 1)
            super().__init__(workers=workers, use_multiprocessing=False)
            self.epoch = 0
            self._order = (0, source.order(0))

        @property
        def num_batches(self) -> int | None:
            return None if repeat else source.batches_per_epoch

        def __len__(self) -> int:
            return source.batches_per_epoch

        def __getitem__(self, index: int) -> Any:
            epoch, position = (divmod(index, source.batches_per_epoch) if repeat
                               else (self.epoch, index))
            start = position * source.batch_size
            return source.batch(self._epoch_order(epoch)[start:start + source.batch_size])

        def _epoch_order(self, epoch: int) -> np.ndarray:
            cached_epoch, order = self._order
            if cached_epoch != epoch:
                order = source.order(epoch)
                self._order = (epoch, order)
            return order

        def on_epoch_end(self) -> None:
            self.epoch += 1

    return ImageBatches()
