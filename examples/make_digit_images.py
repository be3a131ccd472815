"""Writes scikit-learn's bundled digits as PNG files in class folders, for an image search.

The data are scikit-learn's bundled copy of the UCI optical recognition of handwritten digits
(``sklearn.datasets.load_digits``): 1,797 grayscale images of 8x8 pixels, ten classes. Each
becomes ``<folder>/digit_<k>/<index>.png`` (no download; about 2 MB on disk). Then::

    automl search examples/digits --image-size 16 --channels 1 --n-trials 10 --max-epochs 20
    automl predict mlruns/studies/<study>/best_model examples/digits/digit_3 -o predictions.csv

Example:
    Run from the repository root (``--per-class N`` writes at most N images per class)::

        python examples/make_digit_images.py
        python examples/make_digit_images.py examples/small_digits --per-class 30
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image
from sklearn.datasets import load_digits

DEFAULT_FOLDER = Path(__file__).resolve().parent / "digits"


def write_digit_images(folder: Path, per_class: int | None = None) -> int:
    """Writes the digits as 8-bit grayscale PNG files, one subfolder per class.

    Args:
        folder: The image folder to fill (created if needed).
        per_class: At most this many images per class; None writes all of them.

    Returns:
        The number of files written.
    """
    digits = load_digits()
    counts: dict[int, int] = {}
    for index, (pixels, label) in enumerate(zip(digits.images, digits.target, strict=True)):
        label = int(label)
        if per_class is not None and counts.get(label, 0) >= per_class:
            continue
        counts[label] = counts.get(label, 0) + 1
        class_folder = folder / f"digit_{label}"
        class_folder.mkdir(parents=True, exist_ok=True)
        image = Image.fromarray((pixels * 255 / 16).astype(np.uint8))
        image.save(class_folder / f"{index:04d}.png")
    return sum(counts.values())


def main() -> None:
    """Parses the command line and writes the folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--per-class", type=int, default=None)
    options = parser.parse_args()
    written = write_digit_images(options.folder, options.per_class)
    print(f"Wrote {written} digit images to {options.folder}")


if __name__ == "__main__":
    main()
