"""Optimizers, schedules, losses, target encoding, compiling and predicting."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from models_testkit import make_spec

from automl.data import InputSpec
from automl.exceptions import ConfigError
from automl.exceptions import DataError
from automl.models import build_model
from automl.models import compile_model
from automl.models import encode_targets
from automl.models import make_loss
from automl.models import make_optimizer
from automl.models import output_head
from automl.models import predict_outputs


def _optimizer(params: dict) -> keras.optimizers.Optimizer:
    return make_optimizer(params, steps_per_epoch=10, max_epochs=3)


@pytest.mark.parametrize(
    ("name", "expected_class"),
    [("adam", keras.optimizers.Adam), ("adamw", keras.optimizers.AdamW),
     ("sgd", keras.optimizers.SGD), ("rmsprop", keras.optimizers.RMSprop),
     ("adagrad", keras.optimizers.Adagrad), ("nadam", keras.optimizers.Nadam)],
)
def test_optimizer_names_map_to_keras_classes(name: str, expected_class: type) -> None:
    optimizer = _optimizer({"optimizer": name, "learning_rate": 0.01})

    assert type(optimizer) is expected_class
    assert optimizer.get_config()["learning_rate"] == pytest.approx(0.01)


def test_default_optimizer_is_adam_at_1e_3() -> None:
    optimizer = _optimizer({})

    assert type(optimizer) is keras.optimizers.Adam
    assert optimizer.get_config()["learning_rate"] == pytest.approx(1e-3)


def test_sgd_momentum_and_nesterov_are_applied() -> None:
    config = _optimizer({"optimizer": "sgd", "momentum": 0.8, "nesterov": True}).get_config()

    assert config["momentum"] == pytest.approx(0.8)
    assert config["nesterov"] is True


def test_sgd_defaults_to_no_momentum() -> None:
    config = _optimizer({"optimizer": "sgd"}).get_config()

    assert config["momentum"] == 0.0
    assert config["nesterov"] is False


def test_adamw_weight_decay_is_applied_with_default_0_004() -> None:
    assert _optimizer({"optimizer": "adamw", "weight_decay": 1e-3}).get_config()[
        "weight_decay"] == pytest.approx(1e-3)
    assert _optimizer({"optimizer": "adamw"}).get_config()["weight_decay"] == pytest.approx(4e-3)


def test_cosine_schedule_decays_over_all_training_steps() -> None:
    optimizer = make_optimizer(
        {"lr_schedule": "cosine", "learning_rate": 0.02}, steps_per_epoch=7, max_epochs=5
    )

    schedule = optimizer.get_config()["learning_rate"]
    assert schedule["class_name"] == "CosineDecay"
    assert schedule["config"]["decay_steps"] == 35
    assert schedule["config"]["initial_learning_rate"] == pytest.approx(0.02)


@pytest.mark.parametrize("schedule", ["constant", "plateau"])
def test_constant_and_plateau_use_a_constant_rate(schedule: str) -> None:
    optimizer = _optimizer({"lr_schedule": schedule, "learning_rate": 0.005})

    assert optimizer.get_config()["learning_rate"] == pytest.approx(0.005)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"optimizer": "adamx"},
         r"Invalid model parameter `optimizer`: expected one of \['adagrad', 'adam', 'adamw', "
         r"'nadam', 'rmsprop', 'sgd'\]\. Received: 'adamx'\."),
        ({"lr_schedule": "step"}, r"`lr_schedule`: expected one of \['constant', 'cosine', "),
        ({"learning_rate": 0}, r"`learning_rate`: expected a number > 0\. Received: 0\."),
        ({"learning_rate": "1e-3"}, r"`learning_rate`: expected a number > 0\. Received: '1e-3'"),
        ({"optimizer": "sgd", "momentum": 1.5}, r"`momentum`: expected a number in \[0\.0, 1\.0"),
        ({"optimizer": "sgd", "nesterov": 1}, r"`nesterov`: expected true or false\."),
    ],
)
def test_invalid_optimizer_params_raise_config_error(params: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _optimizer(params)


@pytest.mark.parametrize(
    ("task", "expected_class"),
    [("binary", keras.losses.BinaryCrossentropy),
     ("multiclass", keras.losses.CategoricalCrossentropy)],
)
def test_classification_loss_is_crossentropy_with_label_smoothing(
    task: str, expected_class: type
) -> None:
    loss = make_loss({"label_smoothing": 0.15}, make_spec(task))

    assert type(loss) is expected_class
    assert loss.get_config()["label_smoothing"] == pytest.approx(0.15)
    assert loss.get_config()["from_logits"] is False
    assert make_loss({"loss": "crossentropy"}, make_spec(task)).get_config()[
        "label_smoothing"] == 0.0


@pytest.mark.parametrize(
    ("name", "expected_class"),
    [("mse", keras.losses.MeanSquaredError), ("mae", keras.losses.MeanAbsoluteError),
     ("huber", keras.losses.Huber), ("auto", keras.losses.MeanSquaredError)],
)
def test_regression_losses(name: str, expected_class: type) -> None:
    assert type(make_loss({"loss": name}, make_spec("regression"))) is expected_class


def test_regression_defaults_to_mse_and_huber_delta_is_one() -> None:
    spec = make_spec("regression")

    assert type(make_loss({}, spec)) is keras.losses.MeanSquaredError
    huber = make_loss({"loss": "huber"}, spec)
    # delta=1.0: 0.5 * 1**2 + 1.0 * (2 - 1) = 1.5 for an error of 2 (mse would give 4).
    assert float(huber(np.array([[0.0]]), np.array([[2.0]]))) == pytest.approx(1.5)


def test_a_loss_that_does_not_fit_the_task_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"`loss` for a binary task: expected one of "
                                          r"\['auto', 'crossentropy'\]\. Received: 'mse'\."):
        make_loss({"loss": "mse"}, make_spec("binary"))
    with pytest.raises(ConfigError, match=r"`loss` for a regression task: .* Received: 'l2'\."):
        make_loss({"loss": "l2"}, make_spec("regression"))
    with pytest.raises(ConfigError, match=r"`label_smoothing`: expected a number in \[0\.0, 1"):
        make_loss({"label_smoothing": 2.0}, make_spec("multiclass"))


def test_encode_targets_exact_values() -> None:
    binary = encode_targets(np.array([0, 1, 1]), make_spec("binary"))
    multiclass = encode_targets(np.array([2, 0, 1]), make_spec("multiclass"))
    regression = encode_targets(np.array([1.5, -2.0]), make_spec("regression"))

    np.testing.assert_array_equal(binary, np.array([[0.0], [1.0], [1.0]], dtype="float32"))
    np.testing.assert_array_equal(
        multiclass, np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0]], dtype="float32")
    )
    np.testing.assert_array_equal(regression, np.array([[1.5], [-2.0]], dtype="float32"))
    assert binary.dtype == multiclass.dtype == regression.dtype == np.float32


@pytest.mark.parametrize(
    ("task", "y", "message"),
    [
        ("multiclass", np.array([0, 3]), r"must lie in \[0, 3\)\. Received: min=0, max=3\."),
        ("binary", np.array([-1, 1]), r"must lie in \[0, 2\)\. Received: min=-1, max=1\."),
        ("binary", np.array([0.0, 1.0]), r"must be integer indices\. Received dtype: float64\."),
        ("regression", np.zeros((2, 1)), r"1-D array of shape \(n,\)\. Received shape: \(2, 1\)"),
    ],
)
def test_encode_targets_refuses_bad_labels(task: str, y: np.ndarray, message: str) -> None:
    with pytest.raises(DataError, match=message):
        encode_targets(y, make_spec(task))


def test_output_head_is_a_float32_dense_named_output_under_mixed_precision() -> None:
    spec = make_spec("multiclass")
    previous = keras.config.dtype_policy().name
    keras.config.set_dtype_policy("mixed_float16")
    try:
        inputs = keras.Input((5,))
        outputs = output_head(keras.layers.Dense(4)(inputs), spec)
    finally:
        keras.config.set_dtype_policy(previous)

    assert outputs.shape == (None, 3)
    assert outputs.dtype == "float32"
    assert outputs._keras_history.operation.name == "output"


def test_predict_outputs_shapes_and_probabilities(spec: InputSpec) -> None:
    model = build_model("mlp", {}, spec)
    x = np.random.default_rng(0).normal(size=(7, 5)).astype("float32")

    outputs = predict_outputs(model, x, spec, batch_size=4)

    assert outputs.dtype == np.float64
    if spec.task == "regression":
        assert outputs.shape == (7,)
        return
    assert outputs.shape == (7, spec.n_classes)
    np.testing.assert_allclose(outputs.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert np.all((outputs >= 0) & (outputs <= 1))


def test_binary_probabilities_are_one_minus_p_then_p() -> None:
    spec = make_spec("binary")
    model = build_model("mlp", {}, spec)
    x = np.ones((3, 5), dtype="float32")

    probabilities = predict_outputs(model, x, spec)

    positive = model.predict(x, verbose=0).reshape(-1).astype("float64")
    np.testing.assert_allclose(probabilities[:, 1], positive)
    np.testing.assert_allclose(probabilities[:, 0], 1.0 - positive)


def test_compile_model_uses_params_and_adds_no_metrics() -> None:
    spec = make_spec("regression")
    model = build_model("mlp", {}, spec)

    compiled = compile_model(
        model, {"optimizer": "rmsprop", "loss": "huber"}, spec, steps_per_epoch=2, max_epochs=1
    )

    assert compiled is model
    assert isinstance(model.optimizer, keras.optimizers.RMSprop)
    assert isinstance(model.loss, keras.losses.Huber)
    assert model.metrics_names == ["loss"]


def test_compile_model_keeps_a_model_the_builder_compiled() -> None:
    spec = make_spec("binary")
    model = build_model("mlp", {}, spec)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="binary_crossentropy")

    compile_model(model, {"optimizer": "adam"}, spec, steps_per_epoch=2, max_epochs=1)

    assert isinstance(model.optimizer, keras.optimizers.SGD)
    assert model.loss == "binary_crossentropy"
