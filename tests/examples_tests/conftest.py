"""Running the example scripts in their shortened form (``AUTOML_EXAMPLE_QUICK=1``)."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def restored_registries():
    """Undoes the registrations (builders, losses, callbacks, metrics) a test makes."""
    from automl import metrics
    from automl import registry
    from automl.models import _registry as builders

    tables = [metrics.METRICS, registry._LOSSES, registry._CALLBACKS, builders._BUILDERS]
    saved = [dict(table) for table in tables]
    custom_metrics = set(metrics._CUSTOM)
    yield
    for table, content in zip(tables, saved, strict=True):
        table.clear()
        table.update(content)
    metrics._CUSTOM.clear()
    metrics._CUSTOM.update(custom_metrics)


@pytest.fixture
def run_example(tmp_path, monkeypatch, capsys, restored_registries):
    """Runs ``examples/<name>`` as ``__main__`` in this process, from ``tmp_path``, and
    returns what it printed; its registrations are undone afterwards."""

    def run(name: str, *args: str) -> str:
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("AUTOML_EXAMPLE_QUICK", "1")
        monkeypatch.setattr(sys, "argv", [str(EXAMPLES / name), *args])
        capsys.readouterr()
        runpy.run_path(str(EXAMPLES / name), run_name="__main__")
        return capsys.readouterr().out

    return run


@pytest.fixture
def run_example_process(tmp_path):
    """Runs ``python examples/<name>`` in a new process, from ``tmp_path``; returns stdout."""

    def run(name: str, *args: str) -> str:
        env = {**os.environ, "AUTOML_EXAMPLE_QUICK": "1"}
        done = subprocess.run([sys.executable, str(EXAMPLES / name), *args], cwd=tmp_path,
                              env=env, capture_output=True, text=True, timeout=420,
                              check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    return run
