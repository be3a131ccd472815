"""Exceptions raised by automl.

The tree is small and closed:

* :class:`UserInputError` and its subclasses describe a mistake the user can fix (a bad file,
  column, option or search space). The CLI prints their message on one line and exits with
  code 2, before anything is written.
* :class:`TrialError` is recoverable: it fails one trial (with its reason) and the search goes on.
* Pruning uses ``optuna.TrialPruned`` itself.

Messages follow one formula: what is wrong, where, what was expected, and what was received.

Example:
    >>> from automl.exceptions import DataError
    >>> raise DataError("Target column 'y' not found in 'a.csv'. Available columns: ['a', 'b'].")
    Traceback (most recent call last):
    ...
    automl.exceptions.DataError: Target column 'y' not found in 'a.csv'. Available columns: ['a', 'b'].
"""

from __future__ import annotations

__all__ = [
    "AutoMLError",
    "UserInputError",
    "DataError",
    "SearchSpaceError",
    "ConfigError",
    "MissingDependencyError",
    "TrialError",
    "NotFittedError",
]


class AutoMLError(Exception):
    """Base class of every exception raised on purpose by automl."""


class UserInputError(AutoMLError, ValueError):
    """A mistake in what the user gave: the command stops at once with exit code 2."""


class DataError(UserInputError):
    """The data file or folder cannot be used (missing, empty, bad column, too few rows...)."""


class SearchSpaceError(UserInputError):
    """A search space (YAML or Python) is invalid; the message names the file and key path."""


class ConfigError(UserInputError):
    """An option or combination of options is invalid (unknown sampler, bad budget...)."""


class MissingDependencyError(ConfigError, ImportError):
    """An optional dependency is needed for the chosen option; the message names the extra."""


class TrialError(AutoMLError):
    """A recoverable failure of one trial (NaN loss, out of memory...): the trial becomes FAIL.

    Args:
        message: What went wrong.
        reason: A short machine-readable reason, stored on the trial (for example ``"nan_loss"``).
    """

    def __init__(self, message: str, reason: str = "error") -> None:
        super().__init__(message)
        self.reason = reason


class NotFittedError(AutoMLError, ValueError, AttributeError):
    """An estimator or preprocessor was used before it was fitted."""
