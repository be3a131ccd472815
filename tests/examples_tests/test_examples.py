"""Every example script runs, in its shortened form, and does what it says."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from automl.tracking import ui_command
from automl.tracking._ui import stop_process_group

pytestmark = pytest.mark.slow


def test_custom_space(run_example, tmp_path):
    out = run_example("custom_space.py")
    assert "Read back equal: True" in out
    assert "momentum: {type: float, low: 0.5, high: 0.95, when: {optimizer: sgd}}" in out
    assert "Held-out test scores: {'accuracy': " in out
    assert (tmp_path / "small_mlp.yaml").is_file()
    assert len(list((tmp_path / "mlruns" / "studies").iterdir())) == 1


def test_sklearn_pipeline(run_example):
    out = run_example("sklearn_pipeline.py")
    assert "Cross-validated accuracy: [" in out
    held_out = float(out.split("Held-out accuracy: ")[1].split()[0])
    assert 0.5 < held_out <= 1.0


def test_custom_loss_and_metric(run_example):
    out = run_example("custom_loss.py")
    assert "val_f2=" in out and "'f2': " in out.split("Held-out test scores:")[1]


def test_custom_builder_runs_in_a_worker_process(run_example_process):
    out = run_example_process("custom_builder.py")
    assert "Best trial" in out and "'deep_layers'" in out
    assert "'wide_and_deep'" in out  # the Concatenate layer of the saved best model


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_health(url: str, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    raise AssertionError(f"MLflow server at {url} did not answer /health in {timeout_s} s")


def rest(url: str, path: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(f"{url}/api/2.0/mlflow/{path}", data=data,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_logging_to_an_mlflow_tracking_server(run_example, tmp_path: Path):
    server_store = tmp_path / "server"
    server_store.mkdir()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    argv, env = ui_command(f"sqlite:///{server_store / 'mlflow.db'}", port=port)
    with open(tmp_path / "server.log", "wb") as log:
        server = subprocess.Popen(argv, env=env, stdout=log, stderr=log,
                                  start_new_session=True)
    try:
        wait_for_health(url)
        out = run_example("mlflow_server.py", "--tracking-uri", url, "--study-name", "wine-srv")
        assert "Study wine-srv: best trial" in out
        experiment = rest(url, "experiments/get-by-name?experiment_name=wine-srv")["experiment"]
        runs = rest(url, "runs/search", {"experiment_ids": [experiment["experiment_id"]]})["runs"]
        assert len(runs) == 3  # the search and its two trials
        assert {run["info"]["status"] for run in runs} == {"FINISHED"}
        parent = [run for run in runs if "mlflow.parentRunId" not in
                  {tag["key"] for tag in run["data"].get("tags", [])}]
        assert len(parent) == 1
        assert "test_accuracy" in {metric["key"] for metric in parent[0]["data"]["metrics"]}
    finally:
        stop_process_group(server)


def test_digit_images_example_writes_class_folders(run_example, tmp_path):
    out = run_example("make_digit_images.py", str(tmp_path / "digits"), "--per-class", "5")
    assert "Wrote 50 digit images" in out
    folders = sorted(p.name for p in (tmp_path / "digits").iterdir())
    assert folders == [f"digit_{k}" for k in range(10)]
    assert all(len(list((tmp_path / "digits" / name).glob("*.png"))) == 5 for name in folders)
