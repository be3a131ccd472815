"""Fixtures for the image tests: digit folders written in temporary folders, a fixed seed."""

from __future__ import annotations

from pathlib import Path

import keras
import pytest
from images_testkit import write_digits

from automl.data import ImageDataset
from automl.data import load_image_folder


@pytest.fixture(autouse=True)
def _seed() -> None:
    """Seeds Python, NumPy and the Keras backend before every test."""
    keras.utils.set_random_seed(0)


@pytest.fixture(scope="session")
def digits_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """All 1797 digits as 8x8 PNG files in ``digit_0`` ... ``digit_9`` (do not modify)."""
    return write_digits(tmp_path_factory.mktemp("digits"))


@pytest.fixture(scope="session")
def digits_data(digits_folder: Path) -> ImageDataset:
    """The digits folder loaded as 32x32 grayscale images."""
    return load_image_folder(digits_folder, image_size=32, channels=1)


@pytest.fixture
def small_folder(tmp_path: Path) -> Path:
    """Eight digits of each of the classes 0, 1 and 2 (a fresh copy per test)."""
    return write_digits(tmp_path / "digits", n_per_class=8, classes=(0, 1, 2))
