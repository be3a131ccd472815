"""The model-builder registry: builder names to functions that return a Keras model.

A search space names its builder (``builder: mlp``); :func:`get_builder` resolves the name.
Builders receive a plain dict of parameters and an :class:`~automl.data.InputSpec`; they never
see Optuna.

Example:
    >>> import keras
    >>> @register_builder("doc_linear")
    ... def build_linear(params, spec):
    ...     inputs = keras.Input(spec.input_shape)
    ...     return keras.Model(inputs, keras.layers.Dense(spec.n_outputs)(inputs))
    >>> "doc_linear" in list_builders()
    True
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from typing import Any
from typing import Protocol

import keras

from automl.data import InputSpec
from automl.exceptions import ConfigError
from automl.exceptions import SearchSpaceError

__all__ = ["ModelBuilder", "build_model", "get_builder", "list_builders", "register_builder"]


class ModelBuilder(Protocol):
    """A function ``(params, spec) -> keras.Model``.

    The model takes inputs of shape ``spec.input_shape`` and has one output of width
    ``spec.n_outputs``. It may come back compiled; if not, the training loop compiles it from
    the parameters (see :func:`automl.models.compile_model`).

    Example:
        >>> import keras
        >>> def build_linear(params, spec):
        ...     inputs = keras.Input(spec.input_shape)
        ...     return keras.Model(inputs, keras.layers.Dense(spec.n_outputs)(inputs))
    """

    def __call__(self, params: Mapping[str, Any], spec: InputSpec) -> keras.Model:
        """Builds the model for one set of parameters."""


_BUILDERS: dict[str, ModelBuilder] = {}


def register_builder(
    name: str, builder: ModelBuilder | None = None, *, override: bool = False
) -> Any:
    """Registers a model builder under ``name``, as a decorator or as a plain call.

    Registering the same function object twice is harmless; registering a different function
    under a taken name needs ``override=True`` (for example after re-running a notebook cell that
    defines the builder again).

    Args:
        name: The name search spaces use (``builder: my_net``).
        builder: The builder function; leave it out to use ``register_builder`` as a decorator.
        override: Replace a different builder already registered under ``name``.

    Returns:
        The builder (call form), or a decorator that registers and returns it.

    Raises:
        ConfigError: If ``name`` is not a non-empty string, ``builder`` is not callable, or
            ``name`` is taken by another builder and ``override`` is false.

    Example:
        >>> def build_tiny(params, spec):
        ...     inputs = keras.Input(spec.input_shape)
        ...     return keras.Model(inputs, keras.layers.Dense(spec.n_outputs)(inputs))
        >>> register_builder("doc_tiny", build_tiny) is build_tiny
        True
    """
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"A model builder name must be a non-empty string. Received: {name!r}.")
    if builder is None:
        return lambda function: register_builder(name, function, override=override)
    if not callable(builder):
        raise ConfigError(
            f"Model builder '{name}' must be a callable (params, spec) -> keras.Model. "
            f"Received: {builder!r}."
        )
    existing = _BUILDERS.get(name)
    if existing is not None and existing is not builder and not override:
        raise ConfigError(
            f"Model builder '{name}' is already registered ({_describe(existing)}). "
            f"Received another: {_describe(builder)}. Pass override=True to replace it."
        )
    _BUILDERS[name] = builder
    return builder


def get_builder(name: str) -> ModelBuilder:
    """Returns the builder registered under ``name``.

    Args:
        name: A registered builder name, such as ``"mlp"``.

    Returns:
        The builder function.

    Raises:
        SearchSpaceError: If no builder has that name (the message lists the known ones).

    Example:
        >>> get_builder("mlp").__name__
        'build_mlp'
    """
    if name not in _BUILDERS:
        raise SearchSpaceError(
            f"Unknown model builder {name!r}. Available builders: {list_builders()}. "
            "Register one with @automl.register_builder."
        )
    return _BUILDERS[name]


def list_builders() -> list[str]:
    """Returns the registered builder names, sorted.

    Returns:
        The names.

    Example:
        >>> "mlp" in list_builders()
        True
    """
    return sorted(_BUILDERS)


def build_model(name: str, params: Mapping[str, Any], spec: InputSpec) -> keras.Model:
    """Builds a model with the named builder and checks what it returned.

    Args:
        name: A registered builder name.
        params: The trial's parameters.
        spec: The dataset's input spec.

    Returns:
        The model (compiled only if the builder compiled it).

    Raises:
        SearchSpaceError: If no builder has that name.
        ConfigError: If the builder returned something other than a ``keras.Model`` with one
            output of width ``spec.n_outputs``.

    Example:
        >>> from automl.data import InputSpec
        >>> spec = InputSpec(kind="tabular", input_shape=(4,), task="multiclass", n_classes=3)
        >>> build_model("mlp", {"n_layers": 1}, spec).output_shape
        (None, 3)
    """
    model = get_builder(name)(params, spec)
    check_model(model, spec, name)
    return model


def check_model(model: Any, spec: InputSpec, name: str) -> None:
    """Checks a builder's result: a ``keras.Model`` with one output of width ``spec.n_outputs``.

    Args:
        model: What the builder returned.
        spec: The dataset's input spec.
        name: The builder's name, for the message.

    Raises:
        ConfigError: If the result does not meet the contract.

    Example:
        >>> from automl.data import InputSpec
        >>> spec = InputSpec(kind="tabular", input_shape=(4,), task="binary", n_classes=2)
        >>> check_model(get_builder("mlp")({}, spec), spec, "mlp")
    """
    if not isinstance(model, keras.Model):
        raise ConfigError(
            f"Model builder {name!r} must return a keras.Model. "
            f"Received: {type(model).__name__}."
        )
    shapes = _output_shapes(model, spec)
    if len(shapes) != 1 or shapes[0][-1] != spec.n_outputs:
        received = f"output shape: {shapes[0]}" if len(shapes) == 1 else f"{len(shapes)} outputs"
        raise ConfigError(
            f"Model builder {name!r} must return a model with one output of shape "
            f"(batch, {spec.n_outputs}) for a {spec.task} task with n_classes={spec.n_classes}. "
            f"Received {received}."
        )


def _output_shapes(model: keras.Model, spec: InputSpec) -> list[tuple[Any, ...]]:
    """Returns the shape of each output, tracing a subclassed model on a symbolic input."""
    outputs = getattr(model, "outputs", None)
    if not outputs:
        outputs = model.compute_output_spec(keras.KerasTensor((None, *spec.input_shape)))
    return [tuple(output.shape) for output in keras.tree.flatten(outputs)]


def _describe(function: Callable[..., Any]) -> str:
    """Returns ``module.qualname`` of a function, or its repr."""
    module = getattr(function, "__module__", None)
    qualname = getattr(function, "__qualname__", None)
    return f"{module}.{qualname}" if module and qualname else repr(function)
