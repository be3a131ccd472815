"""The builder contract, run over every registered builder, and what it catches."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import keras
import numpy as np
import pytest
from models_testkit import N_CLASSES
from models_testkit import TASKS
from models_testkit import make_spec

from automl.data import InputSpec
from automl.exceptions import ConfigError
from automl.exceptions import SearchSpaceError
from automl.models import list_builders
from automl.models._contract import check_builder
from automl.models._contract import make_random_data

# Builders for inputs other than tabular ones name their kind here (e.g. an image builder).
INPUT_KIND = {"cnn": "image"}
IMAGE_SHAPE = (16, 16, 3)


def _contract_spec(builder: str, task: str) -> InputSpec:
    if INPUT_KIND.get(builder, "tabular") == "tabular":
        return make_spec(task)
    return InputSpec(kind="image", input_shape=IMAGE_SHAPE, task=task, n_classes=N_CLASSES[task])


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("builder", list_builders())
def test_every_registered_builder_meets_the_contract(builder: str, task: str) -> None:
    check_builder(builder, _contract_spec(builder, task))


def test_mlp_meets_the_contract_on_image_shaped_input() -> None:
    spec = InputSpec(kind="image", input_shape=(6, 6, 1), task="multiclass", n_classes=3)

    check_builder("mlp", spec, params={"batch_norm": True, "residual": True})


def build_with_lambda(params: Mapping[str, Any], spec: InputSpec) -> keras.Model:
    inputs = keras.Input(spec.input_shape)
    doubled = keras.layers.Lambda(lambda t: t * 2.0)(inputs)
    return keras.Model(inputs, keras.layers.Dense(spec.n_outputs, activation="sigmoid")(doubled))


def build_linear_probabilities(params: Mapping[str, Any], spec: InputSpec) -> keras.Model:
    inputs = keras.Input(spec.input_shape)
    scaled = keras.layers.Dense(spec.n_outputs, kernel_initializer="ones")(inputs)
    return keras.Model(inputs, keras.layers.Rescaling(100.0)(scaled))


def build_single_unit(params: Mapping[str, Any], spec: InputSpec) -> keras.Model:
    inputs = keras.Input(spec.input_shape)
    return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(inputs))


def test_a_lambda_layer_breaks_the_safe_mode_round_trip() -> None:
    with pytest.raises(ConfigError, match=r"'build_with_lambda' breaks the contract: its model "
                                          r"must load back from \.keras with safe_mode=True"):
        check_builder(build_with_lambda, make_spec("binary"))


def test_a_classifier_without_probabilities_breaks_the_contract() -> None:
    with pytest.raises(ConfigError, match=r"binary predictions must be finite and in "
                                          r"\[0\.0, 1\.0\]\. Received: min="):
        check_builder(build_linear_probabilities, make_spec("binary"))


def test_a_wrong_output_width_breaks_the_contract() -> None:
    with pytest.raises(ConfigError, match=r"'build_single_unit' must return a model with one "
                                          r"output of shape \(batch, 3\)"):
        check_builder(build_single_unit, make_spec("multiclass"))


def test_an_unknown_builder_name_is_a_search_space_error() -> None:
    with pytest.raises(SearchSpaceError, match="Unknown model builder 'nope'"):
        check_builder("nope", make_spec("binary"))


def test_random_data_covers_every_class() -> None:
    x, y = make_random_data(make_spec("multiclass"), n_rows=16, seed=3)

    assert x.shape == (16, 5) and x.dtype == np.float32
    assert set(y.tolist()) == {0, 1, 2}
