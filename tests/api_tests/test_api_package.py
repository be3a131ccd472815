"""``import automl``: a light, lazily loaded public API with documented objects."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import automl

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("tensorflow", "keras", "optuna", "mlflow", "sklearn", "pandas")


def test_import_automl_loads_no_heavy_library():
    code = ("import sys, automl; automl.__all__; dir(automl); "
            f"print([m for m in {HEAVY!r} if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("name", [n for n in automl.__all__ if n != "__version__"])
def test_every_public_name_resolves_and_is_documented_with_an_example(name):
    value = getattr(automl, name)
    assert name in dir(automl)
    documentation = inspect.getdoc(value) or ""
    if inspect.ismodule(value) and name == "search":
        documentation = inspect.getdoc(automl.api.search)
    assert "Example" in documentation, f"automl.{name} has no example in its docstring"


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        automl.nope  # noqa: B018


def test_search_stays_callable_when_the_search_package_is_imported_first():
    code = ("from automl.search import run_search\nimport automl, inspect\n"
            "print(callable(automl.search), automl.search.run_search is run_search,\n"
            "      list(inspect.signature(automl.search).parameters)[:3])")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=True)
    assert done.stdout.strip() == "True True ['data', 'space', 'target']"
