"""End to end: a small ``--cv`` search with ``--ensemble``, then ``automl ensemble`` on the
finished study with every method, real training (refits in worker processes), a real Optuna
journal and a real MLflow SQLite store in a temporary folder."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import mlflow
import numpy as np
import optuna
import pandas as pd
import pytest
from ensembles_testkit import EXAMPLES
from mlflow.tracking._tracking_service import utils as tracking_utils

from automl.data import Dataset
from automl.ensembles._meta import LinearMetaLearner
from automl.ensembles._methods import meta_training_set
from automl.search._report import ranked_trials
from automl.search._study import StudyPaths
from automl.search._study import open_storage
from automl.tracking import MlflowTracker
from automl.tracking import default_tracking_uri
from automl.training._cv import fold_indices
from automl.training._cv import pool_arrays

pytestmark = pytest.mark.slow

SPACE = """\
builder: mlp
params:
  n_layers: {type: int, low: 1, high: 2}
  units: {type: categorical, choices: [16, 32]}
  learning_rate: {type: float, low: 1.0e-2, high: 3.0e-2, log: true}
  batch_size: {type: fixed, value: 32}
"""


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def check_beats_worst_member(folder: Path, metric: str = "accuracy") -> dict:
    """The ensemble's test score is at least its worst member's; returns its metadata."""
    metadata = read_json(folder / "metadata.json")
    assert metadata["kind"] == "ensemble"
    assert metadata["test_scores"][metric] >= min(metadata["member_test_scores"].values())
    return metadata


def check_cv_trials(paths: StudyPaths, study: optuna.Study, tracker: MlflowTracker) -> None:
    dataset = Dataset.load(paths.search_dataset)
    n_pool = len(dataset.y_train) + len(dataset.y_val)
    runs = {r["trial_number"]: r for r in tracker.trial_runs(
        study.user_attrs["automl.mlflow_parent_run_id"])}
    for trial in study.trials:
        assert trial.state.name == "COMPLETE"
        assert sorted(trial.intermediate_values) == [0, 1]  # one report per fold
        folds = tracker.metric_history(runs[trial.number]["run_id"], "fold_val_accuracy")
        assert [step for step, _ in folds] == [0, 1]
        assert trial.value == pytest.approx(np.mean([value for _, value in folds]))
        folder = paths.trial_folder(trial.number)
        oof = np.load(folder / "oof_outputs.npy")
        assert oof.shape == (n_pool, 3)
        np.testing.assert_array_equal(np.load(folder / "oof_index.npy"), np.arange(n_pool))
        np.testing.assert_array_equal(np.load(folder / "val_outputs.npy"),
                                      oof[len(dataset.y_train):])


def check_meta_saw_out_of_fold_rows(folder: Path, oof_files: list[Path], dataset: Dataset):
    """Refitting the meta-learner on the stored out-of-fold predictions gives its numbers."""
    meta = read_json(folder / "ensemble.json")["combiner"]["meta"]
    _, y = pool_arrays(dataset)
    oof = [(np.load(f / "oof_outputs.npy"), np.load(f / "oof_index.npy")) for f in oof_files]
    features = meta_training_set(oof, y, "multiclass", [str(f) for f in oof_files])
    refit = LinearMetaLearner().fit(features, y, task="multiclass", n_classes=3)
    np.testing.assert_allclose(meta["coef"], refit.coef_, atol=1e-9)
    np.testing.assert_allclose(meta["intercept"], refit.intercept_, atol=1e-9)


def test_cv_search_with_ensemble_then_every_method_on_the_finished_study(run_cli, tmp_path,
                                                                        monkeypatch):
    store, space = tmp_path / "store", tmp_path / "space.yaml"
    space.write_text(textwrap.dedent(SPACE), encoding="utf-8")
    searched = run_cli("search", EXAMPLES / "wine.csv", "--target", "cultivar", "--space", space,
                       "--root", store, "--study-name", "wine", "--n-trials", "3",
                       "--max-epochs", "4", "--sampler", "random", "--pruner", "none",
                       "--metric", "accuracy", "--cv", "2", "--workers", "0",
                       "--ensemble", "stacking", "--top-k", "2", "--quiet")
    assert searched.code == 0, searched.err
    assert "Ensemble 'stacking' of trials" in searched.out
    assert re.search(r"held-out test\s+ensemble\s+best single \(trial \d\)", searched.out)

    paths = StudyPaths.for_study(store, "wine")
    study = optuna.load_study(study_name="wine", storage=open_storage(f"journal:{paths.journal}"))
    tracker = MlflowTracker(default_tracking_uri(store), "wine")
    check_cv_trials(paths, study, tracker)
    dataset = Dataset.load(paths.search_dataset)

    stacking = paths.folder / "ensemble_stacking"
    metadata = check_beats_worst_member(stacking)
    top = [t.number for t in ranked_trials(study.trials, "maximize")]  # ties: lower val loss
    assert metadata["member_trials"] == top[:2] and metadata["best_trial"] == top[0]
    training = read_json(stacking / "ensemble.json")["combiner"]["training"]
    assert training == {"source": "out_of_fold", "folds": 2, "rows": len(pool_arrays(dataset)[1]),
                        "reused_from_search": True}
    check_meta_saw_out_of_fold_rows(stacking, [paths.trial_folder(n) for n in top[:2]], dataset)
    with np.load(paths.folder / "ensemble_stacking_test_outputs.npz") as saved:  # for reports
        assert saved["outputs"].shape == (len(Dataset.load(paths.dataset).y_test), 3)

    parent = study.user_attrs["automl.mlflow_parent_run_id"]
    trial_runs = {r["trial_number"]: r["run_id"] for r in tracker.trial_runs(parent)}
    ensemble_runs = tracker.client.search_runs([tracker.experiment_id],
                                               "tags.`automl.role` = 'ensemble'")
    assert len(ensemble_runs) == 1
    run = ensemble_runs[0]
    assert run.info.status == "FINISHED" and run.data.tags["mlflow.parentRunId"] == parent
    assert run.data.tags["automl.member_run_ids"] == ",".join(trial_runs[n] for n in top[:2])
    assert run.data.params["method"] == "stacking"
    assert run.data.metrics["test_accuracy"] == metadata["test_scores"]["accuracy"]
    assert run.data.metrics["best_single_test_accuracy"] == \
        metadata["best_single_test_scores"]["accuracy"]
    assert "diversity_disagreement" in run.data.metrics

    # Voting on the finished study: no refit, weights from validation scores.
    voted = run_cli("ensemble", "--study-name", "wine", "--root", store, "--method", "voting",
                    "--voting", "weighted", "--top-k", "3", "--output", tmp_path / "voting")
    assert voted.code == 0, voted.err
    metadata = check_beats_worst_member(tmp_path / "voting")
    weights = read_json(tmp_path / "voting" / "ensemble.json")["weights"]
    values = {f"trial-{t.number:05d}": t.value for t in study.trials}
    assert weights == pytest.approx({k: v / sum(values.values()) for k, v in values.items()})

    rows = pd.read_csv(EXAMPLES / "wine.csv").drop(columns=["cultivar"]).head(30)
    rows.to_csv(tmp_path / "rows.csv", index=False)
    predicted = run_cli("predict", tmp_path / "voting", tmp_path / "rows.csv", "-o",
                        tmp_path / "pred.csv")
    assert predicted.code == 0, predicted.err
    table = pd.read_csv(tmp_path / "pred.csv")
    model_uri = re.search(r"pyfunc model (\S+)", voted.out).group(1)
    monkeypatch.setattr(tracking_utils, "_tracking_uri", default_tracking_uri(store))
    served = mlflow.pyfunc.load_model(model_uri).predict(rows)
    assert served["prediction"].tolist() == table["prediction"].tolist()
    np.testing.assert_allclose(served.iloc[:, 1:], table.iloc[:, 1:], atol=1e-9)

    # Greedy selection over the out-of-fold predictions of the --cv search.
    selected = run_cli("ensemble", "--study-name", "wine", "--root", store, "--method",
                       "selection", "--top-k", "3", "--size", "10", "-q")
    assert selected.code == 0, selected.err
    details = read_json(paths.folder / "ensemble_selection" / "ensemble.json")["details"]
    assert details["rows"] == "out_of_fold" and len(details["picks"]) == 10
    check_beats_worst_member(paths.folder / "ensemble_selection")

    # Bagging: the best configuration retrained on bootstrap samples in a worker process.
    bagged = run_cli("ensemble", "--study-name", "wine", "--root", store, "--method", "bagging",
                     "--top-k", "1", "--bags", "2", "-q")
    assert bagged.code == 0, bagged.err
    assert "Out-of-bag estimate: accuracy" in bagged.out
    metadata = check_beats_worst_member(paths.folder / "ensemble_bagging")
    assert sorted(metadata["member_test_scores"]) == [f"trial-{top[0]:05d}-bag-0",
                                                      f"trial-{top[0]:05d}-bag-1"]

    # Stacking with 3 folds: the study's 2-fold predictions do not fit, so members are refitted.
    restacked = run_cli("ensemble", "--study-name", "wine", "--root", store, "--method",
                        "stacking", "--folds", "3", "--top-k", "2", "-q")
    assert restacked.code == 0, restacked.err
    refits = [paths.trial_folder(n) / "refit_k3" for n in top[:2]]
    _, y_pool = pool_arrays(dataset)
    expected_folds = [f.tolist() for f in fold_indices(y_pool, 3, "multiclass", seed=0)]
    for refit in refits:
        assert read_json(refit / "result.json")["folds"] == expected_folds
    check_meta_saw_out_of_fold_rows(stacking, refits, dataset)
    check_beats_worst_member(stacking)
