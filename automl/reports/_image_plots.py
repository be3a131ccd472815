"""Image artifacts of an image classifier on its test part: a confusion matrix and a grid of the
misclassified test images, the most confident mistakes first.

The final evaluation of an image search calls :func:`image_model_artifacts` and logs the PNG
files it returns. The confusion matrix is the report's own
(:func:`automl.reports._model_plots.confusion_matrix`); the grid reads each image again with
:func:`automl.data.read_image`, so a file deleted or damaged since the search becomes a blank
tile naming the reason instead of an error.

Example:
    >>> files = image_model_artifacts("out", files=paths, y_true=y, outputs=probabilities,
    ...                               class_names=["cat", "dog"], image_size=(64, 64),
    ...                               channels=3)  # doctest: +SKIP
    >>> sorted(files)  # doctest: +SKIP
    ['confusion_matrix', 'misclassified']
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from automl.data import read_image
from automl.data._image_decode import check_channels, check_image_size
from automl.exceptions import DataError
from automl.reports._figures import plot_context, pyplot, save_figure
from automl.reports._model_plots import ModelOutputs, confusion_matrix, shorten

__all__ = ["image_model_artifacts", "misclassified_grid", "misclassified_indices"]

MAX_IMAGES = 36
CONFUSION_MATRIX_FILE = "confusion_matrix.png"
MISCLASSIFIED_FILE = "misclassified.png"
_NAME_CHARS = 10
_TILE_INCHES = 2.3
_MAX_INCHES = 15.0
_BLANK = 0.9


def image_model_artifacts(
    folder: str | os.PathLike[str], *, files: Sequence[str | os.PathLike[str]],
    y_true: Any, outputs: Any, class_names: Sequence[str], image_size: int | Sequence[int],
    channels: int, max_images: int = MAX_IMAGES,
) -> dict[str, Path]:
    """Writes the confusion matrix and the grid of misclassified test images as PNG files.

    Both files are written atomically (a temporary name, then ``os.replace``). A stale
    ``misclassified.png`` is removed when the model makes no mistake.

    Args:
        folder: Where to write; created if needed.
        files: The test image files, in the order of ``y_true`` and ``outputs``.
        y_true: True class indices ``(n,)``.
        outputs: Class probabilities ``(n, k)`` (binary: columns ``[1 - p, p]``; a column
            ``(n,)`` or ``(n, 1)`` of ``p`` is accepted too).
        class_names: The ``k`` class names, index-aligned with the probability columns.
        image_size: ``(height, width)`` the images are read at, or one int for squares.
        channels: 1 (shown in grey) or 3.
        max_images: The most misclassified images shown.

    Returns:
        ``{"confusion_matrix": path, "misclassified": path}``; ``"misclassified"`` is absent
        when every test image is classified correctly.

    Raises:
        ValueError: If the lengths or shapes of the inputs disagree, or there is no test row.
        ConfigError: If ``image_size`` or ``channels`` is invalid.

    Example:
        >>> written = image_model_artifacts("out", files=paths, y_true=y, outputs=p,
        ...     class_names=names, image_size=32, channels=1)  # doctest: +SKIP
        >>> written["confusion_matrix"].name  # doctest: +SKIP
        'confusion_matrix.png'
    """
    y, probabilities = _checked(files, y_true, outputs, class_names)
    size, channels = check_image_size(image_size), check_channels(channels)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model = ModelOutputs("best", "binary" if len(class_names) == 2 else "multiclass", y,
                         probabilities, [str(name) for name in class_names])
    with plot_context():
        written = {"confusion_matrix": save_figure(confusion_matrix(model),
                                                   folder / CONFUSION_MATRIX_FILE)}
        if len(misclassified_indices(y, probabilities, max_images=1)) == 0:
            (folder / MISCLASSIFIED_FILE).unlink(missing_ok=True)
            return written
        figure = misclassified_grid(files, y, probabilities, model.class_names, size, channels,
                                    max_images)
        written["misclassified"] = save_figure(figure, folder / MISCLASSIFIED_FILE)
    return written


def _checked(files: Sequence[Any], y_true: Any, outputs: Any,
             class_names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Returns ``(y_true, probabilities (n, k))`` as arrays, checking that they agree."""
    y = np.asarray(y_true).astype(np.int64).ravel()
    probabilities = np.asarray(outputs, dtype=np.float64)
    if len(class_names) == 2 and (probabilities.ndim == 1 or probabilities.shape[-1] == 1):
        positive = probabilities.reshape(-1)
        probabilities = np.stack([1.0 - positive, positive], axis=1)
    k, n = len(class_names), len(y)
    if n == 0:
        raise ValueError("No test rows: the image artifacts need at least one test image.")
    if probabilities.shape != (n, k) or len(files) != n:
        raise ValueError(
            f"The inputs of the image artifacts disagree: expected {n} files and outputs of "
            f"shape ({n}, {k}) for {n} labels and {k} class names. Received: {len(files)} "
            f"files and outputs of shape {probabilities.shape}.")
    if y.min() < 0 or y.max() >= k:
        raise ValueError(f"`y_true` holds class indices outside [0, {k - 1}]. Received: "
                         f"{sorted(set(y.tolist()) - set(range(k)))[:5]}.")
    return y, probabilities


def misclassified_indices(y_true: Any, outputs: Any, max_images: int = MAX_IMAGES) -> np.ndarray:
    """Positions of the misclassified rows, the most confident mistakes first.

    A row is misclassified when the argmax of its probabilities is not its true class; its
    confidence is the probability of the predicted class. Ties keep the rows' order.

    Args:
        y_true: True class indices ``(n,)``.
        outputs: Class probabilities ``(n, k)``.
        max_images: The most positions returned.

    Returns:
        int64 positions, at most ``max_images`` of them.

    Example:
        >>> misclassified_indices([0, 1, 1], [[0.9, 0.1], [0.6, 0.4], [0.8, 0.2]])
        array([2, 1])
    """
    y = np.asarray(y_true).ravel()
    probabilities = np.asarray(outputs, dtype=np.float64)
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != y)
    confidence = probabilities[wrong, predicted[wrong]]
    order = np.argsort(-confidence, kind="stable")
    return wrong[order][:max(0, int(max_images))].astype(np.int64)


def misclassified_grid(files: Sequence[Any], y_true: Any, outputs: Any,
                       class_names: Sequence[str], image_size: int | Sequence[int],
                       channels: int, max_images: int = MAX_IMAGES) -> Any:
    """Draws the misclassified test images in a grid, one titled tile each.

    Args:
        files: The test image files.
        y_true: True class indices ``(n,)``.
        outputs: Class probabilities ``(n, k)``.
        class_names: The class names.
        image_size: ``(height, width)`` the images are read at, or one int for squares.
        channels: 1 or 3.
        max_images: The most tiles.

    Returns:
        The figure, with one Axes per tile (none when nothing is misclassified).

    Example:
        >>> len(misclassified_grid(files, y, p, names, (32, 32), 1).axes)  # doctest: +SKIP
        5
    """
    y, probabilities = _checked(files, y_true, outputs, class_names)
    size, channels = check_image_size(image_size), check_channels(channels)
    chosen = misclassified_indices(y, probabilities, max_images)
    figure, axes, fontsize = _grid_figure(len(chosen))
    for axis, row in zip(axes, chosen.tolist()):
        predicted = int(probabilities[row].argmax())
        problem = _draw_tile(axis, files[row], size, channels)
        axis.set_title(_tile_title(class_names, int(y[row]), predicted,
                                   float(probabilities[row, predicted]), problem),
                       fontsize=fontsize)
    wrong = int((probabilities.argmax(axis=1) != y).sum())
    figure.suptitle(f"Misclassified test images, the most confident first "
                    f"({len(chosen)} shown of {wrong})")
    return figure


def _grid_figure(count: int) -> tuple[Any, list[Any], float]:
    """A near-square grid of ``count`` Axes whose size grows with it, up to a bound.

    Returns:
        ``(figure, axes, title_fontsize)``; the grid's unused cells are removed.
    """
    ncols = max(1, math.ceil(math.sqrt(count)))
    nrows = max(1, math.ceil(count / ncols))
    tile = min(_TILE_INCHES, _MAX_INCHES / ncols, _MAX_INCHES / nrows)
    figure, grid = pyplot().subplots(nrows, ncols, figsize=(ncols * tile, nrows * tile + 0.5),
                                     layout="constrained", squeeze=False)
    for axis in grid.flat[count:]:
        figure.delaxes(axis)
    return figure, list(grid.flat[:count]), max(5.0, 2.9 * tile)


def _draw_tile(axis: Any, path: Any, image_size: tuple[int, int], channels: int) -> str | None:
    """Shows one image; returns None, or for an unreadable file why (and shows a blank tile)."""
    axis.set_xticks([])
    axis.set_yticks([])
    try:
        image = read_image(path, image_size, channels)
    except DataError as error:
        axis.imshow(np.full(image_size, _BLANK), cmap="gray", vmin=0.0, vmax=1.0)
        return f"unreadable: {type(error.__cause__ or error).__name__}"
    if channels == 1:
        axis.imshow(image[..., 0], cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    else:
        axis.imshow(image, interpolation="nearest")
    return None


def _tile_title(class_names: Sequence[str], true: int, predicted: int, probability: float,
                problem: str | None) -> str:
    """``"true: X / pred: Y (p=0.93)"``, with the reason a file is unreadable below it."""
    true_name = shorten(class_names[true], _NAME_CHARS)
    predicted_name = shorten(class_names[predicted], _NAME_CHARS)
    title = f"true: {true_name} / pred: {predicted_name} (p={probability:.2f})"
    return f"{title}\n{problem}" if problem else title
