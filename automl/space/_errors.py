"""Error messages of the search-space package: one formula, with the file and the key path.

Every message reads "Invalid search space '<where>' at `<key path>`: <what is wrong>.
Received: ...", where ``<where>`` is the YAML file, ``"<dict>"`` or ``"<python>"``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from automl.exceptions import SearchSpaceError

PYTHON_SOURCE = "<python>"


def invalid(where: str, path: str | None, detail: str) -> SearchSpaceError:
    """Builds the one-line error for an invalid search space.

    Args:
        where: The file name, ``"<dict>"`` or ``"<python>"``.
        path: Dotted key path inside the space (``"params.units"``), or None for the whole file.
        detail: What is wrong, what was expected and what was received.

    Returns:
        The error, ready to raise.

    Example:
        >>> str(invalid("x.yaml", "params.units", "`low` must be <= `high`."))
        "Invalid search space 'x.yaml' at `params.units`: `low` must be <= `high`."
    """
    location = f" at `{path}`" if path else ""
    return SearchSpaceError(f"Invalid search space '{where}'{location}: {detail}")


class ParamError(SearchSpaceError):
    """An invalid parameter definition, raised by the parameter classes themselves.

    A parameter does not know its name or file, so its message says ``'<python>' at `Int```;
    the YAML loader calls :meth:`relocate` to name the file and the key path instead.

    Args:
        kind: Class name of the parameter (``"Int"``).
        key: The field at fault (``"low"``), or ``""`` when the problem spans several fields.
        detail: What is wrong, expected and received.
    """

    def __init__(self, kind: str, key: str, detail: str) -> None:
        self.key = key
        self.detail = detail
        path = f"{kind}.{key}" if key else kind
        super().__init__(str(invalid(PYTHON_SOURCE, path, detail)))

    def relocate(self, where: str, path: str) -> SearchSpaceError:
        """Returns the same problem reported at ``path`` inside ``where``."""
        full_path = f"{path}.{self.key}" if self.key else path
        return invalid(where, full_path, self.detail)


def did_you_mean(received: Any, options: Iterable[str]) -> str:
    """Returns ``" Did you mean 'x'?"`` for a close option, else an empty string."""
    matches = difflib.get_close_matches(str(received), list(options), n=1)
    return f" Did you mean '{matches[0]}'?" if matches else ""


def type_name(value: Any) -> str:
    """Returns the short type name used in messages (``'list'``, ``'str'``)."""
    return type(value).__name__
