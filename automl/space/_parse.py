"""Plain data (YAML or ``to_dict``) -> the arguments of ``SearchSpace``, with key-path errors.

The entry keys mirror Optuna's ``suggest_*`` arguments and Hydra's ``DistributionConfig``:
``type`` (int | float | categorical | fixed), ``low``, ``high``, ``step``, ``log``, ``choices``,
``value``, plus ``when`` for conditions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from automl.space._errors import ParamError
from automl.space._errors import did_you_mean
from automl.space._errors import invalid
from automl.space._errors import type_name
from automl.space._params import Categorical
from automl.space._params import Fixed
from automl.space._params import Float
from automl.space._params import Int
from automl.space._params import Param

TOP_LEVEL_KEYS = ("name", "description", "builder", "params", "fixed", "first_trials")
PARAM_CLASSES: Mapping[str, type[Param]] = {
    "int": Int, "float": Float, "categorical": Categorical, "fixed": Fixed,
}
PARAM_KEYS: Mapping[str, tuple[str, ...]] = {
    "int": ("type", "low", "high", "step", "log", "when"),
    "float": ("type", "low", "high", "step", "log", "when"),
    "categorical": ("type", "choices", "when"),
    "fixed": ("type", "value", "when"),
}
REQUIRED_KEYS: Mapping[str, tuple[str, ...]] = {
    "int": ("low", "high"), "float": ("low", "high"), "categorical": ("choices",),
    "fixed": ("value",),
}
_EXAMPLE = "{type: int, low: 1, high: 8}"


def parse_space(data: Any, where: str) -> dict[str, Any]:
    """Checks the plain-data form of a space and returns ``SearchSpace`` keyword arguments.

    Args:
        data: The loaded YAML document or a dict from ``SearchSpace.to_dict``.
        where: File name or ``"<dict>"``, used in messages.

    Returns:
        Keyword arguments for ``SearchSpace(...)``, including ``source=where``.

    Raises:
        SearchSpaceError: The data is not a mapping, has unknown keys or an invalid parameter.

    Example:
        >>> kwargs = parse_space({"params": {"n": {"type": "int", "low": 1, "high": 4}}}, "x.yaml")
        >>> kwargs["params"]["n"]
        Int(low=1, high=4)
    """
    if not isinstance(data, Mapping):
        received = "an empty document" if data is None else f"{type_name(data)} {data!r:.60}"
        raise invalid(where, None, "expected a mapping with `builder` and `params`. "
                      f"Received: {received}.")
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            raise invalid(where, str(key), f"unknown top-level key '{key}'. Expected one of "
                          f"{list(TOP_LEVEL_KEYS)}.{did_you_mean(key, TOP_LEVEL_KEYS)}")
    return {
        "builder": data.get("builder", "mlp"),
        "params": _parse_params(data.get("params"), where),
        "fixed": data.get("fixed"),
        "first_trials": data.get("first_trials"),
        "name": data.get("name"),
        "description": data.get("description"),
        "source": where,
    }


def _parse_params(params: Any, where: str) -> dict[Any, Param] | None:
    if params is None:
        return None
    if not isinstance(params, Mapping):
        raise invalid(where, "params", f"`params` must be a mapping of names to entries such "
                      f"as {_EXAMPLE}. Received: {type_name(params)}.")
    return {name: parse_param(entry, where, f"params.{name}") for name, entry in params.items()}


def parse_param(entry: Any, where: str, path: str) -> Param:
    """Builds one parameter from its mapping, reporting errors at ``path`` inside ``where``.

    Args:
        entry: A mapping such as ``{"type": "float", "low": 0.0, "high": 0.5}``.
        where: File name or ``"<dict>"``.
        path: Key path of the entry, e.g. ``"params.units"``.

    Returns:
        The parameter object.

    Raises:
        SearchSpaceError: The entry is not a mapping, lacks or misspells a key, or is invalid.

    Example:
        >>> parse_param({"type": "categorical", "choices": ["a", "b"]}, "x.yaml", "params.c")
        Categorical(choices=['a', 'b'])
    """
    if not isinstance(entry, Mapping):
        raise invalid(where, path, f"expected a mapping such as {_EXAMPLE}. "
                      f"Received: {entry!r} ({type_name(entry)}).")
    kind = _param_type(entry, where, path)
    _check_keys(entry, kind, where, path)
    arguments = {str(key): value for key, value in entry.items() if key != "type"}
    try:
        return PARAM_CLASSES[kind](**arguments)
    except ParamError as error:
        raise error.relocate(where, path) from None


def _param_type(entry: Mapping[Any, Any], where: str, path: str) -> str:
    kinds = list(PARAM_CLASSES)
    if "type" not in entry:
        raise invalid(where, path, f"missing `type`. Expected one of {kinds}. "
                      f"Received keys: {list(entry)}.")
    kind = entry["type"]
    if not isinstance(kind, str) or kind not in PARAM_CLASSES:
        raise invalid(where, f"{path}.type", f"unknown `type` {kind!r}. Expected one of "
                      f"{kinds}.{did_you_mean(kind, kinds)}")
    return kind


def _check_keys(entry: Mapping[Any, Any], kind: str, where: str, path: str) -> None:
    allowed = PARAM_KEYS[kind]
    for key in entry:
        if key not in allowed:
            raise invalid(where, f"{path}.{key}", f"unknown key '{key}' for {_article(kind)} "
                          f"parameter. Expected one of {list(allowed)}."
                          f"{did_you_mean(key, allowed)}")
    for key in REQUIRED_KEYS[kind]:
        if key not in entry:
            raise invalid(where, path, f"missing `{key}` for {_article(kind)} parameter. "
                          f"Received keys: {list(entry)}.")


def _article(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"
