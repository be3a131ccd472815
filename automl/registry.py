"""Custom losses and training callbacks, by name, so search spaces and worker processes can use
them without pickling anything.

A search space names a loss (``loss: focal``) or callbacks (``callbacks: [log_lr]``) as plain
strings. A name is either one registered here (``register_loss("focal", focal_loss)``) or a
reference ``"module:qualified_name"`` to a top-level object, which any process can import.

Worker processes run trials in fresh interpreters: a registration made at the top level of a
module reaches them when the module is in ``imports`` of :func:`automl.search`; one made inside
a function, a notebook cell or ``if __name__ == "__main__":`` does not (use ``n_workers=0``).

Example:
    >>> import keras
    >>> def scaled_mse(y_true, y_pred):
    ...     return 2.0 * keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)
    >>> _ = register_loss("doc_scaled_mse", scaled_mse)
    >>> get_loss("doc_scaled_mse") is scaled_mse
    True
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

import keras

from automl.exceptions import ConfigError

__all__ = [
    "get_loss",
    "is_custom_loss",
    "list_callbacks",
    "list_losses",
    "make_callbacks",
    "reference_of",
    "register_callback",
    "registered_name",
    "register_loss",
    "resolve_reference",
]

KERAS_PACKAGE = "automl"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,99}$")
_REFERENCE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")
_LOSSES: dict[str, Any] = {}
_CALLBACKS: dict[str, Any] = {}


def register_loss(name: str, loss: Any = None, *, override: bool = False) -> Any:
    """Registers a custom loss under ``name``, as a decorator or as a plain call.

    The loss receives ``(y_true, y_pred)`` as the model sees them: float32 ``(n, 1)`` 0/1
    targets and sigmoid outputs (binary), one-hot ``(n, k)`` targets and softmax outputs
    (multiclass), or standardized ``(n, 1)`` values (regression). It is also registered with
    Keras serialization, so models compiled with it save and load back.

    Args:
        name: Name used in search spaces (``loss: {type: fixed, value: focal}``).
        loss: A function ``(y_true, y_pred) -> tensor``, a ``keras.losses.Loss`` instance, or a
            ``Loss`` subclass (made with no arguments for each trial; it needs ``get_config``
            if its ``__init__`` takes arguments). Leave it out to use a decorator.
        override: Replace another object already registered under ``name``.

    Returns:
        The loss (call form), or a decorator that registers and returns it.

    Raises:
        ConfigError: If the name is invalid or taken, or ``loss`` is not a loss.

    Example:
        >>> @register_loss("doc_abs")
        ... def absolute_error(y_true, y_pred):
        ...     return keras.ops.mean(keras.ops.abs(y_true - y_pred), axis=-1)
        >>> "doc_abs" in list_losses()
        True
    """
    if loss is None:
        return lambda value: register_loss(name, value, override=override)
    _check_loss(name, loss)
    _store(_LOSSES, "loss", name, loss, override)
    _register_with_keras(name, loss)
    return loss


def register_callback(name: str, callback: Any = None, *, override: bool = False) -> Any:
    """Registers a training callback under ``name``, as a decorator or as a plain call.

    Each trial gets its own callback: a ``keras.callbacks.Callback`` subclass or a function
    without arguments is called once per trial; an instance is shared by every trial of the
    process. Callbacks run after automl's validation scoring, so ``logs`` holds
    ``val_<metric>`` entries at each epoch end.

    Args:
        name: Name used in search spaces (``callbacks: {type: fixed, value: [name]}``).
        callback: A ``Callback`` subclass, a factory ``() -> Callback``, or an instance. Leave
            it out to use a decorator.
        override: Replace another object already registered under ``name``.

    Returns:
        The callback (call form), or a decorator that registers and returns it.

    Raises:
        ConfigError: If the name is invalid or taken, or ``callback`` is not a callback.

    Example:
        >>> @register_callback("doc_stop_at_two")
        ... class StopAtTwo(keras.callbacks.Callback):
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         self.model.stop_training = epoch >= 1
        >>> "doc_stop_at_two" in list_callbacks()
        True
    """
    if callback is None:
        return lambda value: register_callback(name, value, override=override)
    if not (isinstance(callback, keras.callbacks.Callback) or callable(callback)):
        raise ConfigError(f"Callback '{name}' must be a keras.callbacks.Callback subclass, "
                          f"instance or factory. Received: {callback!r}.")
    _store(_CALLBACKS, "callback", name, callback, override)
    return callback


def list_losses() -> list[str]:
    """Returns the registered loss names, sorted.

    Example:
        >>> isinstance(list_losses(), list)
        True
    """
    return sorted(_LOSSES)


def list_callbacks() -> list[str]:
    """Returns the registered callback names, sorted.

    Example:
        >>> isinstance(list_callbacks(), list)
        True
    """
    return sorted(_CALLBACKS)


def registered_name(kind: str, value: Any) -> str | None:
    """Returns the name under which ``value`` is registered as a ``"loss"`` or ``"callback"``.

    Example:
        >>> registered_name("loss", object()) is None
        True
    """
    table = _LOSSES if kind == "loss" else _CALLBACKS
    return next((name for name, item in table.items() if item is value), None)


def is_custom_loss(value: Any) -> bool:
    """True if ``value`` names a registered loss, is a reference, or is a loss object.

    Example:
        >>> is_custom_loss("mse"), is_custom_loss("my_module:focal")
        (False, True)
    """
    if isinstance(value, str):
        return value in _LOSSES or bool(_REFERENCE.match(value))
    return value is not None and (isinstance(value, keras.losses.Loss) or callable(value))


def get_loss(value: Any) -> Any:
    """Resolves a custom loss: a registered name, a ``"module:name"`` reference or an object.

    Args:
        value: The name, reference or object.

    Returns:
        A ``keras.losses.Loss`` instance or a loss function, ready for ``model.compile``.

    Raises:
        ConfigError: If the name is unknown or the reference cannot be imported.

    Example:
        >>> type(get_loss("keras.losses:Huber")).__name__
        'Huber'
    """
    if isinstance(value, str):
        if value in _LOSSES:
            loss = _LOSSES[value]
        elif _REFERENCE.match(value):
            loss = resolve_reference(value, "loss")
            _check_loss(value, loss)
            _register_with_keras(value, loss)
        else:
            raise ConfigError(f"Unknown loss {value!r}. Registered losses: {list_losses()}. "
                              "Register one with automl.register_loss(name, loss), or name a "
                              "top-level object as 'module:name'.")
    else:
        loss = value
        _check_loss(repr(value), loss)
    return loss() if isinstance(loss, type) else loss


def make_callbacks(values: Any) -> list[keras.callbacks.Callback]:
    """Makes the callbacks that a ``callbacks`` parameter names, fresh for one trial.

    Args:
        values: A name, a reference, an object, or a list of them; None or empty for none.

    Returns:
        The callbacks, in order.

    Raises:
        ConfigError: If a name is unknown, a reference cannot be imported, or a factory
            returns something that is not a ``keras.callbacks.Callback``.

    Example:
        >>> make_callbacks(["keras.callbacks:TerminateOnNaN"])[0].__class__.__name__
        'TerminateOnNaN'
    """
    if values is None:
        return []
    items = [values] if isinstance(values, str) or not isinstance(values, Iterable) else values
    return [_make_callback(item) for item in items]


def reference_of(value: Any) -> str | None:
    """Returns ``"module:qualified_name"`` if importing it gives back ``value``, else None.

    Such references work in worker processes. Objects made inside functions (closures,
    lambdas) and instances have none.

    Example:
        >>> reference_of(make_callbacks)
        'automl.registry:make_callbacks'
        >>> reference_of(lambda: 0) is None
        True
    """
    module, qualname = getattr(value, "__module__", None), getattr(value, "__qualname__", None)
    if not module or not qualname or "<" in qualname:
        return None
    reference = f"{module}:{qualname}"
    try:
        found = resolve_reference(reference, "object")
    except ConfigError:
        return None
    return reference if found is value else None


def resolve_reference(reference: str, kind: str) -> Any:
    """Imports the object that ``"module:qualified.name"`` names.

    In a worker process spawned from a script, ``__main__`` means the script (which
    multiprocessing re-imports as ``__mp_main__``).

    Args:
        reference: The reference.
        kind: What the object is for (``"loss"``, ``"callback"``), for the message.

    Returns:
        The object.

    Raises:
        ConfigError: If the module or the name cannot be found.

    Example:
        >>> resolve_reference("keras.losses:Huber", "loss").__name__
        'Huber'
    """
    module_name, _, qualname = reference.partition(":")
    if module_name == "__main__" and "__mp_main__" in sys.modules:
        module_name = "__mp_main__"
    try:
        target: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError) as error:
        raise ConfigError(f"Cannot find the {kind} {reference!r}: {error}. Expected a "
                          "top-level object of an importable module, as 'module:name'.") from None
    return target


def _make_callback(value: Any) -> keras.callbacks.Callback:
    item = value
    if isinstance(value, str):
        if value in _CALLBACKS:
            item = _CALLBACKS[value]
        elif _REFERENCE.match(value):
            item = resolve_reference(value, "callback")
        else:
            raise ConfigError(f"Unknown callback {value!r}. Registered callbacks: "
                              f"{list_callbacks()}. Register one with "
                              "automl.register_callback(name, callback), or name a top-level "
                              "object as 'module:name'.")
    made = item if isinstance(item, keras.callbacks.Callback) else _call_factory(value, item)
    return made


def _call_factory(name: Any, factory: Any) -> keras.callbacks.Callback:
    made = factory() if callable(factory) else factory
    if not isinstance(made, keras.callbacks.Callback):
        raise ConfigError(f"Callback {name!r} must give a keras.callbacks.Callback. "
                          f"Received: {type(made).__name__}.")
    return made


def _check_loss(name: str, loss: Any) -> None:
    is_class = isinstance(loss, type)
    if is_class and not issubclass(loss, keras.losses.Loss):
        raise ConfigError(f"Loss {name!r} must be a function (y_true, y_pred), a "
                          f"keras.losses.Loss instance or subclass. Received: {loss!r}.")
    if not is_class and not isinstance(loss, keras.losses.Loss) and not callable(loss):
        raise ConfigError(f"Loss {name!r} must be a function (y_true, y_pred), a "
                          f"keras.losses.Loss instance or subclass. Received: {loss!r}.")


def _store(table: dict[str, Any], kind: str, name: Any, value: Any, override: bool) -> None:
    if not isinstance(name, str) or not _NAME.match(name) or ":" in name:
        raise ConfigError(f"A {kind} name must be 1-100 letters, digits, '_', '.' or '-', "
                          f"starting with a letter or '_'. Received: {name!r}.")
    existing = table.get(name)
    if existing is not None and existing is not value and not override:
        raise ConfigError(f"A {kind} named '{name}' is already registered ({existing!r}). "
                          "Pass override=True to replace it.")
    table[name] = value


def _register_with_keras(name: str, loss: Any) -> None:
    """Lets Keras save and load models compiled with the loss (its function or class)."""
    target: Callable[..., Any] | type = loss if isinstance(loss, type) or not isinstance(
        loss, keras.losses.Loss) else type(loss)
    module = getattr(target, "__module__", "") or ""
    if module.startswith("keras"):
        return
    if keras.saving.get_registered_name(target) != getattr(target, "__name__", None):
        return  # registered already (by the user's own decorator, or by us)
    registered = f"{KERAS_PACKAGE}>{name}"
    if keras.saving.get_registered_object(registered) is None:
        keras.saving.register_keras_serializable(package=KERAS_PACKAGE, name=name)(target)
