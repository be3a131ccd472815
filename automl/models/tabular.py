"""The ``mlp`` builder: a multilayer perceptron for tabular data.

Each of the ``n_layers`` blocks is ``Dense -> [BatchNormalization] -> Activation -> [Dropout]``,
optionally with a residual connection that adds the block's input (projected by a linear
``Dense`` when the widths differ). Only built-in Keras layers are used, so the model saves to
``.keras`` and loads back with ``safe_mode=True``.

Example:
    >>> from automl.data import InputSpec
    >>> spec = InputSpec(kind="tabular", input_shape=(8,), task="multiclass", n_classes=3)
    >>> model = build_mlp({"n_layers": 3, "units": 64, "layer_shape": "funnel"}, spec)
    >>> [model.get_layer(f"dense_{i}").units for i in range(3)]
    [64, 32, 16]
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import keras

from automl.data import InputSpec
from automl.exceptions import ConfigError
from automl.models._components import activation_name
from automl.models._components import get_choice
from automl.models._components import get_flag
from automl.models._components import get_number
from automl.models._components import get_param
from automl.models._components import make_initializer
from automl.models._components import make_regularizer
from automl.models._registry import register_builder
from automl.models._task import output_head

__all__ = ["build_mlp", "layer_widths"]

LAYER_SHAPES = ("constant", "funnel")
MIN_FUNNEL_UNITS = 8
MAX_DROPOUT = 0.95


@register_builder("mlp")
def build_mlp(params: Mapping[str, Any], spec: InputSpec) -> keras.Model:
    """Builds the multilayer perceptron that the parameters describe (uncompiled).

    Parameters read (defaults in brackets): ``n_layers`` [2], ``units`` [64], ``layer_shape``
    (``constant`` | ``funnel``) [constant], ``activation`` [relu], ``residual`` [false],
    ``batch_norm`` [false], ``dropout`` [0.0], ``regularization`` (``none`` | ``l1`` | ``l2`` |
    ``l1_l2``) [none] with ``l1``/``l2`` [0], ``initializer`` [glorot_uniform]. Image-shaped
    inputs are flattened first.

    Args:
        params: The trial's parameters; other keys (optimizer, batch size...) are ignored.
        spec: The dataset's input spec.

    Returns:
        A functional ``keras.Model`` with named layers.

    Raises:
        ConfigError: If a parameter is unknown or out of range.

    Example:
        >>> from automl.data import InputSpec
        >>> spec = InputSpec(kind="tabular", input_shape=(8,), task="binary", n_classes=2)
        >>> build_mlp({"residual": True, "batch_norm": True}, spec).output_shape
        (None, 1)
    """
    inputs = keras.Input(spec.input_shape, name="features")
    x = keras.layers.Flatten(name="flatten")(inputs) if len(spec.input_shape) > 1 else inputs
    for index, units in enumerate(layer_widths(params)):
        x = _dense_block(x, index, units, params)
    return keras.Model(inputs, output_head(x, spec), name="mlp")


def layer_widths(params: Mapping[str, Any]) -> list[int]:
    """Returns the width of each hidden layer.

    ``constant`` repeats ``units``; ``funnel`` halves it at each layer, never below 8 (or below
    ``units`` when that is smaller).

    Args:
        params: The trial's parameters (``n_layers``, ``units``, ``layer_shape``).

    Returns:
        One width per hidden layer.

    Raises:
        ConfigError: If ``n_layers`` or ``units`` is not a positive integer, or ``layer_shape``
            is unknown.

    Example:
        >>> layer_widths({"n_layers": 4, "units": 32, "layer_shape": "funnel"})
        [32, 16, 8, 8]
    """
    n_layers = _positive_int(params, "n_layers")
    units = _positive_int(params, "units")
    if get_choice(params, "layer_shape", LAYER_SHAPES) == "constant":
        return [units] * n_layers
    floor = min(units, MIN_FUNNEL_UNITS)
    return [max(units // 2**index, floor) for index in range(n_layers)]


def _positive_int(params: Mapping[str, Any], key: str) -> int:
    """Reads an integer parameter that must be at least 1."""
    value = get_param(params, key)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ConfigError(
            f"Invalid model parameter `{key}`: expected an integer >= 1. Received: {value!r}."
        )
    return int(value)


def _dense_block(
    x: keras.KerasTensor, index: int, units: int, params: Mapping[str, Any]
) -> keras.KerasTensor:
    """One hidden block: Dense -> [BatchNorm] -> Activation -> [Dropout], [+ shortcut]."""
    h = _dense(units, f"dense_{index}", params)(x)
    if get_flag(params, "batch_norm"):
        h = keras.layers.BatchNormalization(name=f"batch_norm_{index}")(h)
    h = keras.layers.Activation(activation_name(params), name=f"activation_{index}")(h)
    rate = get_number(params, "dropout", maximum=MAX_DROPOUT)
    if rate > 0:
        h = keras.layers.Dropout(rate, name=f"dropout_{index}")(h)
    if not get_flag(params, "residual"):
        return h
    shortcut = x
    if x.shape[-1] != units:
        shortcut = _dense(units, f"projection_{index}", params)(x)
    return keras.layers.Add(name=f"residual_{index}")([h, shortcut])


def _dense(units: int, name: str, params: Mapping[str, Any]) -> keras.layers.Dense:
    """A Dense layer without activation, with its own initializer and the kernel regularizer."""
    return keras.layers.Dense(
        units,
        kernel_initializer=make_initializer(params),
        kernel_regularizer=make_regularizer(params),
        name=name,
    )
