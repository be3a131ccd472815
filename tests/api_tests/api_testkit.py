"""Custom code for the API tests, at the top level of an importable module, so worker
processes reach it through ``imports=["api_testkit"]`` (the tests' folder is on sys.path)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import keras
import numpy as np

import automl
from automl.models import make_loss
from automl.models import output_head

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SEEN_EPOCHS: list[int] = []


@automl.register_builder("api_tiny_net")
def build_tiny_net(params: Mapping[str, Any], spec: Any) -> keras.Model:
    """One hidden layer of ``width`` units; uncompiled (automl compiles it)."""
    inputs = keras.Input(spec.input_shape)
    hidden = keras.layers.Dense(int(params.get("width", 8)), activation="relu")(inputs)
    return keras.Model(inputs, output_head(hidden, spec), name="api_tiny_net")


@automl.register_builder("api_eager_net")
def build_eager_net(params: Mapping[str, Any], spec: Any) -> keras.Model:
    """A compiled, eagerly run one-layer net: on a few hundred rows one epoch costs less
    eagerly than tracing a graph (the scikit-learn checks fit about a hundred times)."""
    model = build_tiny_net({"width": 16}, spec)
    model.compile(optimizer=keras.optimizers.Adam(float(params.get("learning_rate", 0.05))),
                  loss=make_loss({}, spec), run_eagerly=True)
    return model


def define_by_run(trial: Any, spec: Any) -> keras.Model:
    """Define-by-run: samples with the Optuna trial and returns an uncompiled model."""
    width = trial.suggest_int("width", 4, 16, log=True)
    trial.suggest_float("learning_rate", 1e-3, 3e-2, log=True)
    return build_tiny_net({"width": width}, spec)


def compiled_define_by_run(trial: Any, spec: Any) -> keras.Model:
    """Define-by-run that compiles its own model with its own loss."""
    model = build_tiny_net({"width": trial.suggest_categorical("width", [4, 8])}, spec)
    model.compile(optimizer="adam", loss=scaled_mse)
    return model


@automl.register_loss("api_scaled_mse")
def scaled_mse(y_true: Any, y_pred: Any) -> Any:
    """Twice the mean squared error."""
    return 2.0 * keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)


def absolute_error(y_true: Any, y_pred: Any) -> Any:
    """Mean absolute error, not registered: passed as an object (a 'module:name' reference)."""
    return keras.ops.mean(keras.ops.abs(y_true - y_pred), axis=-1)


def max_error(y_true: np.ndarray, outputs: np.ndarray) -> float:
    """Largest absolute error, in the target's units (registered by the ``max_error_metric``
    fixture only: a registered metric is reported by every search of the process)."""
    return float(np.max(np.abs(np.asarray(y_true) - np.asarray(outputs))))


@automl.register_callback("api_epoch_recorder")
class EpochRecorder(keras.callbacks.Callback):
    """Records each finished epoch (in this process) and checks automl's scores are there."""

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        assert any(key.startswith("val_") for key in (logs or {}))
        SEEN_EPOCHS.append(epoch)
