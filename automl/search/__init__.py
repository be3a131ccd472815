"""The search: a study of trials run in worker processes, then the best model evaluated."""

from automl.search._result import SearchResult
from automl.search._runner import default_study_name
from automl.search._runner import run_search

__all__ = ["SearchResult", "default_study_name", "run_search"]
