"""URI helpers, the UI command line, and the lazy MLflow import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from automl.exceptions import ConfigError
from automl.tracking import default_tracking_uri
from automl.tracking import redact_uri
from automl.tracking import ui_command
from automl.tracking._ui import is_loopback
from automl.tracking._uri import safe_folder_name
from automl.tracking._uri import sqlite_db_path


def test_default_tracking_uri_is_an_absolute_sqlite_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    uri = default_tracking_uri()

    assert uri == f"sqlite:///{(tmp_path / 'mlruns' / 'mlflow.db').resolve().as_posix()}"
    assert sqlite_db_path(uri) == (tmp_path / "mlruns" / "mlflow.db").resolve()


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("postgresql://u:secret@h/db", "postgresql://u:***@h/db"),
        ("postgresql+psycopg2://u:p%40ss@db:5432/ml", "postgresql+psycopg2://u:***@db:5432/ml"),
        ("mysql://admin:a:b@10.0.0.1/x?ssl=true", "mysql://admin:***@10.0.0.1/x?ssl=true"),
        ("http://user@host:5000", "http://user@host:5000"),
        ("https://host:5000/path", "https://host:5000/path"),
        ("sqlite:////tmp/mlruns/mlflow.db", "sqlite:////tmp/mlruns/mlflow.db"),
        ("databricks", "databricks"),
    ],
)
def test_redact_uri_hides_only_the_password(uri: str, expected: str) -> None:
    assert redact_uri(uri) == expected


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("sqlite:///mlruns/mlflow.db", Path("mlruns/mlflow.db")),
        ("sqlite:////abs/mlflow.db?timeout=30", Path("/abs/mlflow.db")),
        ("sqlite:///:memory:", None),
        ("postgresql://h/db", None),
    ],
)
def test_sqlite_db_path(uri: str, expected: Path | None) -> None:
    assert sqlite_db_path(uri) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [("iris-mlp", "iris-mlp"), ("a b/../c", "a_b_.._c"), ("..", "_"), ("/", "_")],
)
def test_safe_folder_name_never_leaves_the_store(name: str, expected: str) -> None:
    assert safe_folder_name(name) == expected


def test_ui_command_for_sqlite_is_lean(tmp_path: Path) -> None:
    uri = default_tracking_uri(tmp_path)

    argv, env = ui_command(uri, port=5123)

    assert argv == [
        sys.executable, "-m", "mlflow", "server",
        "--backend-store-uri", uri,
        "--host", "127.0.0.1", "--port", "5123", "--workers", "1",
        "--default-artifact-root", tmp_path.resolve().as_uri(),
    ]  # fmt: skip
    assert env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] == "false"
    assert env["PATH"]


def test_ui_command_for_a_database_server_keeps_mlflow_artifact_default() -> None:
    argv, _ = ui_command("postgresql://u:p@h/db", host="0.0.0.0", port=80)

    assert "--default-artifact-root" not in argv
    assert argv[argv.index("--host") + 1] == "0.0.0.0"


def test_ui_command_rejects_a_bad_port() -> None:
    expected = r"Invalid MLflow UI port: expected 1 to 65535\. Received: 0\."
    with pytest.raises(ConfigError, match=expected):
        ui_command("sqlite:///x.db", port=0)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("10.1.2.3", False),
        ("example.com", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_importing_the_package_does_not_import_mlflow() -> None:
    code = (
        "import sys, automl.tracking as t; t.default_tracking_uri();"
        "t.ui_command('sqlite:///a.db');"
        "assert 'mlflow' not in sys.modules, 'mlflow imported';"
        "t.MlflowTracker; assert 'mlflow' in sys.modules"
    )
    root = Path(__file__).resolve().parents[2]

    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)

    assert done.returncode == 0, done.stderr
