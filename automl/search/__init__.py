"""The search: a study of trials run in worker processes, then the best model evaluated.

The names below are imported on first use, so importing a submodule of this package (as
``automl trials`` does) does not load Optuna's and MLflow's heavy parts.
"""

from __future__ import annotations

from automl._lazy import lazy_exports

__all__ = ["SearchResult", "default_study_name", "run_search"]

_LAZY = {
    "SearchResult": "automl.search._result",
    "default_study_name": "automl.search._runner",
    "run_search": "automl.search._runner",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
