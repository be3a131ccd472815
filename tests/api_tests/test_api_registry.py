"""Custom losses, callbacks and metrics by name, by reference and as objects."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import automl
from automl import metrics
from automl import registry
from automl.exceptions import ConfigError
from automl.models import make_loss
from automl.training import TrainingConfig
from automl.training import train_model

import api_testkit  # noqa: E402  (registers the kit's names)


def test_losses_resolve_by_name_reference_and_object():
    spec = automl.InputSpec(kind="tabular", input_shape=(3,), task="regression")
    assert make_loss({"loss": "api_scaled_mse"}, spec) is api_testkit.scaled_mse
    assert make_loss({"loss": "api_testkit:absolute_error"}, spec) is api_testkit.absolute_error
    huber = keras.losses.Huber(delta=2.0)
    assert make_loss({"loss": huber}, spec) is huber
    assert type(make_loss({"loss": "keras.losses:LogCosh"}, spec)).__name__ == "LogCosh"
    assert type(make_loss({"loss": "huber"}, spec)).__name__ == "Huber"  # built-ins unchanged


def test_loss_errors():
    spec = automl.InputSpec(kind="tabular", input_shape=(3,), task="regression")
    with pytest.raises(ConfigError, match=r"^Cannot find the loss 'api_testkit:nope': module "
                                          r"'api_testkit' has no attribute 'nope'"):
        make_loss({"loss": "api_testkit:nope"}, spec)
    with pytest.raises(ConfigError, match=r"Loss 'x' must be a function \(y_true, y_pred\), a "
                                          r"keras.losses.Loss instance or subclass"):
        automl.register_loss("x", 3)
    with pytest.raises(ConfigError, match=r"A loss named 'api_scaled_mse' is already "
                                          r"registered .* Pass override=True to replace it\."):
        automl.register_loss("api_scaled_mse", api_testkit.absolute_error)
    with pytest.raises(ConfigError, match=r"A loss name must be 1-100 letters"):
        automl.register_loss("my:loss", api_testkit.absolute_error)


def test_a_model_compiled_with_a_registered_loss_saves_and_loads(tmp_path):
    spec = automl.InputSpec(kind="tabular", input_shape=(3,), task="regression")
    model = api_testkit.build_tiny_net({}, spec)
    model.compile(optimizer="adam", loss=make_loss({"loss": "api_testkit:absolute_error"}, spec))
    model.fit(np.zeros((4, 3)), np.zeros((4, 1)), verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    assert loaded.compiled


def test_callbacks_from_names_references_classes_and_factories():
    made = registry.make_callbacks(["api_epoch_recorder", "keras.callbacks:TerminateOnNaN",
                                    api_testkit.EpochRecorder, keras.callbacks.History])
    assert [type(c).__name__ for c in made] == ["EpochRecorder", "TerminateOnNaN",
                                                "EpochRecorder", "History"]
    assert registry.make_callbacks(None) == []
    with pytest.raises(ConfigError, match=r"^Unknown callback 'nope'\. Registered callbacks: "
                                          r"\[.*'api_epoch_recorder'.*\]\."):
        registry.make_callbacks("nope")
    with pytest.raises(ConfigError, match=r"^Callback .*lambda.* must give a "
                                          r"keras\.callbacks\.Callback\. Received: int\.$"):
        registry.make_callbacks([lambda: 3])


def test_training_runs_the_callbacks_the_params_name(diabetes):
    data = automl.load_data(diabetes, "progression")
    api_testkit.SEEN_EPOCHS.clear()
    result = train_model({"callbacks": ["api_epoch_recorder"], "batch_size": 64}, data,
                         TrainingConfig(metric="rmse", max_epochs=2), builder="api_tiny_net")
    assert api_testkit.SEEN_EPOCHS == [0, 1] and result.n_epochs == 2


def test_custom_metric_registration(max_error_metric):
    assert metrics.get_metric("api_max_error", "regression").direction == "minimize"
    assert "api_max_error" in metrics.test_scores(np.array([1.0, 2.0]), np.array([1.5, 2.0]),
                                                  "regression")
    with pytest.raises(ConfigError, match=r"'api_max_error' is not a classification metric\. "
                                          r"Expected one of \['accuracy', "):
        metrics.get_metric("api_max_error", "binary")
    with pytest.raises(ConfigError, match=r"^Cannot register metric 'accuracy': it is a "
                                          r"built-in metric\. Choose another name\.$"):
        automl.register_metric("accuracy", api_testkit.max_error, direction="maximize")
    with pytest.raises(ConfigError, match=r"direction must be 'maximize' or 'minimize'\. "
                                          r"Received: 'up'\.$"):
        automl.register_metric("api_other", api_testkit.max_error, direction="up")
    with pytest.raises(ConfigError, match=r"tasks must be a non-empty tuple"):
        automl.register_metric("api_other", api_testkit.max_error, direction="maximize",
                               tasks="regression")
