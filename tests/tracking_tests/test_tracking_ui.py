"""The lean MLflow UI started by run_ui, for real (slow: the server takes 10-30 s to answer)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from automl.tracking import MlflowTracker

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs Linux /proc")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, b""


def _children(pid: int) -> set[int]:
    """Every live descendant of ``pid`` (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _still_alive(pids: set[int], timeout: float = 5.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while (alive := [pid for pid in pids if _alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


def _wait_for_health(url: str, process: subprocess.Popen, timeout: float = 60.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        status, _ = _get(url + "/health")
        if status == 200:
            return status
        time.sleep(0.5)
    return 0


@pytest.mark.slow
def test_run_ui_serves_the_store_and_stops_cleanly_on_ctrl_c(
    tracker: MlflowTracker, tmp_path: Path
) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    code = (
        "from automl.tracking import run_ui; "
        f"raise SystemExit(run_ui({tracker.tracking_uri!r}, port={port}))"
    )
    with open(tmp_path / "ui.log", "wb") as log:
        ui = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=log, stderr=log)
    try:
        health = _wait_for_health(url, ui)
        status, body = _get(url + "/api/2.0/mlflow/experiments/search?max_results=100")
        spawned = _children(ui.pid)
    finally:
        os.kill(ui.pid, signal.SIGINT)  # what Ctrl+C sends
        exit_code = ui.wait(timeout=30)

    log_text = (tmp_path / "ui.log").read_text(errors="replace")
    assert health == 200, log_text
    assert status == 200
    assert "study" in [experiment["name"] for experiment in json.loads(body)["experiments"]]
    assert exit_code == 0, log_text
    assert spawned
    assert _still_alive(spawned) == []
