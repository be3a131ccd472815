"""The ``mlp`` builder: every option builds, compiles, trains, and changes the model."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from models_testkit import make_spec

from automl.data import InputSpec
from automl.exceptions import ConfigError
from automl.models import build_model
from automl.models import compile_model
from automl.models import encode_targets
from automl.models._contract import make_random_data
from automl.models.tabular import layer_widths

# Six cases cover every value of every option of the tabular space at least once, and every
# task twice, each training one real epoch (graph mode) on 32 random rows.
OPTION_SETS = [
    {"task": "binary", "optimizer": "adam", "lr_schedule": "constant", "regularization": "none",
     "residual": False, "layer_shape": "constant", "batch_norm": False, "dropout": 0.0,
     "activation": "relu", "initializer": "glorot_uniform", "n_layers": 1},
    {"task": "multiclass", "optimizer": "adamw", "weight_decay": 1e-3, "lr_schedule": "cosine",
     "regularization": "l1", "l1": 1e-4, "residual": True, "layer_shape": "constant",
     "batch_norm": True, "dropout": 0.2, "activation": "gelu", "initializer": "glorot_normal",
     "n_layers": 2, "label_smoothing": 0.1},
    {"task": "regression", "optimizer": "sgd", "momentum": 0.9, "nesterov": True,
     "lr_schedule": "plateau", "regularization": "l2", "l2": 1e-3, "residual": True,
     "layer_shape": "funnel", "batch_norm": False, "dropout": 0.1, "activation": "swish",
     "initializer": "he_uniform", "n_layers": 3, "loss": "mae"},
    {"task": "binary", "optimizer": "rmsprop", "lr_schedule": "constant",
     "regularization": "l1_l2", "l1": 1e-5, "l2": 1e-4, "residual": False,
     "layer_shape": "funnel", "batch_norm": True, "dropout": 0.0, "activation": "tanh",
     "initializer": "he_normal", "n_layers": 4, "label_smoothing": 0.2},
    {"task": "multiclass", "optimizer": "adagrad", "lr_schedule": "cosine",
     "regularization": "l2", "l2": 1e-2, "residual": True, "layer_shape": "constant",
     "dropout": 0.3, "activation": "elu", "n_layers": 2, "units": 16},
    {"task": "regression", "optimizer": "nadam", "learning_rate": 3e-2, "lr_schedule": "plateau",
     "regularization": "l1_l2", "l1": 1e-7, "l2": 1e-7, "batch_norm": True, "dropout": 0.5,
     "activation": "selu", "initializer": "he_normal", "n_layers": 3, "units": 200,
     "loss": "huber"},
]
CASES = [
    pytest.param(options, id=f"{options['task']}-{options['optimizer']}")
    for options in OPTION_SETS
]


@pytest.mark.parametrize("options", CASES)
def test_every_option_builds_compiles_and_trains_one_epoch(options: dict) -> None:
    params = {key: value for key, value in options.items() if key != "task"}
    spec = make_spec(options["task"])
    x, y = make_random_data(spec, n_rows=32)

    model = build_model("mlp", params, spec)
    compile_model(model, params, spec, steps_per_epoch=4, max_epochs=2)
    history = model.fit(x, encode_targets(y, spec), batch_size=8, epochs=1, verbose=0)

    assert math.isfinite(history.history["loss"][-1])
    assert model.output_shape == (None, spec.n_outputs)
    assert model.predict(x, verbose=0).shape == (32, spec.n_outputs)


def test_default_params_build_two_relu_layers_of_64(spec: InputSpec) -> None:
    model = build_model("mlp", {}, spec)

    dense_layers = [layer for layer in model.layers if layer.name.startswith("dense_")]
    assert [layer.units for layer in dense_layers] == [64, 64]
    assert model.get_layer("activation_0").get_config()["activation"] == "relu"
    assert model.get_layer("output").get_config()["activation"] == {
        "binary": "sigmoid", "multiclass": "softmax", "regression": "linear"}[spec.task]
    assert model.get_layer("output").dtype_policy.compute_dtype == "float32"


@pytest.mark.parametrize(
    ("key", "value"),
    [("n_layers", 4), ("units", 32), ("layer_shape", "funnel"), ("activation", "tanh"),
     ("residual", True), ("batch_norm", True), ("dropout", 0.25), ("regularization", "l2"),
     ("initializer", "he_normal")],
)
def test_each_architecture_option_changes_the_model(key: str, value: object) -> None:
    spec = make_spec("binary")
    default_config = build_model("mlp", {"n_layers": 3}, spec).get_config()

    changed_config = build_model("mlp", {"n_layers": 3, key: value}, spec).get_config()

    assert changed_config != default_config


@pytest.mark.parametrize(("key", "value"), [("l1", 1e-3), ("l2", 1e-3)])
def test_regularization_factors_reach_the_kernel_regularizer(key: str, value: float) -> None:
    params = {"regularization": "l1_l2", key: value}

    model = build_model("mlp", params, make_spec("binary"))

    regularizer = model.get_layer("dense_1").kernel_regularizer
    assert regularizer.get_config()[key] == pytest.approx(value)


def test_funnel_halves_units_down_to_eight() -> None:
    assert layer_widths({"n_layers": 4, "units": 32, "layer_shape": "funnel"}) == [32, 16, 8, 8]
    assert layer_widths({"n_layers": 3, "units": 256, "layer_shape": "funnel"}) == [256, 128, 64]
    assert layer_widths({"n_layers": 3, "units": 5, "layer_shape": "funnel"}) == [5, 5, 5]
    assert layer_widths({"n_layers": 3, "units": 16}) == [16, 16, 16]


def test_residual_projects_only_where_widths_differ() -> None:
    params = {"n_layers": 3, "units": 32, "layer_shape": "funnel", "residual": True}

    model = build_model("mlp", params, make_spec("binary", n_features=32))

    names = {layer.name for layer in model.layers}
    assert {"residual_0", "residual_1", "residual_2"} <= names
    assert "projection_0" not in names
    assert {"projection_1", "projection_2"} <= names
    assert isinstance(model.get_layer("residual_1"), keras.layers.Add)


def test_batch_norm_and_dropout_layers_follow_the_options() -> None:
    model = build_model("mlp", {"batch_norm": True, "dropout": 0.3}, make_spec("binary"))

    assert isinstance(model.get_layer("batch_norm_0"), keras.layers.BatchNormalization)
    assert model.get_layer("dropout_1").rate == pytest.approx(0.3)


def test_each_dense_layer_gets_its_own_initial_weights() -> None:
    model = build_model("mlp", {"units": 8, "n_layers": 3}, make_spec("binary", n_features=8))

    kernels = [model.get_layer(f"dense_{i}").kernel.numpy() for i in range(3)]

    assert not np.allclose(kernels[1], kernels[2])


def test_image_shaped_input_is_flattened() -> None:
    spec = InputSpec(kind="image", input_shape=(4, 4, 3), task="multiclass", n_classes=4)

    model = build_model("mlp", {"n_layers": 1}, spec)

    assert model.get_layer("flatten").output.shape == (None, 48)
    assert model.output_shape == (None, 4)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"n_layers": 0}, r"`n_layers`: expected an integer >= 1\. Received: 0\."),
        ({"units": 12.5}, r"`units`: expected an integer >= 1\. Received: 12\.5\."),
        ({"layer_shape": "pyramid"},
         r"`layer_shape`: expected one of \['constant', 'funnel'\]\. Received: 'pyramid'\."),
        ({"activation": "relu6"}, r"`activation`: expected one of \[.*'selu'.*\]\. Received"),
        ({"initializer": "zeros"}, r"`initializer`: expected one of \[.*'he_normal'.*\]"),
        ({"regularization": "l3"}, r"`regularization`: expected one of \['l1', 'l1_l2'"),
        ({"regularization": "l1", "l1": -1.0}, r"`l1`: expected a number >= 0\.0\. Received"),
        ({"residual": "false"}, r"`residual`: expected true or false\. Received: 'false'\."),
        ({"dropout": 1.0}, r"`dropout`: expected a number in \[0\.0, 0\.95\]\. Received: 1\.0"),
    ],
)
def test_invalid_architecture_params_raise_config_error(params: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build_model("mlp", params, make_spec("binary"))


def test_regularization_none_as_null_means_none() -> None:
    model = build_model("mlp", {"regularization": None}, make_spec("binary"))

    assert model.get_layer("dense_0").kernel_regularizer is None
