"""The search: a study of trials run in worker processes, then the best model evaluated.

The names below are imported on first use, so importing a submodule of this package (as
``automl trials`` does) does not load Optuna's and MLflow's heavy parts.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["SearchResult", "default_study_name", "run_search"]

_LAZY = {
    "SearchResult": "automl.search._result",
    "default_study_name": "automl.search._runner",
    "run_search": "automl.search._runner",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value
