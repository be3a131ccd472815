"""``first_trials``: points of a space that a new study tries before its sampler takes over.

A random or Bayesian sampler starts with a few random trials; on a small budget a known-good
configuration tried first (as AutoKeras does) is worth more. Each point is a partial mapping of
parameter names to values; parameters it leaves out are sampled as usual.

Example:
    >>> from automl.space import Categorical, Int
    >>> params = {"n": Int(1, 4), "act": Categorical(["relu", "tanh"])}
    >>> checked_first_trials([{"n": 2}], params, "x.yaml")
    [{'n': 2}]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from automl.space._errors import did_you_mean
from automl.space._errors import invalid
from automl.space._errors import type_name
from automl.space._params import Param
from automl.space._values import to_plain

__all__ = ["checked_first_trials", "accepts"]


def accepts(param: Param, value: Any) -> bool:
    """Tells whether ``value`` is one ``param`` can take (range, step ignored, or choices).

    Example:
        >>> from automl.space import Float
        >>> accepts(Float(0.0, 1.0), 0.5), accepts(Float(0.0, 1.0), 2.0)
        (True, False)
    """
    spec = param.to_dict()
    kind = spec["type"]
    if kind == "categorical":
        return any(value == choice and isinstance(value, bool) == isinstance(choice, bool)
                   for choice in spec["choices"])
    if kind == "fixed":
        return value == spec["value"]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if kind == "int" and not float(value).is_integer():
        return False
    return spec["low"] <= value <= spec["high"]


def checked_first_trials(points: Any, params: Mapping[str, Param], where: str
                         ) -> list[dict[str, Any]]:
    """Validates ``first_trials``: a list of mappings of declared parameters to valid values.

    Args:
        points: The ``first_trials`` entry (None for none).
        params: The space's parameters.
        where: File name or source, for messages.

    Returns:
        The points as plain data.

    Raises:
        SearchSpaceError: Naming the point and key that are wrong.
    """
    if points is None:
        return []
    if not isinstance(points, list):
        raise invalid(where, "first_trials", "`first_trials` must be a list of mappings of "
                      f"parameter names to values. Received: {type_name(points)}.")
    for position, point in enumerate(points):
        path = f"first_trials[{position}]"
        if not isinstance(point, Mapping) or not point:
            raise invalid(where, path, "expected a non-empty mapping of parameter names to "
                          f"values. Received: {point!r:.60}.")
        for name, value in point.items():
            if name not in params:
                raise invalid(where, f"{path}.{name}", f"'{name}' is not a parameter of the "
                              f"space. Expected one of {list(params)}."
                              f"{did_you_mean(str(name), list(params))}")
            if not accepts(params[name], value):
                raise invalid(where, f"{path}.{name}", f"{value!r} is not a value of "
                              f"parameter '{name}' ({params[name].to_dict()}).")
    return to_plain(points)
