"""Custom code given to :func:`automl.search`: modules to import, a define-by-run function,
losses, metrics and callbacks, turned into plain names that worker processes can resolve.

Objects are never pickled: a top-level object becomes a ``"module:name"`` reference, a
registered one keeps its name (its module is imported in the workers), and anything else is
only accepted when trials run in this process (``n_workers=0``).
"""

from __future__ import annotations

import dataclasses
import importlib
import itertools
from collections.abc import Sequence
from typing import Any

from automl.exceptions import ConfigError

_LOCAL_NAMES = itertools.count()


@dataclasses.dataclass(frozen=True)
class PreparedSpace:
    """A search space with the requested loss and callbacks fixed, and the modules they need.

    Attributes:
        space: The space to search (None for a define-by-run function).
        modules: Modules the workers must import for the custom objects.
    """

    space: Any
    modules: list[str]


def import_modules(modules: Sequence[str]) -> list[str]:
    """Imports each module (so its registrations run here) and returns the names.

    Raises:
        ConfigError: If ``modules`` is not a list of names or one cannot be imported.

    Example:
        >>> import_modules(["json"])
        ['json']
    """
    if isinstance(modules, str) or not all(isinstance(m, str) for m in modules):
        raise ConfigError("`imports` must be a list of module names such as ['my_builders']. "
                          f"Received: {modules!r}.")
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as error:
            raise ConfigError(f"Cannot import module {module!r} named in `imports`: {error}. "
                              "Expected a module on the Python path.") from None
    return list(modules)


def metric_name(metric: Any) -> tuple[str | None, list[str]]:
    """Returns the objective's name and the module that registers it, if custom.

    Raises:
        ConfigError: If ``metric`` is neither a name nor a registered :class:`Metric`.

    Example:
        >>> metric_name("rmse")
        ('rmse', [])
    """
    from automl import metrics

    if metric is None or isinstance(metric, str):
        return metric, []
    if isinstance(metric, metrics.Metric) and metrics.METRICS.get(metric.name) is metric:
        function = getattr(metric.function, "function", metric.function)
        return metric.name, _modules_of([function])
    raise ConfigError("Invalid `metric`: expected a metric name or the Metric that "
                      f"automl.register_metric returned. Received: {metric!r}.")


def model_fn_reference(model_fn: Any) -> str | None:
    """Returns the ``"module:name"`` of a define-by-run function (checked to import).

    Raises:
        ConfigError: If the function is not a top-level object that can be imported by name.

    Example:
        >>> model_fn_reference("json:dumps")
        'json:dumps'
    """
    from automl import registry

    if model_fn is None:
        return None
    if isinstance(model_fn, str):
        registry.resolve_reference(model_fn, "model function")
        return model_fn
    reference = registry.reference_of(model_fn)
    if not callable(model_fn) or reference is None:
        raise ConfigError(f"The model function {model_fn!r} must be a top-level function of a "
                          "module or script (trials import it by name, also in worker "
                          "processes). Received a lambda, a nested function or an object.")
    return reference


def prepare_space(space: Any, model_fn: str | None, *, n_workers: int, loss: Any,
                  callbacks: Sequence[Any]) -> PreparedSpace:
    """Checks the builder and custom losses and callbacks, and fixes ``loss``/``callbacks``.

    Raises:
        SearchSpaceError: If the space names an unknown builder.
        ConfigError: If a loss or callback cannot be found or cannot reach the workers, or
            ``loss``/``callbacks`` are given with a define-by-run function.
    """
    if model_fn is not None:
        if space is not None:
            raise ConfigError("Give either a search space or a model function (define-by-run), "
                              f"not both. Received: space={space!r}, model_fn={model_fn!r}.")
        if loss is not None or callbacks:
            raise ConfigError("`loss` and `callbacks` apply to a search space; a define-by-run "
                              "function compiles its own model (and may set its own loss). "
                              "Received a model function with loss or callbacks.")
        return PreparedSpace(None, [])
    from automl._quiet import import_keras

    import_keras()
    from automl import models

    models.get_builder(space.builder)
    extra, objects = {}, []
    if loss is not None:
        extra["loss"] = _object_name("loss", loss, n_workers)
        objects.append(loss)
    if callbacks:
        items = [callbacks] if isinstance(callbacks, str) else list(callbacks)
        extra["callbacks"] = [_object_name("callback", item, n_workers) for item in items]
        objects.extend(items)
    space = _with_fixed(space, extra)
    _check_custom_values(space)
    return PreparedSpace(space, _modules_of([o for o in objects if not isinstance(o, str)]))


def _object_name(kind: str, value: Any, n_workers: int) -> str:
    """A name for a loss or callback that the trials can resolve."""
    from automl import registry

    if isinstance(value, str):
        return value
    name = registry.registered_name(kind, value)
    if name is not None:
        return name
    reference = registry.reference_of(value)
    if reference is not None:
        return reference
    if n_workers > 0:
        raise ConfigError(
            f"The {kind} {value!r} cannot reach worker processes: it is not a top-level object "
            f"of a module. Register it at the top level of a module with "
            f"automl.register_{kind}(name, {kind}) and pass imports=[module], or use "
            "n_workers=0.")
    register = registry.register_loss if kind == "loss" else registry.register_callback
    name = f"local_{kind}_{next(_LOCAL_NAMES)}"
    register(name, value)
    return name


def _with_fixed(space: Any, extra: dict[str, Any]) -> Any:
    if not extra:
        return space
    from automl.space import SearchSpace

    data = space.to_dict()
    params = {name: entry for name, entry in data["params"].items() if name not in extra}
    fixed = {**data["fixed"], **extra}
    named = {"name": space.name, "description": space.description}
    first = [{k: v for k, v in point.items() if k in params}
             for point in data.pop("first_trials", [])]
    if any(first):
        data["first_trials"] = [point for point in first if point]
    return SearchSpace.from_dict({**data, "params": params, "fixed": fixed,
                                  **{k: v for k, v in named.items() if v is not None}},
                                 source=space.where)


def _check_custom_values(space: Any) -> None:
    """Resolves custom losses and callbacks named in the space (here, before any trial)."""
    from automl import registry

    for value in _possible_values(space, "loss"):
        if registry.is_custom_loss(value):
            registry.get_loss(value)
    for value in _possible_values(space, "callbacks"):
        registry.make_callbacks(value)


def _possible_values(space: Any, name: str) -> list[Any]:
    if name in space.fixed:
        return [space.fixed[name]]
    if name not in space.params:
        return []
    entry = space.params[name].to_dict()
    return list(entry.get("choices", [])) + ([entry["value"]] if "value" in entry else [])


def _modules_of(objects: list[Any]) -> list[str]:
    modules = []
    for item in objects:
        module = getattr(item, "__module__", None) or type(item).__module__
        if module and module != "builtins" and not module.startswith("keras"):
            modules.append(module)
    return list(dict.fromkeys(modules))
