"""Decoding one image file into a float32 array of a fixed size and channel count, with Pillow.

Files are decoded by content, not by extension: PNG, JPEG, BMP, GIF (first frame), TIFF and
WebP (when Pillow reads it). Every colour mode ends up the same: palette images become RGB (or
RGBA when they have transparency), transparency is premultiplied (transparent pixels become
black), CMYK and other colour spaces become RGB, 16-bit and 32-bit grey images are scaled from
their full range. The result is float32 in ``[0, 1]`` of shape ``(height, width, channels)``.

Example:
    >>> import io, numpy as np
    >>> from PIL import Image
    >>> buffer = io.BytesIO()
    >>> Image.new("P", (5, 7)).save(buffer, format="PNG")
    >>> decode_image_bytes(buffer.getvalue(), (8, 8), 3).shape
    (8, 8, 3)
"""

from __future__ import annotations

import concurrent.futures

import io
import os
import struct
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image
from PIL import ImageOps

from automl.exceptions import ConfigError
from automl.exceptions import DataError

__all__ = [
    "CHANNELS",
    "DECODE_ERRORS",
    "IMAGE_SUFFIXES",
    "check_channels",
    "check_image_size",
    "decode_image_bytes",
    "read_image",
    "read_images",
]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
"""File name endings (lower case) of the files a scan decodes; other files are ignored."""
CHANNELS = (1, 3)
EMPTY_FILE = "empty file (0 bytes)"
MIN_IMAGE_SIDE = 8
DECODE_ERRORS = (
    OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, zlib.error,
    Image.DecompressionBombError,
)
"""What Pillow raises for a file that is not an image, is truncated or is corrupt."""

_HIGH_DEPTH_SCALE = {"I;16": 65535.0, "I;16B": 65535.0, "I;16L": 65535.0, "I;16N": 65535.0,
                     "I": 65535.0, "F": 1.0}
_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")


def check_image_size(value: Any) -> tuple[int, int] | None:
    """Validates an image size option.

    Args:
        value: None (choose from the data), an int (square images) or ``(height, width)``.

    Returns:
        ``(height, width)``, or None.

    Raises:
        ConfigError: If a side is not an integer of at least 8.

    Example:
        >>> check_image_size(64), check_image_size((32, 48)), check_image_size(None)
        ((64, 64), (32, 48), None)
    """
    if value is None:
        return None
    sides = (value, value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(sides, Sequence) or isinstance(sides, str) or len(sides) != 2 or not all(
            isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= MIN_IMAGE_SIDE
            for s in sides):
        raise ConfigError(
            f"`image_size` must be an integer >= {MIN_IMAGE_SIDE} or a pair (height, width) of "
            f"such integers. Received: {value!r}."
        )
    return int(sides[0]), int(sides[1])


def check_channels(value: Any) -> int:
    """Validates a channel count.

    Args:
        value: 1 (grayscale) or 3 (RGB).

    Returns:
        The count.

    Raises:
        ConfigError: If it is not 1 or 3.

    Example:
        >>> check_channels(1)
        1
    """
    if isinstance(value, bool) or value not in CHANNELS:
        raise ConfigError(f"`channels` must be one of {list(CHANNELS)}. Received: {value!r}.")
    return int(value)


def read_image(
    path: str | os.PathLike[str], image_size: int | Sequence[int], channels: int = 3
) -> np.ndarray:
    """Reads one image file as float32 in ``[0, 1]``, resized and with ``channels`` channels.

    Args:
        path: The image file (any format Pillow reads; the content decides, not the name).
        image_size: ``(height, width)``, or one int for square images.
        channels: 1 (grayscale) or 3 (RGB).

    Returns:
        An array of shape ``(height, width, channels)``.

    Raises:
        DataError: If the file is missing, empty, not an image, truncated or corrupt.
        ConfigError: If ``image_size`` or ``channels`` is invalid.

    Example:
        >>> read_image("photo.jpg", 64, channels=1).shape   # doctest: +SKIP
        (64, 64, 1)
    """
    size, channels = check_image_size(image_size), check_channels(channels)
    try:
        with Image.open(path) as image:
            if image.format == "JPEG":
                image.draft(None, (size[1], size[0]))
            return convert_image(image, size, channels)
    except FileNotFoundError as error:
        raise DataError(f"Image file '{path}' not found.") from error
    except (IsADirectoryError, PermissionError) as error:
        raise DataError(f"Image file '{path}' cannot be read: {error.strerror}. Expected a "
                        "readable image file.") from error
    except DECODE_ERRORS as error:
        reason = EMPTY_FILE if _is_empty(path) else describe_error(error, path)
        raise DataError(f"Image file '{path}' cannot be read: {reason}. "
                        "Expected a PNG, JPEG, BMP, GIF, TIFF or WebP image.") from error


def _is_empty(path: str | os.PathLike[str]) -> bool:
    try:
        return os.path.getsize(path) == 0
    except OSError:
        return False


def read_images(
    paths: Sequence[str | os.PathLike[str]], image_size: int | Sequence[int], channels: int = 3,
    *, n_threads: int = 1,
) -> tuple[np.ndarray, list[str | None]]:
    """Reads many image files, collecting one error per unreadable file instead of raising.

    Args:
        paths: The image files.
        image_size: ``(height, width)``, or one int for square images.
        channels: 1 or 3.
        n_threads: Threads that decode in parallel (Pillow releases the GIL while decoding).

    Returns:
        ``(images, errors)``: float32 ``(n_readable, height, width, channels)`` for the readable
        files in order, and for every path None (read) or the one-line reason it was not.

    Example:
        >>> images, errors = read_images(["a.png", "missing.png"], 32)   # doctest: +SKIP
        >>> errors[1]                                                   # doctest: +SKIP
        "Image file 'missing.png' not found."
    """
    size, channels = check_image_size(image_size), check_channels(channels)

    def read(path: str | os.PathLike[str]) -> tuple[np.ndarray | None, str | None]:
        try:
            return read_image(path, size, channels), None
        except DataError as error:
            return None, str(error)

    if n_threads > 1 and len(paths) > 1:
        with concurrent.futures.ThreadPoolExecutor(max_workers=n_threads) as pool:
            results = list(pool.map(read, paths))
    else:
        results = [read(path) for path in paths]
    images = [image for image, _ in results if image is not None]
    empty = np.zeros((0, *size, channels), dtype=np.float32)
    return (np.stack(images) if images else empty), [error for _, error in results]


def decode_image_bytes(data: bytes, image_size: int | Sequence[int], channels: int = 3,
                       *, name: str = "<bytes>") -> np.ndarray:
    """Decodes an image held in memory, like :func:`read_image` does a file.

    Args:
        data: The encoded image.
        image_size: ``(height, width)``, or one int for square images.
        channels: 1 or 3.
        name: What to call the image in messages.

    Returns:
        float32 ``(height, width, channels)`` in ``[0, 1]``.

    Raises:
        DataError: If the bytes are not a readable image.

    Example:
        >>> decode_image_bytes(b"not an image", 8)
        Traceback (most recent call last):
        ...
        automl.exceptions.DataError: Image '<bytes>' cannot be read: not an image (unknown format). Expected a PNG, JPEG, BMP, GIF, TIFF or WebP image.
    """
    size, channels = check_image_size(image_size), check_channels(channels)
    try:
        with Image.open(io.BytesIO(data)) as image:
            return convert_image(image, size, channels)
    except DECODE_ERRORS as error:
        raise DataError(f"Image '{name}' cannot be read: {describe_error(error, name)}. "
                        "Expected a PNG, JPEG, BMP, GIF, TIFF or WebP image.") from error


def describe_error(error: BaseException, path: Any) -> str:
    """Returns a short reason for a decoding error, without the file name repeated.

    Args:
        error: What Pillow raised.
        path: The file, removed from the message when Pillow quotes it.

    Returns:
        For example ``"not an image (unknown format)"`` or ``"truncated or corrupt (...)"``.

    Example:
        >>> describe_error(OSError("image file is truncated"), "a.png")
        'truncated or corrupt (image file is truncated)'
    """
    if isinstance(error, Image.UnidentifiedImageError):
        return "not an image (unknown format)"
    if isinstance(error, Image.DecompressionBombError):
        return "too large (more pixels than Pillow's decompression-bomb limit)"
    message = str(error).replace(repr(str(path)), "").replace(str(path), "").strip(" :")
    if message.startswith("conversion from"):
        return f"unsupported colour mode ({message})"
    return f"truncated or corrupt ({message or type(error).__name__})"


def convert_image(image: Image.Image, size: tuple[int, int], channels: int) -> np.ndarray:
    """Converts an opened Pillow image (first frame) to float32 ``(height, width, channels)``.

    Args:
        image: An opened image; it is loaded here.
        size: ``(height, width)``.
        channels: 1 or 3.

    Returns:
        The array, in ``[0, 1]``.

    Example:
        >>> convert_image(Image.new("CMYK", (4, 4)), (2, 2), 1).shape
        (2, 2, 1)
    """
    image.seek(0)
    image.load()
    ImageOps.exif_transpose(image, in_place=True)
    height, width = size
    if image.mode in _HIGH_DEPTH_SCALE:
        return _convert_high_depth(image, size, channels)
    image = _to_display_mode(image, channels)
    image = image.resize((width, height), Image.Resampling.BILINEAR)
    return (np.asarray(image, dtype=np.float32) / 255.0).reshape(height, width, channels)


def _to_display_mode(image: Image.Image, channels: int) -> Image.Image:
    """Returns an 8-bit ``L`` or ``RGB`` image; transparency is premultiplied onto black."""
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in _ALPHA_MODES:
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (0, 0, 0, 255))
        image = Image.alpha_composite(background, image)
    return image.convert("L" if channels == 1 else "RGB")


def _convert_high_depth(image: Image.Image, size: tuple[int, int], channels: int) -> np.ndarray:
    """Scales a 16-bit, 32-bit or float grey image to ``[0, 1]``, then resizes it."""
    values = np.asarray(image).astype(np.float32) / _HIGH_DEPTH_SCALE[image.mode]
    grey = Image.fromarray(np.clip(values, 0.0, 1.0))
    grey = grey.resize((size[1], size[0]), Image.Resampling.BILINEAR)
    array = np.asarray(grey, dtype=np.float32).reshape(size[0], size[1], 1)
    return np.repeat(array, channels, axis=2) if channels > 1 else array
