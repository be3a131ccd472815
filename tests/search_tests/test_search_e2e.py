"""End-to-end searches through the command line: real data, real training in worker processes,
a real Optuna journal storage and a real MLflow SQLite store in a temporary folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import pytest
from sklearn import metrics as skm

from automl.search._study import StudyPaths
from automl.search._study import open_storage
from automl.tracking import MlflowTracker
from automl.tracking import default_tracking_uri

pytestmark = pytest.mark.slow


def load_study(store: Path, name: str) -> optuna.Study:
    paths = StudyPaths.for_study(store, name)
    return optuna.load_study(study_name=name, storage=open_storage(f"journal:{paths.journal}"))


def trial_runs(store: Path, study: optuna.Study) -> list[dict]:
    tracker = MlflowTracker(default_tracking_uri(store), study.study_name)
    return tracker.trial_runs(study.user_attrs["automl.mlflow_parent_run_id"])


def states(study: optuna.Study) -> dict[int, str]:
    return {t.number: t.state.name for t in study.trials}


def test_classification_search_tracks_resumes_and_predicts(run_cli, store, tiny_space,
                                                           cancer_split, tmp_path):
    train, test = cancer_split
    common = ["search", train, "--target", "diagnosis", "--test-data", test, "--space",
              tiny_space, "--root", store, "--study-name", "cancer", "--max-epochs", "3",
              "--sampler", "random", "--pruner", "none", "--metric", "accuracy"]

    first = run_cli(*common, "--n-trials", "2")
    assert first.code == 0, first.err
    study = load_study(store, "cancer")
    assert states(study) == {0: "COMPLETE", 1: "COMPLETE"}

    second = run_cli(*common, "--n-trials", "3")  # resumes: 3 trials in total, not 3 more
    assert second.code == 0, second.err
    study = load_study(store, "cancer")
    assert states(study) == {0: "COMPLETE", 1: "COMPLETE", 2: "COMPLETE"}

    runs = trial_runs(store, study)
    assert [r["trial_number"] for r in runs] == [0, 1, 2]
    tracker = MlflowTracker(default_tracking_uri(store), "cancer")
    for run, trial in zip(runs, study.trials, strict=True):
        assert run["status"] == "FINISHED"
        assert run["params"]["units"] == str(trial.params["units"])
        history = tracker.metric_history(run["run_id"], "val_accuracy")
        assert len(history) == trial.user_attrs["automl.n_epochs"] >= 1
        assert run["metrics"]["best_val_accuracy"] == pytest.approx(trial.value)
    parent = tracker.client.get_run(study.user_attrs["automl.mlflow_parent_run_id"])
    assert parent.info.status == "FINISHED"
    assert parent.data.params["n_rows"] == str(569 - 120)
    assert "version_keras" in parent.data.params and "data_sha256" in parent.data.params

    report = StudyPaths.for_study(store, "cancer").folder / "report"
    assert (report / "report.html").exists() and len(list(report.glob("*.png"))) >= 5
    model = StudyPaths.for_study(store, "cancer").best_model
    saved = json.loads((model / "metadata.json").read_text())
    assert saved["trial_number"] == study.best_trial.number
    assert saved["test_scores"]["accuracy"] > 0.85
    assert parent.data.metrics["test_accuracy"] == pytest.approx(saved["test_scores"]["accuracy"])

    raw = pd.read_csv(test).drop(columns=["diagnosis"]).assign(unused_column=1)
    raw.to_csv(tmp_path / "raw.csv", index=False)
    predicted = run_cli("predict", model, tmp_path / "raw.csv", "-o", tmp_path / "pred.csv")
    assert predicted.code == 0, predicted.err
    table = pd.read_csv(tmp_path / "pred.csv")
    truth = pd.read_csv(test)["diagnosis"]
    assert list(table.columns) == ["prediction", "probability_benign", "probability_malignant"]
    assert skm.accuracy_score(truth, table["prediction"]) == pytest.approx(
        saved["test_scores"]["accuracy"])
    assert np.allclose(table.iloc[:, 1:].sum(axis=1), 1.0, atol=1e-5)

    other_space = tmp_path / "other.yaml"
    other_space.write_text(tiny_space.read_text().replace("[8, 16]", "[8, 32]"))
    changed = run_cli(*[other_space if a == tiny_space else a for a in common], "--n-trials", "4")
    assert changed.code == 2
    assert "Cannot resume study 'cancer': its space_fingerprint changed" in changed.err
    assert len(load_study(store, "cancer").trials) == 3  # refused before any trial


def test_regression_search_and_prediction_match_test_scores(run_cli, store, tmp_path):
    frame = pd.read_csv(Path(__file__).resolve().parents[2] / "examples" / "diabetes.csv")
    test = frame.sample(n=90, random_state=1)
    frame.drop(test.index).to_csv(tmp_path / "train.csv", index=False)
    test.to_csv(tmp_path / "test.csv", index=False)
    result = run_cli("search", tmp_path / "train.csv", "--target", "progression",
                     "--test-data", tmp_path / "test.csv", "--root", store, "--study-name", "dia",
                     "--no-report",
                     "--n-trials", "2", "--max-epochs", "4", "--sampler", "random")
    assert result.code == 0, result.err
    assert "rmse" in result.out and "r2" in result.out
    model = StudyPaths.for_study(store, "dia").best_model
    saved = json.loads((model / "metadata.json").read_text())
    assert saved["task"] == "regression" and saved["metric"] == "rmse"
    assert run_cli("predict", model, tmp_path / "test.csv", "-o", tmp_path / "p.csv").code == 0
    predictions = pd.read_csv(tmp_path / "p.csv")["prediction"]
    rmse = float(np.sqrt(np.mean((predictions - test["progression"].to_numpy()) ** 2)))
    assert rmse == pytest.approx(saved["test_scores"]["rmse"], rel=1e-4)
    assert predictions.between(0, 500).all()  # back in the target's own units


def test_grid_visits_every_combination_exactly_once(run_cli, store, tmp_path, cancer_split):
    space = tmp_path / "grid.yaml"
    space.write_text(
        "builder: mlp\nparams:\n"
        "  optimizer: {type: categorical, choices: [adam, sgd]}\n"
        "  momentum: {type: categorical, choices: [0.0, 0.9], when: {optimizer: sgd}}\n"
        "  units: {type: categorical, choices: [8, 16]}\n", encoding="utf-8")
    result = run_cli("search", cancer_split[0], "--target", "diagnosis", "--space", space,
                     "--sampler", "grid", "--pruner", "none", "--n-trials", "50",
                     "--max-epochs", "1", "--root", store, "--study-name", "grid", "--no-report")
    assert result.code == 0, result.err
    assert "The grid has 6 combinations" in result.err
    study = load_study(store, "grid")
    seen = [tuple(sorted(t.params.items())) for t in study.trials]
    expected = {(("optimizer", "adam"), ("units", u)) for u in (8, 16)} | {
        (("momentum", m), ("optimizer", "sgd"), ("units", u)) for m in (0.0, 0.9) for u in (8, 16)}
    assert len(seen) == 6 and set(seen) == expected
    assert all(t.state.name == "COMPLETE" for t in study.trials)


def test_pruner_prunes_a_hopeless_trial(run_cli, store, tmp_path, cancer_split):
    space = tmp_path / "prune.yaml"  # grid order: a good learning rate first, then a useless one
    space.write_text(
        "builder: mlp\nparams:\n"
        "  learning_rate: {type: categorical, choices: [0.01, 1.0e-9, 1.0e-8]}\n"
        "  optimizer: {type: fixed, value: sgd}\n", encoding="utf-8")
    result = run_cli("search", cancer_split[0], "--target", "diagnosis", "--space", space,
                     "--sampler", "grid", "--pruner", "sha", "--metric", "log_loss",
                     "--max-epochs", "8", "--patience", "8", "--root", store,
                     "--study-name", "prune", "--no-report")
    assert result.code == 0, result.err
    study = load_study(store, "prune")
    by_rate = {t.params["learning_rate"]: t for t in study.trials}
    assert by_rate[0.01].state.name == "COMPLETE"
    pruned = [t for t in study.trials if t.state.name == "PRUNED"]
    assert pruned, states(study)
    assert all(t.params["learning_rate"] < 1e-7 for t in pruned)
    assert all(t.user_attrs["automl.pruned_epoch"] < 7 for t in pruned)
    runs = {r["trial_number"]: r for r in trial_runs(store, study)}
    for trial in pruned:
        assert runs[trial.number]["status"] == "KILLED"
        assert runs[trial.number]["tags"]["automl.pruned"] == "true"
    assert "PRUNED at epoch" in result.err


def test_killed_worker_fails_its_trial_and_the_search_goes_on(run_cli, store, tiny_space,
                                                              cancer_split, monkeypatch):
    monkeypatch.setenv("AUTOML_TESTING", "1")
    monkeypatch.setenv("AUTOML_FAULT", "epoch_end:0@1=sigkill,build@2=raise")
    result = run_cli("search", cancer_split[0], "--target", "diagnosis", "--space", tiny_space,
                     "--n-trials", "5", "--max-epochs", "2", "--sampler", "random",
                     "--max-retries", "0",
                     "--root", store, "--study-name", "killed", "--no-report")
    assert result.code == 0, result.err
    study = load_study(store, "killed")
    assert states(study) == {0: "COMPLETE", 1: "FAIL", 2: "FAIL", 3: "COMPLETE", 4: "COMPLETE"}
    reason = study.trials[1].user_attrs["automl.fail_reason"]
    assert reason.startswith("worker_died") and "SIGKILL" in reason
    raised = study.trials[2].user_attrs  # an exception in a trial: FAIL, traceback kept
    assert raised["automl.fail_reason"].startswith("RuntimeError: Injected fault at build")
    assert "Traceback" in Path(raised["automl.traceback"]).read_text()
    runs = {r["trial_number"]: r for r in trial_runs(store, study)}
    assert runs[1]["status"] == runs[2]["status"] == "FAILED"
    assert "SIGKILL" in runs[1]["tags"]["automl.fail_reason"]
    assert runs[0]["status"] == runs[3]["status"] == "FINISHED"


def test_a_worker_killed_between_tell_and_run_end_leaves_no_running_run(
        run_cli, store, tiny_space, cancer_split, monkeypatch):
    monkeypatch.setenv("AUTOML_TESTING", "1")
    monkeypatch.setenv("AUTOML_FAULT", "after_tell@0=sigkill")
    result = run_cli("search", cancer_split[0], "--target", "diagnosis", "--space", tiny_space,
                     "--n-trials", "2", "--max-epochs", "2", "--root", store,
                     "--study-name", "window", "--no-report")
    assert result.code == 0, result.err
    study = load_study(store, "window")
    assert states(study) == {0: "COMPLETE", 1: "COMPLETE"}
    runs = {r["trial_number"]: r for r in trial_runs(store, study)}
    assert runs[0]["status"] == "FINISHED"  # the study is the truth: the run was closed so
    assert runs[0]["tags"]["automl.closed_by"] == "reconciliation"
    assert runs[0]["tags"]["automl.trial_state"] == "COMPLETE"


def test_nan_loss_fails_the_trial_which_is_never_best(run_cli, store, tmp_path):
    frame = pd.read_csv(Path(__file__).resolve().parents[2] / "examples" / "diabetes.csv")
    frame.to_csv(tmp_path / "d.csv", index=False)
    space = tmp_path / "nan.yaml"
    space.write_text(
        "builder: mlp\nparams:\n"
        "  learning_rate: {type: categorical, choices: [1.0e+12, 0.001]}\n"
        "  optimizer: {type: fixed, value: sgd}\n"
        "  loss: {type: fixed, value: mse}\n", encoding="utf-8")
    result = run_cli("search", tmp_path / "d.csv", "--target", "progression", "--space", space,
                     "--sampler", "grid", "--pruner", "none", "--max-epochs", "3",
                     "--root", store, "--study-name", "nan", "--no-report")
    assert result.code == 0, result.err
    study = load_study(store, "nan")
    by_rate = {t.params["learning_rate"]: t for t in study.trials}
    assert by_rate[1e12].state.name == "FAIL"
    assert by_rate[1e12].user_attrs["automl.fail_reason"].startswith("nan_")
    assert study.best_trial.params["learning_rate"] == 0.001
    runs = {r["trial_number"]: r for r in trial_runs(store, study)}
    assert runs[by_rate[1e12].number]["status"] == "FAILED"


def test_timeout_stops_a_running_trial_and_keeps_the_best(run_cli, store, tiny_space,
                                                          cancer_split, monkeypatch):
    monkeypatch.setenv("AUTOML_TESTING", "1")
    monkeypatch.setenv("AUTOML_FAULT", "epoch_end:0@1=hang")
    result = run_cli("search", cancer_split[0], "--target", "diagnosis", "--space", tiny_space,
                     "--n-trials", "5", "--max-epochs", "2", "--sampler", "random",
                     "--timeout", "40", "--root", store, "--study-name", "timeout", "--no-report")
    assert result.code == 0, result.err
    study = load_study(store, "timeout")
    assert study.trials[0].state.name == "COMPLETE"
    assert study.trials[1].state.name == "FAIL"  # hung: stopped by the search, not left RUNNING
    assert study.trials[1].user_attrs["automl.fail_reason"].startswith("search_timeout")
    assert len(study.trials) == 2
    assert "Best trial 0" in result.out
    assert StudyPaths.for_study(store, "timeout").best_model.joinpath("model.keras").exists()
