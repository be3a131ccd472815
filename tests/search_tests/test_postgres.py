"""Searches on a real PostgreSQL storage (127.0.0.1:5432): several workers, a killed worker,
stale heartbeats of a dead host, and `automl worker` joining from another host's folder.

CI has the server and must run these; elsewhere they are skipped when it is unreachable.
Override the address with AUTOML_TEST_PG_URL.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import optuna
import pytest

from automl.search._study import ATTR_PREFIX
from automl.search._study import open_storage
from consistency import assert_consistent
from consistency import load_study

pytestmark = pytest.mark.slow
PG_URL = os.environ.get("AUTOML_TEST_PG_URL",
                        "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


@pytest.fixture
def pg_url():
    try:
        import sqlalchemy

        with sqlalchemy.create_engine(PG_URL).connect():
            pass
    except Exception as error:  # no driver, no server
        if os.environ.get("CI"):
            pytest.fail(f"CI must reach PostgreSQL at {PG_URL}: {error}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {error}")
    return PG_URL


@pytest.fixture
def study_name(pg_url):
    name = f"pg-{uuid.uuid4().hex[:10]}"
    yield name
    try:
        optuna.delete_study(study_name=name, storage=open_storage(pg_url))
    except KeyError:
        pass


def automl_command() -> list[str]:
    script = Path(sys.executable).with_name("automl")
    return [str(script)] if script.exists() else [sys.executable, "-m", "automl"]


def test_two_workers_on_postgresql_with_one_killed(run_cli, tmp_path, tiny_space, cancer_split,
                                                   pg_url, study_name, monkeypatch):
    monkeypatch.setenv("AUTOML_TESTING", "1")
    monkeypatch.setenv("AUTOML_FAULT", "epoch_end:0@1=sigkill")
    store = tmp_path / "store"
    result = run_cli("search", cancer_split[0], "--target", "diagnosis", "--space", tiny_space,
                     "--n-trials", "5", "--max-epochs", "2", "--workers", "2", "--storage",
                     pg_url, "--root", store, "--study-name", study_name, "--no-report")
    assert result.code == 0, result.err
    study = load_study(store, study_name, storage=pg_url)
    states = {t.number: t.state.name for t in study.trials}
    assert states[1] == "FAIL" and list(states.values()).count("FAIL") == 1, states
    assert len(study.trials) <= 5 + 1  # an RDB budget may overshoot by workers - 1
    assert study.trials[1].user_attrs[ATTR_PREFIX + "fail_reason"].startswith("worker_died")
    retries = [t for t in study.trials if t.user_attrs.get(ATTR_PREFIX + "retry_of") == 1]
    assert len(retries) == 1 and retries[0].state.name == "COMPLETE"
    assert_consistent(store, study)


def test_trial_of_a_silent_host_is_failed_and_retried(pg_url, study_name):
    storage = open_storage(pg_url, heartbeat_interval=1, max_retries=1)
    study = optuna.create_study(storage=storage, study_name=study_name)
    trial = study.ask()
    trial.suggest_float("x", 0.0, 1.0)
    trial.set_user_attr(ATTR_PREFIX + "worker", {"host": "other-host", "pid": 1, "start": None})
    storage.record_heartbeat(trial._trial_id)  # then the host goes silent
    time.sleep(5)  # grace period: 4 intervals
    optuna.storages.fail_stale_trials(study)
    states = [t.state.name for t in study.get_trials()]
    assert states == ["FAIL", "WAITING"]  # failed, and queued again with the same parameters
    assert study.get_trials()[1].params == study.trials[0].params


def test_worker_from_another_host_joins_the_search(tmp_path, tiny_space, cancer_split, pg_url,
                                                   study_name):
    main_root, other_root = tmp_path / "coordinator", tmp_path / "other-host"
    search = subprocess.Popen(
        [*automl_command(), "search", str(cancer_split[0]), "--target", "diagnosis", "--space",
         str(tiny_space), "--n-trials", "8", "--max-epochs", "2", "--storage", pg_url,
         "--root", str(main_root), "--study-name", study_name, "--no-report", "-q"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    limit = time.monotonic() + 120
    while time.monotonic() < limit:  # join once the study and its job exist
        try:
            if ATTR_PREFIX + "job" in optuna.load_study(
                    study_name=study_name, storage=open_storage(pg_url)).user_attrs:
                break
        except KeyError:
            pass
        time.sleep(0.5)
    joined = subprocess.run(
        [*automl_command(), "worker", "--study-name", study_name, "--storage", pg_url,
         "--root", str(other_root), "-q"], capture_output=True, text=True, timeout=600)
    out, err = search.communicate(timeout=600)
    assert joined.returncode == 0, joined.stderr
    assert search.returncode == 0, err
    assert (other_root / "studies" / study_name / "dataset_search" / "arrays.npz").exists()
    assert not (other_root / "studies" / study_name / "dataset").exists()  # no test part there
    study = load_study(main_root, study_name, storage=pg_url)
    assert len(study.trials) >= 8 and all(t.state.name == "COMPLETE" for t in study.trials)
    hosts = {t.user_attrs[ATTR_PREFIX + "worker"]["pid"] for t in study.trials}
    assert len(hosts) >= 2  # trials ran in both processes' workers
    assert "Best model saved to" in out
    assert_consistent(main_root, study)
