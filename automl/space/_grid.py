"""Grid enumeration of a search space, with conditions resolved.

A parameter whose condition is false in a combination is left out of it, so inactive parameters
never multiply the number of points. ``Fixed`` parameters steer conditions but are not part of
the points (``SearchSpace.sample`` adds them back).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from automl.exceptions import SearchSpaceError
from automl.space._conditions import CONTEXT_KEYS
from automl.space._conditions import MissingContextError
from automl.space._conditions import condition_holds
from automl.space._params import Categorical
from automl.space._params import Fixed
from automl.space._params import Param
from automl.space._values import same_value

MAX_GRID_POINTS = 100_000


class _GridWalk:
    """State of one enumeration: the partial points and what blocked a finite grid."""

    def __init__(
        self, params: Mapping[str, Param], context: Mapping[str, Any], where: str
    ) -> None:
        self.params = params
        self.context = context
        self.where = where
        self.points: list[dict[str, Any]] = [{}]
        self.continuous: list[str] = []
        self.missing_context: MissingContextError | None = None

    def extend(self, name: str, param: Param) -> None:
        """Adds ``param`` to every partial point where it is active."""
        extended: list[dict[str, Any]] = []
        for point in self.points:
            values = self._values_if_active(name, param, point)
            if values is None:
                extended.append(point)
                continue
            if len(extended) + len(values) > MAX_GRID_POINTS:
                raise self._too_many_error(name)
            extended.extend({**point, name: value} for value in values)
        self.points = extended

    def _values_if_active(
        self, name: str, param: Param, point: Mapping[str, Any]
    ) -> list[Any] | None:
        try:
            active = condition_holds(name, param, point, self.context, self.where)
        except MissingContextError as error:
            self.missing_context = self.missing_context or error
            return None
        if not active:
            return None
        count = param.grid_count()
        if count is None:
            if name not in self.continuous:
                self.continuous.append(name)
            return None
        if count > MAX_GRID_POINTS:
            raise self._too_many_error(name)
        return list(param.grid_values())

    def _too_many_error(self, name: str) -> SearchSpaceError:
        self.continuous = self.continuous or _reachable_continuous(self.params, self.context)
        if self.continuous:
            return self.continuous_error()
        return SearchSpaceError(
            f"Grid search over search space '{self.where}' needs more than "
            f"{MAX_GRID_POINTS:,} points (exceeded at parameter '{name}'). Give parameters "
            "coarser steps or fewer choices, or use another sampler."
        )

    def continuous_error(self) -> SearchSpaceError:
        """Returns the error naming the continuous parameters met so far."""
        names = self.continuous
        quoted = ", ".join(f"'{n}'" for n in names[:-1])
        quoted = f"{quoted} and '{names[-1]}'" if quoted else f"'{names[-1]}'"
        several = len(names) > 1
        what, them = ("are continuous floats", "them") if several else ("is a continuous float",
                                                                         "it")
        return SearchSpaceError(
            f"Grid search needs a finite search space, but {quoted} in '{self.where}' {what}. "
            f"Give {them} a `step`, make {them} categorical, or use another sampler."
        )


def enumerate_grid(
    params: Mapping[str, Param], context: Mapping[str, Any], where: str
) -> list[dict[str, Any]]:
    """Returns every distinct combination of the active parameters' values.

    Args:
        params: The parameters, in declaration order.
        context: Context values such as ``{"task": "binary"}``.
        where: The space's source, for messages.

    Returns:
        The points, each a dict of the active non-fixed parameters.

    Raises:
        SearchSpaceError: An active parameter is continuous, a condition needs a missing
            context key, or there are more than 100,000 points.
    """
    walk = _GridWalk(params, context, where)
    for name, param in params.items():
        walk.extend(name, param)
    if walk.continuous:
        raise walk.continuous_error()
    if walk.missing_context is not None:
        raise walk.missing_context
    fixed_names = {name for name, param in params.items() if isinstance(param, Fixed)}
    return [{k: v for k, v in point.items() if k not in fixed_names} for point in walk.points]


def _reachable_continuous(params: Mapping[str, Param], context: Mapping[str, Any]) -> list[str]:
    """Returns the continuous parameters that some combination could make active.

    Used when the grid overflows before the walk reached them, so that the message names the
    real obstacle. Values of different parameters are independent, so a condition can match
    when each of its keys may take an allowed value.
    """
    possible: dict[str, tuple[Any, ...] | None] = {}
    continuous: list[str] = []
    for name, param in params.items():
        if not _may_be_active(param, possible, context):
            continue
        if param.grid_count() is None:
            continuous.append(name)
        finite = isinstance(param, (Categorical, Fixed))
        possible[name] = tuple(param.grid_values()) if finite else None
    return continuous


def _may_be_active(
    param: Param, possible: Mapping[str, tuple[Any, ...] | None], context: Mapping[str, Any]
) -> bool:
    for key, allowed in (param.when or {}).items():
        if key in CONTEXT_KEYS:
            values = (context[key],) if key in context else None
        elif key in possible:
            values = possible[key]
        else:
            return False
        if values is not None and not any(same_value(v, a) for v in values for a in allowed):
            return False
    return True
