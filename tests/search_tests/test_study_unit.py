"""Study storage, resume checks and reconciliation of dead workers' trials (no training)."""

from __future__ import annotations

import multiprocessing
import os

import optuna
import pytest

from automl.config import SearchConfig
from automl.exceptions import ConfigError
from automl.search._study import ATTR_PREFIX
from automl.search._study import StudyPaths
from automl.search._study import check_resume
from automl.search._study import fail_orphaned_trials
from automl.search._study import open_storage
from automl.search._study import process_identity
from automl.tracking import MlflowTracker
from automl.tracking import default_tracking_uri


def journal_study(tmp_path, name="s") -> optuna.Study:
    storage = open_storage(f"journal:{StudyPaths.for_study(tmp_path, name).journal}")
    return optuna.create_study(storage=storage, study_name=name, load_if_exists=True)


def dead_pid() -> int:
    process = multiprocessing.get_context("spawn").Process(target=os.getpid)
    process.start()
    process.join()
    return process.pid


def test_trial_of_a_dead_worker_is_failed_with_its_mlflow_run(tmp_path):
    study = journal_study(tmp_path)
    tracker = MlflowTracker(default_tracking_uri(tmp_path / "store"), "s")
    tracker.setup()
    parent = tracker.start_search_run("s", {}, {})
    dead, alive = study.ask(), study.ask()
    run = tracker.start_trial_run(parent, dead.number, {"units": 8})
    dead.set_user_attr(ATTR_PREFIX + "worker", {**process_identity(), "pid": dead_pid()})
    dead.set_user_attr(ATTR_PREFIX + "mlflow_run_id", run.run_id)
    alive.set_user_attr(ATTR_PREFIX + "worker", process_identity())  # this process: alive
    closed = []

    def close(trial, reason):
        closed.append(tracker.close_stale_trial_run(trial.user_attrs["automl.mlflow_run_id"],
                                                    reason))

    assert fail_orphaned_trials(study, "worker_died: gone", close) == [dead.number]
    states = {t.number: t.state.name for t in study.get_trials()}
    assert states == {dead.number: "FAIL", alive.number: "RUNNING"}
    assert study.trials[0].user_attrs[ATTR_PREFIX + "fail_reason"] == "worker_died: gone"
    assert closed == [True]
    assert tracker.trial_runs(parent)[0]["status"] == "FAILED"


def test_ownerless_running_trial_is_failed_only_after_the_grace(tmp_path):
    study = journal_study(tmp_path)
    study.ask()
    assert fail_orphaned_trials(study, "x", grace_s=3600) == []
    assert fail_orphaned_trials(study, "x", grace_s=0) == [0]


def test_resume_with_changed_space_is_refused_unless_forced(tmp_path):
    study = journal_study(tmp_path)
    check_resume(study, {"space_fingerprint": "a", "metric": "accuracy"}, force=False)
    with pytest.raises(ConfigError, match="its space_fingerprint changed"):
        check_resume(study, {"space_fingerprint": "b", "metric": "accuracy"}, force=False)
    assert check_resume(study, {"space_fingerprint": "b", "metric": "accuracy"},
                        force=True) == ["space_fingerprint"]
    assert study.user_attrs[ATTR_PREFIX + "space_fingerprint"] == "b"


def test_storage_urls(tmp_path):
    assert isinstance(open_storage(f"journal:{tmp_path / 'j.log'}"),
                      optuna.storages.JournalStorage)
    assert isinstance(open_storage(f"sqlite:///{tmp_path / 'o.db'}"), optuna.storages.RDBStorage)
    with pytest.raises(ConfigError, match="Invalid value for '--storage'"):
        open_storage("not a url")


@pytest.mark.parametrize("changes, message", [
    ({"sampler": "bayes"}, "'--sampler'"), ({"pruner": "x"}, "'--pruner'"),
    ({"timeout": 0}, "'--timeout'"), ({"n_workers": -1}, "'--workers'"),
    ({"study_name": "a/b"}, "'--study-name'"), ({"max_epochs": 0}, "'--max-epochs'"),
])
def test_search_config_validates_eagerly(changes, message):
    with pytest.raises(ConfigError, match=message):
        SearchConfig(**changes)


def test_ties_on_the_objective_go_to_the_lower_validation_loss():
    from automl.search._progress import best_trial
    from automl.search._report import ranked_trials

    study = optuna.create_study(direction="maximize")
    for value, loss in ((1.0, 0.30), (0.9, 0.01), (1.0, 0.10), (1.0, None)):
        trial = study.ask()
        if loss is not None:
            trial.set_user_attr(ATTR_PREFIX + "tiebreak_loss", loss)
        study.tell(trial, value)
    study.tell(study.ask(), state=optuna.trial.TrialState.FAIL)
    assert [t.number for t in ranked_trials(study.trials, "maximize")] == [2, 0, 3, 1]
    assert best_trial(study.trials, "maximize").number == 2
