"""Conditions (``when:``) of search-space parameters: validation and evaluation.

A condition maps keys to allowed values; every key must match (AND). A key is an earlier
parameter or a context key. The only context key is ``task``, whose values come from the data.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Any

from automl.exceptions import SearchSpaceError
from automl.space._errors import did_you_mean
from automl.space._errors import invalid
from automl.space._params import Categorical
from automl.space._params import Fixed
from automl.space._params import Param
from automl.space._values import same_value

CONTEXT_KEYS: Mapping[str, tuple[str, ...]] = types.MappingProxyType(
    {"task": ("binary", "multiclass", "regression")}
)
_ABSENT = object()


class MissingContextError(SearchSpaceError):
    """A condition needs a context key that the caller did not give.

    Args:
        message: The full message.
        key: The missing context key.
    """

    def __init__(self, message: str, key: str) -> None:
        super().__init__(message)
        self.key = key


def condition_holds(
    name: str, param: Param, values: Mapping[str, Any], context: Mapping[str, Any], where: str
) -> bool:
    """Tells whether ``param`` is active given the values sampled so far and the context.

    Args:
        name: The parameter's name (for messages).
        param: The parameter.
        values: Values of the earlier active parameters; an absent key never matches.
        context: Context values such as ``{"task": "binary"}``.
        where: The space's source, for messages.

    Returns:
        True when every key of ``param.when`` matches (or there is no condition).

    Raises:
        MissingContextError: A condition needs a context key absent from ``context``.
    """
    for key, allowed in (param.when or {}).items():
        if key in CONTEXT_KEYS and key not in context:
            raise MissingContextError(
                f"Parameter '{name}' of search space '{where}' depends on the context key "
                f"'{key}', but the context has no '{key}'. Pass context={{'{key}': ...}}.",
                key,
            )
        current = context[key] if key in CONTEXT_KEYS else values.get(key, _ABSENT)
        if not any(same_value(current, option) for option in allowed):
            return False
    return True


def check_conditions(params: Mapping[str, Param], where: str) -> None:
    """Checks that every ``when`` refers to an earlier parameter or a context key, with values
    that parameter can take.

    Args:
        params: The parameters, in declaration order.
        where: The space's source, for messages.

    Raises:
        SearchSpaceError: A condition names an unknown or later key, or an impossible value.
    """
    earlier: dict[str, Param] = {}
    for name, param in params.items():
        for key, allowed in (param.when or {}).items():
            path = f"params.{name}.when.{key}"
            _check_key(name, key, earlier, params, where, path)
            _check_values(key, allowed, earlier.get(key), where, path)
        earlier[name] = param


def _check_key(
    name: str, key: str, earlier: Mapping[str, Param], params: Mapping[str, Param],
    where: str, path: str,
) -> None:
    if key in CONTEXT_KEYS or key in earlier:
        return
    if key == name:
        raise invalid(where, path, f"'{name}' cannot depend on itself.")
    if key in params:
        raise invalid(where, path, f"`when` refers to '{key}', which is declared after "
                      f"'{name}'. Declare '{key}' before '{name}'.")
    options = [*earlier, *CONTEXT_KEYS]
    raise invalid(where, path, f"unknown `when` key '{key}'. Expected an earlier parameter or "
                  f"a context key, one of {options}.{did_you_mean(key, options)}")


def _check_values(
    key: str, allowed: tuple[Any, ...], target: Param | None, where: str, path: str
) -> None:
    for value in allowed:
        expected = _expected_values(key, value, target)
        if expected is not None:
            raise invalid(where, path, f"value {value!r} can never match '{key}'. Expected "
                          f"{expected}. Received: {value!r}.")


def _expected_values(key: str, value: Any, target: Param | None) -> str | None:
    """Returns a description of what ``key`` can be when ``value`` is impossible, else None."""
    if target is None:
        options = list(CONTEXT_KEYS[key])
        return None if value in options else f"one of {options}"
    if isinstance(target, Categorical):
        options = list(target.choices)
        return None if any(same_value(value, o) for o in options) else f"one of {options}"
    if isinstance(target, Fixed):
        return None if same_value(value, target.value) else repr(target.value)
    in_range = (not isinstance(value, (bool, str, type(None)))
                and target.low <= value <= target.high)
    return None if in_range else f"a number from {target.low!r} to {target.high!r}"
