"""A lean MLflow UI: one web worker, no background job runner.

``mlflow server`` with its defaults starts 15 processes using about 2.2 GB; with one worker and
job execution off it starts 2 processes using about 485 MB and answers sooner.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import signal
import subprocess
import sys

from automl.exceptions import ConfigError
from automl.tracking._uri import redact_uri
from automl.tracking._uri import sqlite_db_path

__all__ = ["ui_command", "run_ui", "stop_process_group"]

logger = logging.getLogger(__name__)

_STOP_TIMEOUT_S = 10.0
_LOOPBACK_NAMES = ("localhost",)


def ui_command(
    tracking_uri: str, *, host: str = "127.0.0.1", port: int = 5000
) -> tuple[list[str], dict[str, str]]:
    """Build the command line and environment of a lean MLflow UI server.

    Args:
        tracking_uri: The store to browse, for example ``sqlite:///<abs>/mlruns/mlflow.db``.
        host: Interface to listen on. Defaults to ``"127.0.0.1"`` (this machine only).
        port: TCP port. Defaults to 5000.

    Returns:
        ``(argv, env)``: argv runs ``python -m mlflow server`` with ``--workers 1`` (and, for
        SQLite, ``--default-artifact-root`` set to the database folder); env is a copy of the
        current environment with ``MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false``.

    Raises:
        ConfigError: If ``port`` is not between 1 and 65535.

    Example:
        >>> argv, env = ui_command("sqlite:////tmp/mlruns/mlflow.db", port=5001)
        >>> argv[1:4], argv[-2:], env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"]
        (['-m', 'mlflow', 'server'], ['--default-artifact-root', 'file:///tmp/mlruns'], 'false')
    """
    if not 1 <= int(port) <= 65535:
        raise ConfigError(f"Invalid MLflow UI port: expected 1 to 65535. Received: {port}.")
    argv = [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", tracking_uri]
    argv += ["--host", host, "--port", str(int(port)), "--workers", "1"]
    db_path = sqlite_db_path(tracking_uri)
    if db_path is not None:
        argv += ["--default-artifact-root", db_path.parent.resolve().as_uri()]
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    env.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    return argv, env


def run_ui(tracking_uri: str, *, host: str = "127.0.0.1", port: int = 5000) -> int:
    """Run the lean MLflow UI in the foreground until it exits or Ctrl+C is pressed.

    The store is created first if needed (so the server does not migrate a new database).
    Ctrl+C stops the server and its worker process. A host other than loopback logs a warning:
    the UI has no authentication.

    Args:
        tracking_uri: The store to browse.
        host: Interface to listen on. Defaults to ``"127.0.0.1"``.
        port: TCP port. Defaults to 5000.

    Returns:
        The server's exit code (0 after Ctrl+C).

    Raises:
        ConfigError: If ``port`` is not between 1 and 65535.

    Example:
        >>> run_ui(default_tracking_uri("mlruns"), port=5000)  # doctest: +SKIP
    """
    argv, env = ui_command(tracking_uri, host=host, port=port)
    if not is_loopback(host):
        logger.warning(
            "The MLflow UI on host %s is reachable from other machines and has no "
            "authentication: anyone who can reach port %s can read and change every run.",
            host,
            port,
        )
    ensure_store(tracking_uri)
    logger.info("MLflow UI for %s at http://%s:%s", redact_uri(tracking_uri), host, port)
    process = subprocess.Popen(argv, env=env, start_new_session=True)
    try:
        return process.wait()
    except KeyboardInterrupt:
        stop_process_group(process)
        return 0


def ensure_store(tracking_uri: str) -> None:
    """Create a local SQLite store (folder and schema) if it does not exist yet.

    Args:
        tracking_uri: The store; non-SQLite URIs are left alone.
    """
    db_path = sqlite_db_path(tracking_uri)
    if db_path is None or db_path.exists():
        return
    from automl.tracking._client import MlflowClient  # imports MLflow (about 2 s)

    db_path.parent.mkdir(parents=True, exist_ok=True)
    MlflowClient(tracking_uri=tracking_uri).search_experiments(max_results=1)


def stop_process_group(process: subprocess.Popen, timeout: float = _STOP_TIMEOUT_S) -> int:
    """Stop a process started with ``start_new_session=True`` and every process of its group.

    Sends SIGTERM to the group, waits up to ``timeout`` seconds, then sends SIGKILL.

    Args:
        process: The group leader.
        timeout: Seconds to wait after SIGTERM.

    Returns:
        The leader's exit code.

    Example:
        >>> proc = subprocess.Popen(["sleep", "60"], start_new_session=True)
        >>> stop_process_group(proc) != 0
        True
    """
    if os.name != "posix":
        process.terminate()
        return process.wait(timeout)
    _signal_group(process.pid, signal.SIGTERM)
    try:
        code = process.wait(timeout)
    except subprocess.TimeoutExpired:
        _signal_group(process.pid, signal.SIGKILL)
        code = process.wait()
    _signal_group(process.pid, signal.SIGKILL)  # children that outlived their parent
    return code


def is_loopback(host: str) -> bool:
    """Tell whether ``host`` only listens on this machine (``127.0.0.1``, ``::1``, localhost).

    Example:
        >>> is_loopback("127.0.0.1"), is_loopback("0.0.0.0")
        (True, False)
    """
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _signal_group(group_id: int, signum: int) -> None:
    try:
        os.killpg(group_id, signum)
    except ProcessLookupError:
        pass
