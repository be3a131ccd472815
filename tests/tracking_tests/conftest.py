"""Fixtures: a real SQLite MLflow store per test, copied from one migrated template database.

Migrating a new MLflow database takes about 2 s; copying a migrated one takes a few ms, so every
test still gets its own store under its own ``tmp_path``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from automl.tracking import MlflowTracker
from automl.tracking import default_tracking_uri
from automl.tracking._ui import ensure_store


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty MLflow SQLite database."""
    root = tmp_path_factory.mktemp("template_store")
    ensure_store(default_tracking_uri(root))
    return root / "mlflow.db"


@pytest.fixture
def store_uri(tmp_path: Path, template_db: Path) -> str:
    """Tracking URI of a fresh store in ``tmp_path/mlruns``."""
    root = tmp_path / "mlruns"
    root.mkdir()
    shutil.copyfile(template_db, root / "mlflow.db")
    return default_tracking_uri(root)


@pytest.fixture
def tracker(store_uri: str) -> MlflowTracker:
    """A tracker whose experiment ``study`` is set up."""
    tracker = MlflowTracker(store_uri, "study")
    tracker.setup()
    return tracker
