"""Search-space parameters mirroring Optuna's ``suggest_*``: Int, Float, Categorical, Fixed.

Each parameter validates itself when created and knows how to ``suggest`` a value from an Optuna
trial, how to list its values for grid search and how to write itself as a plain dict (the YAML
form, as in Hydra's Optuna sweeper ``DistributionConfig``).
"""

from __future__ import annotations

import dataclasses
import decimal
import math
import numbers
import types
from collections.abc import Mapping
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any
from typing import ClassVar
from typing import NoReturn

from automl.space._errors import ParamError
from automl.space._errors import type_name
from automl.space._values import is_plain_data
from automl.space._values import is_scalar
from automl.space._values import parse_number_string
from automl.space._values import to_plain

if TYPE_CHECKING:
    import optuna


class Param:
    """Base class of search-space parameters; ``when`` makes a parameter conditional.

    ``when`` maps an earlier parameter or a context key (``task``) to a value or a list of
    values; the parameter is sampled only when every key matches.

    Example:
        >>> param = Categorical(["mse", "mae"], when={"task": "regression"})
        >>> isinstance(param, Param), param.to_dict()["when"]
        (True, {'task': 'regression'})
    """

    when: Mapping[str, tuple[Any, ...]] | None

    def suggest(self, trial: optuna.trial.BaseTrial, name: str) -> Any:
        """Returns a value for this parameter from ``trial``, registered under ``name``."""
        raise NotImplementedError

    def grid_count(self) -> int | None:
        """Returns how many values grid search enumerates, or None for a continuous range."""
        raise NotImplementedError

    def grid_values(self) -> Sequence[Any]:
        """Returns the values grid search enumerates (only when :meth:`grid_count` is finite)."""
        raise NotImplementedError

    def _fields_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """Returns the YAML form, e.g. ``{"type": "int", "low": 1, "high": 4}`` (no defaults)."""
        values = {"type": type(self).__name__.lower(), **self._fields_dict()}
        if self.when is not None:
            values["when"] = {k: v[0] if len(v) == 1 else list(v) for k, v in self.when.items()}
        return values

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items() if k != "type")
        return f"{type(self).__name__}({fields})"

    def _fail(self, key: str, detail: str) -> NoReturn:
        raise ParamError(type(self).__name__, key, detail)

    def _set(self, field: str, value: Any) -> None:
        object.__setattr__(self, field, value)

    def _number(self, key: str, value: Any, *, integer: bool) -> int | float:
        expected = "an integer" if integer else "a number"
        if isinstance(value, str):
            value = parse_number_string(value)
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            self._fail(key, f"`{key}` must be {expected}. Received: {value!r}.")
        if not math.isfinite(value):
            self._fail(key, f"`{key}` must be a finite number. Received: {value!r}.")
        if integer and not float(value).is_integer():
            self._fail(key, f"`{key}` must be an integer. Received: {value!r}.")
        return int(value) if integer else float(value)

    def _flag(self, key: str, value: Any) -> bool:
        if not isinstance(value, bool):
            self._fail(key, f"`{key}` must be true or false. Received: {value!r}.")
        return value

    def _normalize_when(self) -> None:
        when = self.when
        if when is None:
            return
        if not isinstance(when, Mapping) or not when:
            self._fail("when", "`when` must be a non-empty mapping of an earlier parameter or a "
                       f"context key to a value or a list of values. Received: {when!r}.")
        normalized = {self._when_key(key): self._when_values(key, v) for key, v in when.items()}
        self._set("when", types.MappingProxyType(normalized))

    def _when_key(self, key: Any) -> str:
        if not isinstance(key, str) or not key:
            self._fail("when", f"`when` keys must be parameter names. Received: {key!r}.")
        return key

    def _when_values(self, key: str, values: Any) -> tuple[Any, ...]:
        values = list(values) if isinstance(values, (list, tuple)) else [values]
        if not values or not all(is_scalar(v) for v in values):
            self._fail(f"when.{key}", "`when` values must be a scalar or a non-empty list of "
                       f"scalars (null, bool, int, float or str). Received: {values!r}.")
        return tuple(values)


class _Numeric(Param):
    """Shared checks of Int and Float: range, log scale and step."""

    _DEFAULT_STEP: ClassVar[Any] = None
    low: Any
    high: Any
    step: Any
    log: bool

    def _validate_numeric(self, *, integer: bool) -> None:
        self._set("low", self._number("low", self.low, integer=integer))
        self._set("high", self._number("high", self.high, integer=integer))
        if self.step is None:
            self._set("step", self._DEFAULT_STEP)
        else:
            self._set("step", self._number("step", self.step, integer=integer))
        self._set("log", self._flag("log", self.log))
        received = f"Received: low={self.low!r}, high={self.high!r}"
        if self.low > self.high:
            self._fail("", f"`low` must be <= `high`. {received}.")
        if self.step is not None and self.step <= 0:
            self._fail("step", f"`step` must be > 0. Received: step={self.step!r}.")
        self._check_log(received)
        self._check_step_fits(received)

    def _check_log(self, received: str) -> None:
        if self.log and self.low <= 0:
            self._fail("", f"`low` must be > 0 when `log` is true. {received}, log=True.")
        if self.log and self.step != self._DEFAULT_STEP:
            self._fail("", "`step` cannot be used with `log: true` (Optuna refuses it); "
                       f"remove one of them. Received: step={self.step!r}, log=True.")

    def _check_step_fits(self, received: str) -> None:
        if self.step is None:
            return
        if (_decimal(self.high) - _decimal(self.low)) % _decimal(self.step) != 0:
            self._fail("", f"`high - low` must be a multiple of `step`. {received}, "
                       f"step={self.step!r}.")

    def _fields_dict(self) -> dict[str, Any]:
        values: dict[str, Any] = {"low": self.low, "high": self.high}
        if self.step != self._DEFAULT_STEP:
            values["step"] = self.step
        if self.log:
            values["log"] = True
        return values


@dataclasses.dataclass(frozen=True, eq=True, repr=False)
class Int(_Numeric):
    """An integer from ``low`` to ``high`` inclusive, as ``trial.suggest_int``.

    Args:
        low: Smallest value.
        high: Largest value (``high - low`` must be a multiple of ``step``).
        step: Spacing of the values; default 1. Must stay 1 when ``log`` is true.
        log: Sample on a log scale (needs ``low > 0``); default False.
        when: Condition, e.g. ``{"optimizer": "sgd"}``; default None (always sampled).

    Raises:
        SearchSpaceError: The range, step or condition is invalid.

    Example:
        >>> Int(16, 256, log=True)
        Int(low=16, high=256, log=True)
    """

    _DEFAULT_STEP = 1
    low: int
    high: int
    _: dataclasses.KW_ONLY
    step: int = 1
    log: bool = False
    when: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        self._validate_numeric(integer=True)
        self._normalize_when()

    def suggest(self, trial: optuna.trial.BaseTrial, name: str) -> int:
        """Returns ``trial.suggest_int(name=..., low=..., high=..., step=..., log=...)``."""
        return trial.suggest_int(name=name, low=self.low, high=self.high, step=self.step,
                                 log=self.log)

    def grid_count(self) -> int:
        """Returns the number of values from ``low`` to ``high`` by ``step``."""
        return (self.high - self.low) // self.step + 1

    def grid_values(self) -> Sequence[int]:
        """Returns ``range(low, high + 1, step)``."""
        return range(self.low, self.high + 1, self.step)


@dataclasses.dataclass(frozen=True, eq=True, repr=False)
class Float(_Numeric):
    """A float from ``low`` to ``high`` inclusive, as ``trial.suggest_float``.

    Args:
        low: Smallest value.
        high: Largest value (``high - low`` must be a multiple of ``step`` when given).
        step: Spacing of the values; default None (continuous). Not allowed with ``log``.
        log: Sample on a log scale (needs ``low > 0``); default False.
        when: Condition, e.g. ``{"regularization": ["l1", "l1_l2"]}``; default None.

    Raises:
        SearchSpaceError: The range, step or condition is invalid.

    Example:
        >>> Float(0.0, 0.5, step=0.05)
        Float(low=0.0, high=0.5, step=0.05)
    """

    low: float
    high: float
    _: dataclasses.KW_ONLY
    step: float | None = None
    log: bool = False
    when: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        self._validate_numeric(integer=False)
        self._normalize_when()

    def suggest(self, trial: optuna.trial.BaseTrial, name: str) -> float:
        """Returns ``trial.suggest_float(name=..., low=..., high=..., step=..., log=...)``."""
        return trial.suggest_float(name=name, low=self.low, high=self.high, step=self.step,
                                   log=self.log)

    def grid_count(self) -> int | None:
        """Returns the number of steps from ``low`` to ``high``, or None without a step."""
        if self.low == self.high:
            return 1
        if self.step is None:
            return None
        return int((_decimal(self.high) - _decimal(self.low)) / _decimal(self.step)) + 1

    def grid_values(self) -> list[float]:
        """Returns ``low, low + step, ..., high``, computed in decimal so 0.15 stays 0.15."""
        if self.step is None:
            return [self.low]
        low, step = _decimal(self.low), _decimal(self.step)
        return [float(low + i * step) for i in range(self.grid_count())]


def _decimal(value: float) -> decimal.Decimal:
    return decimal.Decimal(repr(value))


@dataclasses.dataclass(frozen=True, eq=True, repr=False)
class Categorical(Param):
    """One of a list of choices, as ``trial.suggest_categorical``.

    Args:
        choices: Distinct values, each None, bool, int, float or str.
        when: Condition, e.g. ``{"task": "regression"}``; default None.

    Raises:
        SearchSpaceError: The choices are empty, repeated or not scalars.

    Example:
        >>> Categorical(["adam", "sgd"])
        Categorical(choices=['adam', 'sgd'])
    """

    choices: Sequence[Any]
    _: dataclasses.KW_ONLY
    when: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        choices = self.choices
        if isinstance(choices, (str, bytes, Mapping)) or not isinstance(choices, Sequence):
            self._fail("choices", f"`choices` must be a list. Received: {choices!r}.")
        if not choices:
            self._fail("choices", "`choices` must not be empty. Received: [].")
        self._check_choice_values(list(choices))
        self._set("choices", tuple(choices))
        self._normalize_when()

    def _check_choice_values(self, choices: list[Any]) -> None:
        bad = [c for c in choices if not is_scalar(c) or (isinstance(c, float) and math.isnan(c))]
        if bad:
            self._fail("choices", "each choice must be null, a bool, an int, a float or a "
                       f"string. Received: {bad[0]!r} ({type_name(bad[0])}).")
        repeated = [c for i, c in enumerate(choices) if c in choices[:i]]
        if repeated:
            self._fail("choices", "`choices` must be distinct (Optuna compares them with ==, so "
                       f"1, 1.0 and true are the same). Repeated: {repeated!r}. "
                       f"Received: {choices!r}.")

    def suggest(self, trial: optuna.trial.BaseTrial, name: str) -> Any:
        """Returns ``trial.suggest_categorical(name=..., choices=...)``."""
        return trial.suggest_categorical(name=name, choices=list(self.choices))

    def grid_count(self) -> int:
        """Returns the number of choices."""
        return len(self.choices)

    def grid_values(self) -> Sequence[Any]:
        """Returns the choices."""
        return self.choices

    def _fields_dict(self) -> dict[str, Any]:
        return {"choices": list(self.choices)}


@dataclasses.dataclass(frozen=True, eq=True, repr=False)
class Fixed(Param):
    """A constant, optionally conditional; it is never suggested to Optuna.

    Args:
        value: JSON-ready data (scalar, list or string-keyed mapping).
        when: Condition, e.g. ``{"optimizer": "sgd"}``; default None.

    Raises:
        SearchSpaceError: The value is not plain data.

    Example:
        >>> Fixed(3)
        Fixed(value=3)
    """

    value: Any
    _: dataclasses.KW_ONLY
    when: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if not is_plain_data(self.value):
            self._fail("value", "`value` must be plain data (null, bool, number, string, list or "
                       f"mapping). Received: {self.value!r} ({type_name(self.value)}).")
        self._set("value", to_plain(self.value))
        self._normalize_when()

    def suggest(self, trial: optuna.trial.BaseTrial, name: str) -> Any:
        """Returns the value; the trial is not asked."""
        return self.value

    def grid_count(self) -> int:
        """Returns 1."""
        return 1

    def grid_values(self) -> Sequence[Any]:
        """Returns the one value."""
        return (self.value,)

    def _fields_dict(self) -> dict[str, Any]:
        return {"value": self.value}
