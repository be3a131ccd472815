"""The builder contract: what every model builder must do, checked in a few seconds.

A builder passes when, with default parameters, its model is a ``keras.Model`` with one output
of width ``spec.n_outputs``, compiles, trains one epoch on 16 random rows to a finite loss,
predicts in the task's shape, and saves to ``.keras`` and loads back with ``safe_mode=True``
giving the same predictions.

Example:
    >>> from automl.data import InputSpec
    >>> spec = InputSpec(kind="tabular", input_shape=(5,), task="binary", n_classes=2)
    >>> check_builder("mlp", spec)
"""

from __future__ import annotations

import math
import pathlib
import tempfile
from collections.abc import Mapping
from typing import Any

import keras
import numpy as np

from automl.data import InputSpec
from automl.exceptions import ConfigError
from automl.models._registry import ModelBuilder
from automl.models._registry import check_model
from automl.models._registry import get_builder
from automl.models._task import compile_model
from automl.models._task import encode_targets
from automl.models._task import predict_outputs

__all__ = ["check_builder", "make_random_data"]

CONTRACT_ROWS = 16


def check_builder(
    builder: ModelBuilder | str, spec: InputSpec, *, params: Mapping[str, Any] | None = None
) -> None:
    """Checks that a builder meets the contract for ``spec``.

    Args:
        builder: A builder function, or the name of a registered one.
        spec: The input spec to build for.
        params: The parameters to build and compile with; default ``{}`` (every default).

    Raises:
        SearchSpaceError: If ``builder`` names no registered builder.
        ConfigError: If the builder breaks the contract; the message names the builder and
            the broken rule.

    Example:
        >>> from automl.data import InputSpec
        >>> spec = InputSpec(kind="tabular", input_shape=(3,), task="regression")
        >>> check_builder("mlp", spec, params={"residual": True})
    """
    name = builder if isinstance(builder, str) else getattr(builder, "__name__", repr(builder))
    build = get_builder(builder) if isinstance(builder, str) else builder
    params = dict(params or {})
    model = build(params, spec)
    check_model(model, spec, name)
    compile_model(model, params, spec, steps_per_epoch=2, max_epochs=1)
    x, y = make_random_data(spec, n_rows=CONTRACT_ROWS)
    _check_training(model, x, encode_targets(y, spec), name)
    predictions = predict_outputs(model, x, spec)
    _check_predictions(predictions, spec, name)
    _check_round_trip(model, x, predictions, spec, name)


def make_random_data(
    spec: InputSpec, *, n_rows: int = CONTRACT_ROWS, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Makes random inputs and labels shaped like the data layer's output for ``spec``.

    Args:
        spec: The input spec.
        n_rows: Number of rows.
        seed: Seed of the random generator.

    Returns:
        ``(x, y)``: float32 inputs of shape ``(n_rows, *spec.input_shape)``; int64 class
        indices cycling through every class (classification) or float32 values (regression).

    Example:
        >>> from automl.data import InputSpec
        >>> spec = InputSpec(kind="tabular", input_shape=(2,), task="multiclass", n_classes=3)
        >>> make_random_data(spec, n_rows=4)[1].tolist()
        [0, 1, 2, 0]
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_rows, *spec.input_shape)).astype("float32")
    if spec.is_classification:
        return x, np.arange(n_rows, dtype="int64") % spec.n_classes
    return x, rng.normal(size=n_rows).astype("float32")


def _check_training(model: keras.Model, x: np.ndarray, y: np.ndarray, name: str) -> None:
    """Fits one epoch and checks the loss is finite."""
    history = model.fit(x, y, epochs=1, batch_size=CONTRACT_ROWS // 2, verbose=0)
    loss = float(history.history["loss"][-1])
    if not math.isfinite(loss):
        raise ConfigError(
            f"Model builder {name!r} breaks the contract: the training loss after one epoch on "
            f"{len(x)} random rows must be finite. Received: {loss}."
        )


def _check_predictions(predictions: np.ndarray, spec: InputSpec, name: str) -> None:
    """Checks the prediction shape, that they are finite, and that probabilities are in [0, 1]."""
    expected = (CONTRACT_ROWS, spec.n_classes) if spec.is_classification else (CONTRACT_ROWS,)
    if predictions.shape != expected:
        raise ConfigError(
            f"Model builder {name!r} breaks the contract: predictions for a {spec.task} task "
            f"must have shape {expected}. Received: {predictions.shape}."
        )
    lowest, highest = (0.0, 1.0) if spec.is_classification else (-np.inf, np.inf)
    in_range = lowest <= predictions.min() and predictions.max() <= highest
    if not (np.all(np.isfinite(predictions)) and in_range):
        raise ConfigError(
            f"Model builder {name!r} breaks the contract: {spec.task} predictions must be "
            f"finite and in [{lowest}, {highest}]. "
            f"Received: min={predictions.min()}, max={predictions.max()}."
        )


def _check_round_trip(
    model: keras.Model, x: np.ndarray, predictions: np.ndarray, spec: InputSpec, name: str
) -> None:
    """Saves to ``.keras``, loads with ``safe_mode=True`` and compares predictions."""
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "model.keras"
        model.save(path)
        try:
            reloaded = keras.saving.load_model(path, safe_mode=True)
        except (TypeError, ValueError) as error:
            raise ConfigError(
                f"Model builder {name!r} breaks the contract: its model must load back from "
                f".keras with safe_mode=True (no Lambda layers, custom layers registered with "
                f"keras.saving.register_keras_serializable). Received: {_first_line(error)}"
            ) from error
    if not np.allclose(predict_outputs(reloaded, x, spec), predictions, rtol=1e-5, atol=1e-6):
        raise ConfigError(
            f"Model builder {name!r} breaks the contract: the model loaded back from .keras "
            "must predict what the saved model predicted. Received different predictions."
        )


def _first_line(error: Exception) -> str:
    """Returns the first line of an exception's message, for one-line errors."""
    return (str(error).splitlines() or [type(error).__name__])[0]
