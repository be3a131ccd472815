"""The loaded image model bundle: image files, folders or arrays in, class probabilities out.

:func:`automl.bundle.save_image_bundle` writes the folder and :func:`automl.bundle.load_bundle`
returns an :class:`ImageModelBundle` for it. Files are decoded exactly as in training (with
:func:`automl.data.read_images`: by content, resized, in ``[0, 1]``), in chunks, so a folder
larger than memory works; a file that cannot be read gets an ``error`` entry instead of a
prediction, never an exception.

Example:
    >>> from automl.bundle import load_bundle
    >>> bundle = load_bundle("mlruns/studies/pets/best_model")      # doctest: +SKIP
    >>> bundle.predict("new_photos/").head()                        # doctest: +SKIP
                    file prediction  probability_cat  probability_dog error
    0  new_photos/a.jpg        cat            0.91            0.09
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from automl.data import IMAGE_SUFFIXES
from automl.data import InputSpec
from automl.data._spec import ImageShapeMixin
from automl.data import list_image_files
from automl.data import read_image
from automl.data import read_images
from automl.exceptions import DataError

__all__ = ["RESIZE_METHOD", "VALUE_RANGE", "ImageModelBundle", "image_preprocessing",
           "list_prediction_files"]

RESIZE_METHOD = "bilinear"
"""How :func:`automl.data.read_image` resizes (Pillow's ``Image.Resampling.BILINEAR``)."""
VALUE_RANGE = (0.0, 1.0)
"""The range of the float32 pixel values the model takes."""
_FORMATS = "PNG, JPEG, BMP, GIF, TIFF or WebP"
_PROBE_SIZE = 8
_TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".tab", ".psv")


def image_preprocessing(spec: InputSpec) -> dict[str, Any]:
    """The ``image`` entry of an image bundle's ``preprocessing.json``.

    Args:
        spec: An image classification spec (``input_shape`` is ``(height, width, channels)``).

    Returns:
        ``{"image_size", "channels", "class_names", "value_range", "resize"}``, JSON-ready.

    Raises:
        ValueError: If ``spec`` is not the spec of an image classification dataset.

    Example:
        >>> spec = InputSpec(kind="image", input_shape=(32, 32, 1), task="binary",
        ...                  n_classes=2, class_names=("cat", "dog"))
        >>> image_preprocessing(spec)["image_size"], image_preprocessing(spec)["resize"]
        ([32, 32], 'bilinear')
    """
    if spec.kind != "image" or len(spec.input_shape) != 3 or not spec.is_classification:
        raise ValueError("An image bundle needs an image classification InputSpec of shape "
                         f"(height, width, channels). Received: {spec}.")
    if len(spec.class_names) != spec.n_classes:
        raise ValueError(f"The spec names {len(spec.class_names)} classes for n_classes="
                         f"{spec.n_classes}; an image bundle needs one name per class.")
    height, width, channels = spec.input_shape
    return {"image_size": [height, width], "channels": channels,
            "class_names": list(spec.class_names), "value_range": list(VALUE_RANGE),
            "resize": RESIZE_METHOD}


def list_prediction_files(data: str | os.PathLike[str], *, model_name: str = "image model"
                          ) -> list[Path]:
    """The image files to predict on: one file, or every image under a folder (recursively).

    A file named like an image is kept even if it cannot be decoded (its row gets the reason);
    a file with another name must be an image, so that a CSV table is refused at once.

    Args:
        data: An image file or a folder of images.
        model_name: What to call the model in messages.

    Returns:
        The files, sorted by path (see :func:`automl.data.list_image_files`).

    Raises:
        DataError: If ``data`` does not exist, is a folder without image files, or is a file
            that is not an image (a CSV table, for example).

    Example:
        >>> list_prediction_files("new_photos/")              # doctest: +SKIP
        [PosixPath('new_photos/a.jpg'), PosixPath('new_photos/more/b.png')]
    """
    path = Path(data)
    try:
        files = list_image_files(path)
    except FileNotFoundError as error:
        raise DataError(f"Data '{path}' does not exist. Expected an image file or a folder of "
                        f"images for the {model_name}.") from error
    if path.is_dir() and not files:
        raise DataError(
            f"Folder '{path}' has no image files. Expected images (names ending in "
            f"{', '.join(IMAGE_SUFFIXES)}, in the folder or its subfolders) for the "
            f"{model_name}. Received: a folder without any (hidden files are skipped)."
        )
    if not path.is_dir() and not path.name.lower().endswith(IMAGE_SUFFIXES):
        _require_image(path, model_name)
    return files


def _require_image(path: Path, model_name: str) -> None:
    """Raises DataError unless the file decodes as an image (it is not named like one)."""
    try:
        read_image(path, _PROBE_SIZE, 1)
    except DataError as error:
        table = path.suffix.lower() in _TABLE_SUFFIXES
        hint = " (tables such as CSV files are for tabular models)" if table else ""
        raise DataError(
            f"Data file '{path}' is not an image{hint}. The {model_name} takes an image file "
            f"({_FORMATS}) or a folder of images. Received: a file that cannot be decoded: "
            f"{_reason(str(error))}."
        ) from error


def _reason(message: str) -> str:
    """The reason part of read_image's message (``"... cannot be read: <reason>. Expected"``)."""
    head, _, tail = message.partition(" cannot be read: ")
    return tail.split(". Expected")[0] if tail else head


DECODE_THREADS = 4
"""Threads that decode the images to predict on."""


class ImageModelBundle(ImageShapeMixin):
    """A loaded image model bundle: decodes image files like training did, then predicts.

    Args:
        model: The Keras model (float32 images in ``[0, 1]`` of shape ``spec.input_shape`` in,
            a sigmoid column for binary or a softmax for multiclass out).
        spec: The image dataset's input spec.
        metadata: The bundle's metadata.

    Example:
        >>> bundle = load_bundle("pets_model")                            # doctest: +SKIP
        >>> bundle.predict_files(["a.jpg", "b.png"])["prediction"].tolist()  # doctest: +SKIP
        ['cat', 'dog']
    """

    def __init__(self, model: Any, spec: InputSpec, metadata: Mapping[str, Any]) -> None:
        image_preprocessing(spec)  # validates the spec
        self.model, self.spec, self.metadata = model, spec, dict(metadata)

    def predict_outputs(self, images: np.ndarray, *, batch_size: int = 64) -> np.ndarray:
        """Class probabilities for decoded images.

        Args:
            images: ``(n, height, width, channels)`` (or one image without the first axis):
                floats in ``[0, 1]``, or uint8 in ``[0, 255]`` (scaled by 1/255).
            batch_size: Images per forward pass.

        Returns:
            float64 ``(n, n_classes)``; each row sums to 1.

        Raises:
            DataError: If the shape or the value range does not fit the model.
        """
        return self._forward(self._check_images(images), batch_size)

    def _forward(self, images: np.ndarray, batch_size: int) -> np.ndarray:
        """The model's probabilities for checked images (an ensemble combines its members')."""
        from automl import models

        return models.predict_outputs(self.model, images, self.spec, batch_size=batch_size)

    def predict_files(self, paths: Sequence[str | os.PathLike[str]], *, batch_size: int = 64
                      ) -> pd.DataFrame:
        """Predicts on image files, decoding ``batch_size`` of them at a time.

        Args:
            paths: The image files (any format Pillow reads; the content decides).
            batch_size: Files decoded and predicted together.

        Returns:
            One row per path, in order: ``file``, ``prediction`` (a class name),
            ``probability_<class>`` for each class, and ``error`` (empty when the file was read;
            else the one-line reason, with an empty prediction and NaN probabilities).
        """
        paths, step = [str(path) for path in paths], max(1, int(batch_size))
        probabilities = np.full((len(paths), self.spec.n_classes), np.nan)
        errors = [""] * len(paths)
        for start in range(0, len(paths), step):
            chunk = paths[start:start + step]
            images, chunk_errors = read_images(chunk, self.image_size, self.channels,
                                               n_threads=DECODE_THREADS)
            rows = [start + i for i, error in enumerate(chunk_errors) if error is None]
            for i, error in enumerate(chunk_errors):
                errors[start + i] = error or ""
            if rows:
                probabilities[rows] = self.predict_outputs(images, batch_size=step)
        table = self._table(probabilities)
        table.insert(0, "file", paths)
        table["error"] = errors
        return table

    def predict(self, data: Any, *, batch_size: int = 64) -> pd.DataFrame:
        """Predicts on an image file, a folder, a list of files or an array of images.

        Args:
            data: A path (a file, or a folder walked recursively for image files), a list of
                paths, a DataFrame with a ``file`` column, or images as in
                :meth:`predict_outputs`.
            batch_size: Files decoded and predicted together.

        Returns:
            The table of :meth:`predict_files`; for an array, only the ``prediction`` and
            ``probability_<class>`` columns, one row per image.

        Raises:
            DataError: If a path does not exist, a folder has no images, a DataFrame has no
                ``file`` column, or an array does not fit the model.
        """
        if isinstance(data, (str, os.PathLike)):
            return self.predict_files(list_prediction_files(data), batch_size=batch_size)
        if isinstance(data, pd.DataFrame):
            if "file" not in data.columns:
                raise DataError("An image model predicts on a table only through its `file` "
                                "column of image paths. Received columns: "
                                f"{list(data.columns)[:10]}.")
            return self.predict_files(data["file"].astype(str).tolist(), batch_size=batch_size)
        if isinstance(data, np.ndarray):
            return self._table(self.predict_outputs(data, batch_size=batch_size))
        if isinstance(data, Sequence):
            return self.predict_files(list(data), batch_size=batch_size)
        raise DataError("An image model predicts on a path, a list of paths or an array of "
                        f"images. Received: {type(data).__name__}.")

    def _table(self, probabilities: np.ndarray) -> pd.DataFrame:
        """``prediction`` and ``probability_<class>`` columns; rows of NaN predict ``""``."""
        read = ~np.isnan(probabilities).any(axis=1)
        names = np.asarray(self.class_names, dtype=object)
        labels = np.full(len(probabilities), "", dtype=object)
        labels[read] = names[np.argmax(probabilities[read], axis=1)]
        table = pd.DataFrame({"prediction": labels})
        for column, name in enumerate(self.class_names):
            table[f"probability_{name}"] = probabilities[:, column]
        return table

    def _check_images(self, images: Any) -> np.ndarray:
        """float32 ``(n, height, width, channels)`` in ``[0, 1]``, or DataError."""
        array = np.asarray(images)
        if array.ndim == 3:
            array = array[np.newaxis]
        if array.ndim != 4 or tuple(array.shape[1:]) != self.spec.input_shape:
            expected = ", ".join(str(side) for side in self.spec.input_shape)
            raise DataError(f"Images for this model must have shape (n, {expected}). "
                            f"Received: {array.shape}.")
        if array.dtype == np.uint8:
            return array.astype(np.float32) / 255.0
        array = array.astype(np.float32, copy=False)
        if array.size and not (np.nanmin(array) >= -1e-6 and np.nanmax(array) <= 1 + 1e-6):
            raise DataError(
                "Image values for this model must lie in [0, 1] (or be uint8 in [0, 255]). "
                f"Received: values from {np.nanmin(array):g} to {np.nanmax(array):g}."
            )
        return array
