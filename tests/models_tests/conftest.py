"""Fixtures for the model tests: a fixed seed, and one input spec per task."""

from __future__ import annotations

import keras
import pytest
from models_testkit import TASKS
from models_testkit import make_spec

from automl.data import InputSpec


@pytest.fixture(autouse=True)
def _seed() -> None:
    """Seeds Python, NumPy and the Keras backend before every test."""
    keras.utils.set_random_seed(0)


@pytest.fixture(params=TASKS)
def spec(request: pytest.FixtureRequest) -> InputSpec:
    """A tabular spec with 5 features, once per task."""
    return make_spec(request.param)
