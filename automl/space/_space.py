"""SearchSpace: named parameters and constants that sample a plain dict for a model builder."""

from __future__ import annotations

import copy
import hashlib
import json
import types
from collections.abc import Mapping
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any

from automl.space._conditions import CONTEXT_KEYS
from automl.space._conditions import check_conditions
from automl.space._conditions import condition_holds
from automl.space._errors import PYTHON_SOURCE
from automl.space._errors import invalid
from automl.space._errors import type_name
from automl.space._first import checked_first_trials
from automl.space._grid import enumerate_grid
from automl.space._params import Param
from automl.space._parse import parse_space
from automl.space._values import is_plain_data
from automl.space._values import to_plain

if TYPE_CHECKING:
    import optuna

_PARAM_CLASSES = "Int, Float, Categorical or Fixed"


class SearchSpace:
    """A search space: a model builder's name, its parameters and its constants.

    Parameters are sampled in declaration order; a parameter's ``when`` may refer to earlier
    parameters or to context keys (``task``). Spaces validate themselves when created.

    Args:
        builder: Name of the model builder that consumes the sampled dict; default ``"mlp"``.
        params: Parameter name -> :class:`Int`, :class:`Float`, :class:`Categorical` or
            :class:`Fixed`, in sampling order; default none.
        fixed: Constants merged into every sample (plain data); default none.
        first_trials: Points a new study tries before its sampler takes over: partial
            mappings of parameter names to valid values (the rest is sampled); default none.
        name: Optional display name (not part of the fingerprint).
        source: Where the space comes from (a file name), used in messages; default
            ``"<python>"``.
        description: Optional free text (not part of the fingerprint).

    Raises:
        SearchSpaceError: The space is empty, a name or value is invalid, or a condition
            refers to an unknown or later parameter or to an impossible value.

    Example:
        >>> import optuna
        >>> from automl.space import Categorical, Float
        >>> space = SearchSpace("mlp", {
        ...     "optimizer": Categorical(["adam", "sgd"]),
        ...     "momentum": Float(0.0, 0.9, step=0.45, when={"optimizer": "sgd"}),
        ... }, fixed={"epochs": 5})
        >>> space.sample(optuna.trial.FixedTrial({"optimizer": "adam"}))
        {'optimizer': 'adam', 'epochs': 5}
        >>> len(space.grid_points())
        4
    """

    def __init__(
        self,
        builder: str = "mlp",
        params: Mapping[str, Param] | None = None,
        fixed: Mapping[str, Any] | None = None,
        *,
        first_trials: Sequence[Mapping[str, Any]] | None = None,
        name: str | None = None,
        source: str | None = None,
        description: str | None = None,
    ) -> None:
        where = source or PYTHON_SOURCE
        self._source = source
        self._builder = _checked_builder(builder, where)
        self._params = types.MappingProxyType(_checked_params(params, where))
        self._fixed = types.MappingProxyType(_checked_fixed(fixed, self._params, where))
        if not self._params and not self._fixed:
            raise invalid(where, "params", "the space is empty. Give at least one entry under "
                          "`params` or `fixed`. Received: no params and no fixed values.")
        check_conditions(self._params, where)
        self._first_trials = checked_first_trials(
            list(first_trials) if isinstance(first_trials, tuple) else first_trials,
            self._params, where)
        self._name = _checked_text(name, "name", where)
        self._description = _checked_text(description, "description", where)

    @property
    def builder(self) -> str:
        """Name of the model builder, e.g. ``"mlp"``."""
        return self._builder

    @property
    def params(self) -> Mapping[str, Param]:
        """Read-only mapping of parameter names to parameters, in declaration order."""
        return self._params

    @property
    def fixed(self) -> Mapping[str, Any]:
        """Read-only mapping of the constants merged into every sample."""
        return self._fixed

    @property
    def first_trials(self) -> list[dict[str, Any]]:
        """Points a new study tries first (partial parameter mappings); often empty."""
        return copy.deepcopy(self._first_trials)

    @property
    def names(self) -> list[str]:
        """Parameter names in declaration order (the ``fixed`` keys are not included)."""
        return list(self._params)

    @property
    def name(self) -> str | None:
        """Display name, or None."""
        return self._name

    @property
    def description(self) -> str | None:
        """Free-text description, or None."""
        return self._description

    @property
    def source(self) -> str | None:
        """The file (or ``"<dict>"``) the space was read from, or None for Python objects."""
        return self._source

    def sample(
        self, trial: optuna.trial.BaseTrial, context: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Suggests the active parameters from ``trial`` and adds the constants.

        Args:
            trial: An Optuna trial (``Trial``, ``FixedTrial`` or ``FrozenTrial``).
            context: Context values for conditions, e.g. ``{"task": "regression"}``.

        Returns:
            A plain dict: active parameters in declaration order, then the ``fixed`` values.

        Raises:
            SearchSpaceError: A condition needs a context key missing from ``context``.

        Example:
            >>> import optuna
            >>> from automl.space import Categorical
            >>> space = SearchSpace(params={"loss": Categorical(["mse", "mae"],
            ...                                                 when={"task": "regression"})})
            >>> space.sample(optuna.trial.FixedTrial({"loss": "mae"}), {"task": "binary"})
            {}
        """
        values: dict[str, Any] = {}
        for name, param in self._params.items():
            if condition_holds(name, param, values, context or {}, self.where):
                values[name] = param.suggest(trial, name)
        return {**values, **copy.deepcopy(dict(self._fixed))}

    def is_active(
        self, name: str, values_so_far: Mapping[str, Any], context: Mapping[str, Any] | None = None
    ) -> bool:
        """Tells whether parameter ``name`` is sampled, given earlier values and the context.

        Args:
            name: A parameter name.
            values_so_far: Values of the earlier active parameters.
            context: Context values, e.g. ``{"task": "binary"}``.

        Returns:
            True when every key of the parameter's ``when`` matches.

        Raises:
            KeyError: ``name`` is not a parameter of this space.
            SearchSpaceError: A condition needs a context key missing from ``context``.

        Example:
            >>> from automl.space import Categorical, Float
            >>> space = SearchSpace(params={"opt": Categorical(["adam", "sgd"]),
            ...                             "momentum": Float(0.0, 0.9, when={"opt": "sgd"})})
            >>> space.is_active("momentum", {"opt": "adam"})
            False
        """
        if name not in self._params:
            raise KeyError(f"Unknown parameter {name!r}. Parameters: {self.names}.")
        return condition_holds(name, self._params[name], values_so_far, context or {},
                               self.where)

    def grid_points(self, context: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Returns every distinct combination of the active parameters (conditions resolved).

        ``Fixed`` parameters and the ``fixed`` constants are not in the points; replaying a
        point with ``optuna.trial.FixedTrial(point)`` through :meth:`sample` adds them.

        Args:
            context: Context values for conditions, e.g. ``{"task": "binary"}``.

        Returns:
            The points, each a dict of parameter values.

        Raises:
            SearchSpaceError: An active parameter is a float without ``step``, a condition needs
                a missing context key, or the grid has more than 100,000 points.

        Example:
            >>> from automl.space import Categorical
            >>> SearchSpace(params={"a": Categorical([1, 2])}).grid_points()
            [{'a': 1}, {'a': 2}]
        """
        return enumerate_grid(self._params, context or {}, self.where)

    def to_dict(self) -> dict[str, Any]:
        """Returns ``{"builder", "params", "fixed"}`` (and ``first_trials`` when there are any)
        as plain data (the YAML form).

        Example:
            >>> from automl.space import Int
            >>> SearchSpace(params={"n": Int(1, 4)}).to_dict()
            {'builder': 'mlp', 'params': {'n': {'type': 'int', 'low': 1, 'high': 4}}, 'fixed': {}}
        """
        params = {name: param.to_dict() for name, param in self._params.items()}
        data = {"builder": self._builder, "params": params,
                "fixed": copy.deepcopy(dict(self._fixed))}
        if self._first_trials:  # absent when empty: older fingerprints stay the same
            data["first_trials"] = copy.deepcopy(self._first_trials)
        return data

    def fingerprint(self) -> str:
        """Returns the SHA-256 hex digest of the canonical JSON of :meth:`to_dict`.

        Name, description and source do not count: equal spaces have equal fingerprints.

        Example:
            >>> from automl.space import Int
            >>> len(SearchSpace(params={"n": Int(1, 4)}).fingerprint())
            64
        """
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), allow_nan=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "<dict>") -> SearchSpace:
        """Builds a space from its plain-data form (what YAML or :meth:`to_dict` gives).

        Args:
            data: Mapping with ``builder``, ``params`` and optionally ``fixed``, ``name`` and
                ``description``.
            source: Name used in error messages; default ``"<dict>"``.

        Returns:
            The validated space.

        Raises:
            SearchSpaceError: The data is not a valid space; the message names the key path.

        Example:
            >>> space = SearchSpace.from_dict({"params": {"n": {"type": "int", "low": 1,
            ...                                                "high": 4}}})
            >>> space.names
            ['n']
        """
        return cls(**parse_space(data, source))

    @property
    def where(self) -> str:
        """The source used in messages: the file name, ``"<dict>"`` or ``"<python>"``."""
        return self._source or PYTHON_SOURCE

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SearchSpace):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(self.fingerprint())

    def __repr__(self) -> str:
        label = f"name={self._name!r}, " if self._name else ""
        return (f"SearchSpace({label}builder={self._builder!r}, params={self.names}, "
                f"fixed={dict(self._fixed)!r})")


def _checked_builder(builder: Any, where: str) -> str:
    if not isinstance(builder, str) or not builder.strip():
        raise invalid(where, "builder", "`builder` must be a non-empty string naming a model "
                      f"builder, such as 'mlp'. Received: {builder!r}.")
    return builder


def _checked_text(value: Any, key: str, where: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise invalid(where, key, f"`{key}` must be a string. Received: {value!r}.")
    return value


def _checked_name(name: Any, section: str, where: str) -> str:
    if not isinstance(name, str) or not name:
        raise invalid(where, section, "names must be non-empty strings. "
                      f"Received: {name!r} ({type_name(name)}).")
    if name in CONTEXT_KEYS:
        raise invalid(where, f"{section}.{name}", f"'{name}' is a context key (its value comes "
                      "from the data), so it cannot be a parameter. Remove or rename it.")
    return name


def _checked_params(params: Any, where: str) -> dict[str, Param]:
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise invalid(where, "params", "`params` must be a mapping of names to "
                      f"{_PARAM_CLASSES}. Received: {type_name(params)}.")
    for name, param in params.items():
        _checked_name(name, "params", where)
        if not isinstance(param, Param):
            raise invalid(where, f"params.{name}", f"expected {_PARAM_CLASSES}. "
                          f"Received: {param!r} ({type_name(param)}).")
    return dict(params)


def _checked_fixed(fixed: Any, params: Mapping[str, Param], where: str) -> dict[str, Any]:
    if fixed is None:
        return {}
    if not isinstance(fixed, Mapping):
        raise invalid(where, "fixed", "`fixed` must be a mapping of names to values. "
                      f"Received: {type_name(fixed)}.")
    for name, value in fixed.items():
        _checked_name(name, "fixed", where)
        if name in params:
            raise invalid(where, f"fixed.{name}", f"'{name}' is also a parameter under "
                          "`params`. Keep only one of them.")
        if not is_plain_data(value):
            raise invalid(where, f"fixed.{name}", "expected plain data (null, bool, number, "
                          f"string, list or mapping). Received: {value!r} ({type_name(value)}).")
    return to_plain(fixed)
