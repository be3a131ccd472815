"""The invariant checked after every crash test: Optuna and MLflow tell the same story."""

from __future__ import annotations

from pathlib import Path

import optuna

from automl.search._study import StudyPaths
from automl.search._study import open_storage
from automl.tracking import MlflowTracker
from automl.tracking import default_tracking_uri

RUN_STATUS = {"COMPLETE": "FINISHED", "PRUNED": "KILLED", "FAIL": "FAILED"}


def load_study(store: Path, name: str, storage: str | None = None) -> optuna.Study:
    url = storage or f"journal:{StudyPaths.for_study(store, name).journal}"
    return optuna.load_study(study_name=name, storage=open_storage(url))


def assert_consistent(store: Path, study: optuna.Study) -> dict[int, dict]:
    """No RUNNING trial, unique numbers, one MLflow run per trial with the matching status.

    WAITING trials (queued retries of a stopped search) have no run yet and are skipped.
    """
    everything = study.get_trials()
    assert [t.number for t in everything] == list(range(len(everything)))
    assert [t.number for t in everything if t.state.name == "RUNNING"] == []
    trials = [t for t in everything if t.state.name != "WAITING"]
    tracker = MlflowTracker(default_tracking_uri(store), study.study_name)
    runs = tracker.trial_runs(study.user_attrs["automl.mlflow_parent_run_id"])
    by_number = {r["trial_number"]: r for r in runs}
    assert len(by_number) == len(runs) == len(trials), (len(runs), len(trials))
    for trial in trials:
        assert by_number[trial.number]["status"] == RUN_STATUS[trial.state.name], trial.number
    return by_number
