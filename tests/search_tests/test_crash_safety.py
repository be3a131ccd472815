"""Crash safety and failure isolation: kill -9, SIGTERM, crash loops, memory, timeouts, and
several workers on one study. Real searches in worker processes; faults injected at known
points (automl/_faults.py) so the tests wait on marker files instead of sleeping."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from consistency import assert_consistent
from consistency import load_study

pytestmark = pytest.mark.slow


def automl_command() -> list[str]:
    script = Path(sys.executable).with_name("automl")
    return [str(script)] if script.exists() else [sys.executable, "-m", "automl"]


def wait_for(path: Path, timeout: float = 180.0) -> None:
    limit = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < limit, f"{path.name} was never reached"
        time.sleep(0.2)


def process_gone(pid: int, timeout: float = 15.0) -> bool:
    limit = time.monotonic() + timeout
    while time.monotonic() < limit:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def fault_env(tmp_path: Path, fault: str) -> dict[str, str]:
    return {**os.environ, "AUTOML_TESTING": "1", "AUTOML_FAULT": fault,
            "AUTOML_FAULT_DIR": str(tmp_path / "faults")}


def test_kill_9_of_the_search_then_the_same_command_resumes(tmp_path, tiny_space, cancer_split):
    store = tmp_path / "store"
    args = [*automl_command(), "search", str(cancer_split[0]), "--target", "diagnosis",
            "--space", str(tiny_space), "--n-trials", "4", "--max-epochs", "2", "--sampler",
            "random", "--root", str(store), "--study-name", "crash", "-q", "--no-report"]
    search = subprocess.Popen(args, env=fault_env(tmp_path, "epoch_end:0@1=hang"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(tmp_path / "faults" / "epoch_end_0-1.reached")
    running = load_study(store, "crash").trials[1]
    worker_pid = running.user_attrs["automl.worker"]["pid"]
    first_value = load_study(store, "crash").trials[0].value
    search.send_signal(signal.SIGKILL)
    search.wait(timeout=30)
    assert process_gone(worker_pid), "the worker outlived its search process"

    again = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    study = load_study(store, "crash")
    states = [t.state.name for t in study.trials]
    assert states == ["COMPLETE", "FAIL", "COMPLETE", "COMPLETE"], states
    assert study.trials[0].value == first_value  # kept, not re-run
    assert study.trials[1].user_attrs["automl.fail_reason"].startswith("worker_died")
    retry = study.trials[2]
    assert retry.user_attrs["automl.retry_of"] == 1 and retry.params == study.trials[1].params
    assert_consistent(store, study)


def test_sigterm_stops_within_seconds_and_closes_everything(tmp_path, tiny_space, cancer_split):
    store = tmp_path / "store"
    args = [*automl_command(), "search", str(cancer_split[0]), "--target", "diagnosis",
            "--space", str(tiny_space), "--n-trials", "3", "--max-epochs", "400", "--patience",
            "400", "--sampler", "random", "--root", str(store), "--study-name", "term",
            "--no-report"]
    search = subprocess.Popen(args, env=fault_env(tmp_path, "epoch_end:1@0=mark"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(tmp_path / "faults" / "epoch_end_1-0.reached")
    worker_pid = load_study(store, "term").trials[0].user_attrs["automl.worker"]["pid"]
    started = time.monotonic()
    search.send_signal(signal.SIGTERM)
    out, err = search.communicate(timeout=60)
    assert time.monotonic() - started < 15
    assert search.returncode == 143, err
    assert process_gone(worker_pid)
    study = load_study(store, "term")
    assert [t.state.name for t in study.trials] == ["FAIL"]
    assert study.trials[0].user_attrs["automl.fail_reason"].startswith("interrupted")
    assert "No trial completed" in out
    assert_consistent(store, study)


def test_a_configuration_that_always_crashes_is_retried_then_fails(run_cli, tmp_path, tiny_space,
                                                                   cancer_split, monkeypatch):
    for key, value in fault_env(tmp_path, "build@*=sigkill").items():
        monkeypatch.setenv(key, value)
    store = tmp_path / "store"
    result = run_cli("search", cancer_split[0], "--target", "diagnosis", "--space", tiny_space,
                     "--n-trials", "6", "--max-epochs", "1", "--max-retries", "1",
                     "--max-failures", "3", "--root", store, "--study-name", "poison",
                     "--no-report")
    assert result.code == 1
    assert "The last 3 trials failed" in result.err
    study = load_study(store, "poison")
    first, retry = study.trials[0], study.trials[1]
    assert retry.params == first.params and retry.user_attrs["automl.attempt"] == 2
    assert "crash_loop" in retry.user_attrs["automl.fail_reason"]
    states = [t.state.name for t in study.trials]
    assert states[:3] == ["FAIL", "FAIL", "FAIL"]  # stopped: not the whole budget burnt
    assert states[3:] in ([], ["WAITING"])  # trial 2's retry, queued for a resume
    assert_consistent(store, study)


def test_memory_hog_is_killed_and_its_retry_succeeds(run_cli, tmp_path, tiny_space, cancer_split,
                                                     monkeypatch):
    for key, value in fault_env(tmp_path, "epoch_end:0@0=alloc").items():
        monkeypatch.setenv(key, value)
    store = tmp_path / "store"
    result = run_cli("search", cancer_split[0], "--target", "diagnosis", "--space", tiny_space,
                     "--n-trials", "3", "--max-epochs", "2", "--worker-memory-mb", "1400",
                     "--root", store, "--study-name", "hog", "--no-report")
    assert result.code == 0, result.err
    study = load_study(store, "hog")
    assert [t.state.name for t in study.trials] == ["FAIL", "COMPLETE", "COMPLETE"]
    assert study.trials[0].user_attrs["automl.fail_reason"].startswith("out_of_memory")
    assert study.trials[1].user_attrs["automl.retry_of"] == 0
    assert_consistent(store, study)


def test_trial_timeout_stops_slow_and_hung_trials(run_cli, tmp_path, tiny_space, cancer_split,
                                                  monkeypatch):
    for key, value in fault_env(tmp_path, "build@0=hang").items():
        monkeypatch.setenv(key, value)
    store = tmp_path / "store"
    result = run_cli("search", cancer_split[0], "--target", "diagnosis", "--space", tiny_space,
                     "--n-trials", "2", "--max-epochs", "1000", "--patience", "1000",
                     "--trial-timeout", "4", "--root", store, "--study-name", "slow",
                     "--no-report")
    assert result.code == 0, result.err
    study = load_study(store, "slow")
    reasons = [t.user_attrs["automl.fail_reason"] for t in study.trials]
    assert [t.state.name for t in study.trials] == ["FAIL", "FAIL"]
    assert reasons[0].startswith("trial_timeout") and "killed" in reasons[0]  # hung: killed
    assert reasons[1] == "trial_timeout"  # slow: stopped itself between batches
    assert_consistent(store, study)


def test_four_workers_on_a_journal_run_exactly_the_budget(run_cli, tmp_path, tiny_space,
                                                          cancer_split):
    store = tmp_path / "store"
    result = run_cli("search", cancer_split[0], "--target", "diagnosis", "--space", tiny_space,
                     "--n-trials", "9", "--max-epochs", "1", "--workers", "4", "--sampler",
                     "random", "--root", store, "--study-name", "four", "--no-report")
    assert result.code == 0, result.err
    study = load_study(store, "four")
    assert len(study.trials) == 9
    assert all(t.state.name == "COMPLETE" for t in study.trials)
    assert len({t.user_attrs["automl.worker"]["pid"] for t in study.trials}) > 1
    assert_consistent(store, study)
