"""Shared helpers of the image tests: scikit-learn's digits written as image files."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from PIL import Image
from sklearn.datasets import load_digits

_DIGITS = load_digits()


def digit_image(index: int) -> Image.Image:
    """Digit ``index`` of scikit-learn's set as an 8x8 8-bit grayscale image."""
    return Image.fromarray((_DIGITS.images[index] * 255 / 16).astype(np.uint8))


def digit_label(index: int) -> int:
    """The class (0-9) of digit ``index``."""
    return int(_DIGITS.target[index])


def write_digits(root: Path, *, n_per_class: int | None = None,
                 classes: Iterable[int] = range(10)) -> Path:
    """Writes digits as PNG files into ``root/digit_<k>/`` (all of them when n_per_class is None).

    Returns:
        ``root``.
    """
    wanted, counts = set(classes), {}
    for index, label in enumerate(_DIGITS.target.tolist()):
        if label not in wanted or counts.get(label, 0) == (n_per_class or 10**9):
            continue
        counts[label] = counts.get(label, 0) + 1
        folder = root / f"digit_{label}"
        folder.mkdir(parents=True, exist_ok=True)
        digit_image(index).save(folder / f"{index:04d}.png")
    return root


def encoded(image: Image.Image, format: str, **options) -> bytes:
    """The image encoded in ``format`` (PNG, JPEG, GIF, ...)."""
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def odd_base() -> Image.Image:
    """The grayscale picture every file of :func:`odd_images` holds (12 wide, 10 high)."""
    return digit_image(0).resize((12, 10))


def odd_images() -> dict[str, bytes]:
    """One file of every awkward kind the loader must accept: name -> content."""
    grey = odd_base()
    palette = grey.convert("P")
    palette.info["transparency"] = 0
    sixteen = Image.fromarray(np.asarray(grey, dtype=np.uint16) * 257)
    frames = [grey, Image.new("L", grey.size, 255)]
    gif = io.BytesIO()
    frames[0].save(gif, format="GIF", save_all=True, append_images=frames[1:])
    return {
        "rgba.png": encoded(grey.convert("RGBA"), "PNG"),
        "palette.png": encoded(palette, "PNG", transparency=0),
        "grey16.png": encoded(sixteen, "PNG"),
        "cmyk.jpg": encoded(grey.convert("CMYK"), "JPEG"),
        "animated.gif": gif.getvalue(),
        "picture.bmp": encoded(grey.convert("RGB"), "BMP"),
        "picture.webp": encoded(grey.convert("RGB"), "WEBP", lossless=True),
        "png_named.jpg": encoded(grey, "PNG"),
    }
