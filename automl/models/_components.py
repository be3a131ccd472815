"""Names to Keras objects: optimizers, losses, activations, initializers and regularizers.

Search spaces name third-party objects by string; this module is the one place that turns those
names into Keras objects, and it refuses unknown names with a :class:`ConfigError` that names the
parameter and lists the valid values.

Example:
    >>> optimizer = make_optimizer({"optimizer": "sgd", "momentum": 0.9},
    ...                            steps_per_epoch=10, max_epochs=5)
    >>> type(optimizer).__name__
    'SGD'
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import keras
import numpy as np

from automl import registry
from automl.data import InputSpec
from automl.exceptions import ConfigError

__all__ = [
    "ACTIVATIONS",
    "INITIALIZERS",
    "LOSSES",
    "LR_SCHEDULES",
    "OPTIMIZERS",
    "REGULARIZATIONS",
    "activation_name",
    "get_choice",
    "get_flag",
    "get_number",
    "get_param",
    "make_initializer",
    "make_loss",
    "make_optimizer",
    "make_regularizer",
]

OPTIMIZERS: dict[str, type[keras.optimizers.Optimizer]] = {
    "adam": keras.optimizers.Adam,
    "adamw": keras.optimizers.AdamW,
    "sgd": keras.optimizers.SGD,
    "rmsprop": keras.optimizers.RMSprop,
    "adagrad": keras.optimizers.Adagrad,
    "nadam": keras.optimizers.Nadam,
}
LR_SCHEDULES = ("constant", "cosine", "plateau")
REGULARIZATIONS = ("none", "l1", "l2", "l1_l2")
ACTIVATIONS = ("relu", "gelu", "swish", "tanh", "elu", "selu")
INITIALIZERS = ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal")
REGRESSION_LOSSES = {
    "mse": keras.losses.MeanSquaredError,
    "mae": keras.losses.MeanAbsoluteError,
    "huber": keras.losses.Huber,
}
LOSSES = {
    "binary": ("auto", "crossentropy"),
    "multiclass": ("auto", "crossentropy"),
    "regression": ("auto", *REGRESSION_LOSSES),
}
"""Valid ``loss`` names per task; ``auto`` is crossentropy for classification, mse otherwise."""

DEFAULTS: dict[str, Any] = {
    "n_layers": 2,
    "units": 64,
    "layer_shape": "constant",
    "activation": "relu",
    "residual": False,
    "batch_norm": False,
    "dropout": 0.0,
    "regularization": "none",
    "l1": 0.0,
    "l2": 0.0,
    "initializer": "glorot_uniform",
    "optimizer": "adam",
    "learning_rate": 1e-3,
    "momentum": 0.0,
    "nesterov": False,
    "weight_decay": 0.004,
    "lr_schedule": "constant",
    "label_smoothing": 0.0,
    "loss": "auto",
}
"""The value of each parameter of the default tabular space when it is absent."""


def get_param(params: Mapping[str, Any], key: str) -> Any:
    """Reads one parameter, falling back to its default (``DEFAULTS``) when absent.

    Args:
        params: The trial's parameters.
        key: The parameter name, one of ``DEFAULTS``.

    Returns:
        ``params[key]`` if present, else the default.

    Example:
        >>> get_param({}, "optimizer")
        'adam'
    """
    return params[key] if key in params else DEFAULTS[key]


def get_choice(params: Mapping[str, Any], key: str, choices: Any, *, where: str = "") -> str:
    """Reads a categorical parameter and checks it is one of ``choices``.

    Args:
        params: The trial's parameters.
        key: The parameter name.
        choices: The valid names (any container of strings).
        where: Context for the message, such as ``" for a binary task"``.

    Returns:
        The chosen name.

    Raises:
        ConfigError: If the value is not one of ``choices``.

    Example:
        >>> get_choice({"optimizer": "sgd"}, "optimizer", OPTIMIZERS)
        'sgd'
    """
    value = get_param(params, key)
    if value is None and "none" in choices:
        return "none"
    if not isinstance(value, str) or value not in choices:
        raise ConfigError(
            f"Invalid model parameter `{key}`{where}: expected one of {sorted(choices)}. "
            f"Received: {value!r}."
        )
    return value


def get_flag(params: Mapping[str, Any], key: str) -> bool:
    """Reads a boolean parameter (a Python or NumPy bool).

    Args:
        params: The trial's parameters.
        key: The parameter name.

    Returns:
        The flag.

    Raises:
        ConfigError: If the value is not a bool (a string such as ``"false"`` is refused rather
            than read as true).

    Example:
        >>> get_flag({"residual": True}, "residual")
        True
    """
    value = get_param(params, key)
    if not isinstance(value, bool | np.bool_):
        raise ConfigError(
            f"Invalid model parameter `{key}`: expected true or false. Received: {value!r}."
        )
    return bool(value)


def get_number(
    params: Mapping[str, Any], key: str, *, minimum: float = 0.0, maximum: float = math.inf
) -> float:
    """Reads a numeric parameter and checks it is in ``[minimum, maximum]``.

    Args:
        params: The trial's parameters.
        key: The parameter name.
        minimum: The smallest valid value.
        maximum: The largest valid value.

    Returns:
        The value as a float.

    Raises:
        ConfigError: If the value is not a number or is out of range.

    Example:
        >>> get_number({"learning_rate": 0.01}, "learning_rate")
        0.01
    """
    value = get_param(params, key)
    if not _is_number(value) or not minimum <= value <= maximum:
        expected = f">= {minimum}" if maximum == math.inf else f"in [{minimum}, {maximum}]"
        raise ConfigError(
            f"Invalid model parameter `{key}`: expected a number {expected}. Received: {value!r}."
        )
    return float(value)


def _is_number(value: Any) -> bool:
    """True for real numbers (Python or NumPy), False for bools and everything else."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def make_optimizer(
    params: Mapping[str, Any], *, steps_per_epoch: int, max_epochs: int
) -> keras.optimizers.Optimizer:
    """Builds the optimizer named by ``params["optimizer"]`` with its learning-rate schedule.

    ``lr_schedule: cosine`` decays the rate with ``CosineDecay`` over
    ``steps_per_epoch * max_epochs`` steps; ``constant`` and ``plateau`` use a constant rate
    (the training loop applies ``ReduceLROnPlateau`` for ``plateau``). ``momentum`` and
    ``nesterov`` apply to ``sgd``, ``weight_decay`` to ``adamw``.

    Args:
        params: The trial's parameters (absent keys take the defaults of the tabular space).
        steps_per_epoch: Optimizer steps in one epoch (at least 1).
        max_epochs: The most epochs the model will train (at least 1).

    Returns:
        A fresh optimizer.

    Raises:
        ConfigError: If a name is unknown or a number is out of range.

    Example:
        >>> optimizer = make_optimizer({"optimizer": "adamw", "weight_decay": 0.01},
        ...                            steps_per_epoch=4, max_epochs=2)
        >>> round(optimizer.weight_decay, 4)
        0.01
    """
    name = get_choice(params, "optimizer", OPTIMIZERS)
    learning_rate = _make_learning_rate(params, steps_per_epoch * max_epochs)
    options: dict[str, Any] = {}
    if name == "sgd":
        options["momentum"] = get_number(params, "momentum", maximum=1.0)
        options["nesterov"] = get_flag(params, "nesterov")
    elif name == "adamw":
        options["weight_decay"] = get_number(params, "weight_decay")
    return OPTIMIZERS[name](learning_rate=learning_rate, **options)


def _make_learning_rate(
    params: Mapping[str, Any], total_steps: int
) -> float | keras.optimizers.schedules.LearningRateSchedule:
    """Returns the constant learning rate, or a CosineDecay over ``total_steps``."""
    learning_rate = get_param(params, "learning_rate")
    if not _is_number(learning_rate) or learning_rate <= 0:
        raise ConfigError(
            "Invalid model parameter `learning_rate`: expected a number > 0. "
            f"Received: {learning_rate!r}."
        )
    learning_rate = float(learning_rate)
    if get_choice(params, "lr_schedule", LR_SCHEDULES) != "cosine":
        return learning_rate
    if total_steps < 1:
        raise ConfigError(
            "A cosine learning-rate schedule needs steps_per_epoch * max_epochs >= 1. "
            f"Received: {total_steps}."
        )
    return keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=total_steps)


def make_loss(params: Mapping[str, Any], spec: InputSpec) -> Any:
    """Builds the loss for the task: cross-entropy for classification, mse/mae/huber otherwise.

    Classification uses ``BinaryCrossentropy`` (binary) or ``CategoricalCrossentropy``
    (multiclass) with ``label_smoothing``; regression uses ``params["loss"]`` (``mse`` by
    default; ``huber`` has delta 1.0). ``loss: auto`` means the task's default. A custom loss
    is used as it is: a name registered with :func:`automl.registry.register_loss`, a
    ``"module:name"`` reference, or a loss object (see :func:`automl.registry.get_loss`).

    Args:
        params: The trial's parameters.
        spec: The dataset's input spec (its task picks the loss family).

    Returns:
        A Keras loss object (or a custom loss function).

    Raises:
        ConfigError: If ``loss`` does not fit the task or ``label_smoothing`` is out of [0, 1],
            or a custom loss cannot be found.

    Example:
        >>> from automl.data import InputSpec
        >>> spec = InputSpec(kind="tabular", input_shape=(3,), task="regression")
        >>> type(make_loss({"loss": "huber"}, spec)).__name__
        'Huber'
    """
    if registry.is_custom_loss(params.get("loss")):
        return registry.get_loss(params["loss"])
    name = get_choice(params, "loss", LOSSES[spec.task], where=f" for a {spec.task} task")
    if not spec.is_classification:
        return REGRESSION_LOSSES["mse" if name == "auto" else name]()
    smoothing = get_number(params, "label_smoothing", maximum=1.0)
    if spec.task == "binary":
        return keras.losses.BinaryCrossentropy(label_smoothing=smoothing)
    return keras.losses.CategoricalCrossentropy(label_smoothing=smoothing)


def make_regularizer(params: Mapping[str, Any]) -> keras.regularizers.Regularizer | None:
    """Builds the kernel regularizer named by ``params["regularization"]``.

    Args:
        params: The trial's parameters: ``regularization`` (``none``, ``l1``, ``l2`` or
            ``l1_l2``) with the ``l1`` and ``l2`` factors (0 when absent).

    Returns:
        An ``L1``, ``L2`` or ``L1L2`` regularizer, or None for ``none``.

    Raises:
        ConfigError: If the name is unknown or a factor is negative.

    Example:
        >>> make_regularizer({"regularization": "l2", "l2": 1e-4}).get_config()["l2"]
        0.0001
    """
    name = get_choice(params, "regularization", REGULARIZATIONS)
    if name == "none":
        return None
    l1 = get_number(params, "l1") if name in ("l1", "l1_l2") else 0.0
    l2 = get_number(params, "l2") if name in ("l2", "l1_l2") else 0.0
    if name == "l1":
        return keras.regularizers.L1(l1)
    if name == "l2":
        return keras.regularizers.L2(l2)
    return keras.regularizers.L1L2(l1=l1, l2=l2)


def make_initializer(params: Mapping[str, Any]) -> keras.initializers.Initializer:
    """Builds a new kernel initializer named by ``params["initializer"]``.

    Call it once per layer: an unseeded Keras initializer shared by two layers gives them
    identical initial weights.

    Args:
        params: The trial's parameters (``initializer``, default ``glorot_uniform``).

    Returns:
        A Keras initializer.

    Raises:
        ConfigError: If the name is unknown.

    Example:
        >>> type(make_initializer({"initializer": "he_normal"})).__name__
        'HeNormal'
    """
    return keras.initializers.get(get_choice(params, "initializer", INITIALIZERS))


def activation_name(params: Mapping[str, Any]) -> str:
    """Returns the activation named by ``params["activation"]``, checked against the valid names.

    Keras resolves the name itself (``keras.layers.Activation(name)``), which keeps the saved
    layer config a plain string.

    Args:
        params: The trial's parameters (``activation``, default ``relu``).

    Returns:
        A name that ``keras.layers.Activation`` accepts.

    Raises:
        ConfigError: If the name is unknown.

    Example:
        >>> activation_name({"activation": "gelu"})
        'gelu'
    """
    return get_choice(params, "activation", ACTIVATIONS)
