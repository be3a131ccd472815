"""Lazy package attributes (PEP 562): a name is imported from its module on first use.

Packages whose public names live in heavy modules (Optuna, MLflow, matplotlib) export them
this way, so importing the package, or a light submodule of it, stays cheap.

Example:
    >>> __getattr__, __dir__ = lazy_exports(__name__, {"run_search": "automl.search._runner"},
    ...                                     ["run_search"])                  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(module_name: str, table: Mapping[str, str], public: Sequence[str]
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Returns a package's ``__getattr__`` and ``__dir__`` for names imported on first use.

    Args:
        module_name: The package's ``__name__``.
        table: Public name -> the module that defines it.
        public: The package's ``__all__``.

    Returns:
        ``(__getattr__, __dir__)``; assign them at the package's top level. A name, once
        imported, is cached in the package's namespace.
    """

    def __getattr__(name: str) -> Any:
        if name not in table:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(table[name]), name)
        vars(sys.modules[module_name])[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[module_name])) | set(public))

    return __getattr__, __dir__
