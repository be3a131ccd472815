"""Ensembles of an image-folder study, end to end: a real 3-trial search of digit PNG files with
``--ensemble voting``, then ``automl ensemble`` (voting, selection) on the finished study, the
saved folders predicting on image files with ``automl predict``, and stacking and bagging
refused in one line."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from automl.bundle import load_bundle
from automl.data import ImageDataset
from automl.search._study import StudyPaths
from automl.tracking import MlflowTracker
from automl.tracking import default_tracking_uri

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "images_tests"))
from images_testkit import write_digits  # noqa: E402

SPACE = """\
builder: cnn
params:
  n_blocks: {type: int, low: 1, high: 2}
  filters: {type: categorical, choices: [8, 16]}
  optimizer: {type: fixed, value: adam}
  learning_rate: {type: float, low: 3.0e-3, high: 1.0e-2, log: true}
  batch_size: {type: fixed, value: 16}
"""
CLASSES = [f"digit_{k}" for k in range(4)]
PROBABILITIES = [f"probability_{name}" for name in CLASSES]


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def search_args(folder: Path, store: Path, space: Path) -> list:
    return ["search", folder, "--image-size", "16", "--channels", "1", "--n-trials", "3",
            "--max-epochs", "4", "--root", store, "--study-name", "imgs", "--no-report",
            "--space", space]


def check_scores_recorded(paths: StudyPaths, folder: Path, store: Path, method: str) -> None:
    """Scores as for a tabular ensemble: metadata, the reports' test outputs, an MLflow run;
    and the saved folder, run on the test files, gives the recorded test accuracy."""
    metadata = read_json(folder / "metadata.json")
    assert metadata["kind"] == "ensemble" and metadata["task"] == "multiclass"
    assert set(metadata["member_test_scores"]) == {entry["name"] for entry in read_json(
        folder / "ensemble.json")["members"]}
    assert {"accuracy", "roc_auc", "log_loss"} <= set(metadata["test_scores"])
    assert "accuracy" in metadata["best_single_test_scores"]
    assert metadata["class_mapping"] == {name: k for k, name in enumerate(CLASSES)}
    with np.load(paths.folder / f"{folder.name}_test_outputs.npz") as saved:  # for reports
        outputs, y_true = saved["outputs"], saved["y_true"]
    assert outputs.shape == (len(y_true), 4)

    test = ImageDataset.load(paths.dataset)
    table = load_bundle(folder).predict_files(test.files("test"))
    assert (table["error"] == "").all()
    np.testing.assert_allclose(table[PROBABILITIES].to_numpy(), outputs, atol=1e-6)
    predicted = table["prediction"].map(CLASSES.index).to_numpy()
    np.testing.assert_array_equal(y_true, test.y_test)
    assert (predicted == y_true).mean() == pytest.approx(metadata["test_scores"]["accuracy"])

    tracker = MlflowTracker(default_tracking_uri(store), "imgs")
    runs = tracker.client.search_runs([tracker.experiment_id],
                                      f"tags.`automl.role` = 'ensemble' and params.method = "
                                      f"'{method}'")
    run = max(runs, key=lambda r: r.info.start_time)
    assert run.info.status == "FINISHED"
    assert run.data.metrics["test_accuracy"] == metadata["test_scores"]["accuracy"]
    assert run.data.metrics["best_single_test_accuracy"] == \
        metadata["best_single_test_scores"]["accuracy"]


def check_predict_table(path: Path, n_files: int) -> pd.DataFrame:
    """``automl predict``'s table on image files: one row per file, as an image model's."""
    table = pd.read_csv(path, keep_default_na=False)
    assert table.columns.tolist() == ["file", "prediction", *PROBABILITIES, "error"]
    assert len(table) == n_files
    readable = table[table["error"] == ""]
    assert set(readable["prediction"]) <= set(CLASSES)
    probabilities = readable[PROBABILITIES].astype(float)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    return table


@pytest.mark.slow
def test_voting_and_selection_of_an_image_study_predict_on_image_files(run_cli, tmp_path):
    folder = write_digits(tmp_path / "digits", n_per_class=20, classes=(0, 1, 2, 3))
    store, space = tmp_path / "store", tmp_path / "space.yaml"
    space.write_text(SPACE, encoding="utf-8")
    searched = run_cli(*search_args(folder, store, space), "--ensemble", "voting")
    assert searched.code == 0, searched.err
    assert "Ensemble 'voting' of trials" in searched.out
    assert re.search(r"held-out test\s+ensemble\s+best single \(trial \d\)", searched.out)
    paths = StudyPaths.for_study(store, "imgs")
    voting = paths.folder / "ensemble_voting"
    assert f"automl predict {voting} {folder}" in searched.out
    preprocessing = read_json(voting / "preprocessing.json")
    assert preprocessing["kind"] == "image"
    assert preprocessing["image"]["class_names"] == CLASSES
    assert len(read_json(voting / "ensemble.json")["members"]) == 3
    check_scores_recorded(paths, voting, store, "voting")

    # automl ensemble on the finished study: greedy selection over the validation outputs...
    selected = run_cli("ensemble", "--study-name", "imgs", "--root", store, "--method",
                       "selection", "--size", "10", "-q")
    assert selected.code == 0, selected.err
    selection = paths.folder / "ensemble_selection"
    details = read_json(selection / "ensemble.json")["details"]
    assert details["rows"] == "validation" and len(details["picks"]) == 10
    check_scores_recorded(paths, selection, store, "selection")

    # ...and weighted voting into a folder of its own.
    weighted = run_cli("ensemble", "--study-name", "imgs", "--root", store, "--method", "voting",
                       "--voting", "weighted", "--output", tmp_path / "weighted", "-q")
    assert weighted.code == 0, weighted.err
    weights = read_json(tmp_path / "weighted" / "ensemble.json")["weights"]
    assert len(weights) == 3 and sum(weights.values()) == pytest.approx(1.0)

    # automl predict on the folder: one row per file; an unreadable file gets an error row.
    (folder / "digit_1" / "broken.png").write_text("not an image", encoding="utf-8")
    predicted = run_cli("predict", voting, folder, "-o", tmp_path / "pred.csv")
    assert predicted.code == 0, predicted.err
    assert "1 file could not be read" in predicted.err
    table = check_predict_table(tmp_path / "pred.csv", 4 * 20 + 1)
    broken = table[table["file"].str.endswith("broken.png")].iloc[0]
    assert broken["prediction"] == "" and "cannot be read" in broken["error"]
    one = min((folder / "digit_2").glob("*.png"))
    single = run_cli("predict", selection, one, "-o", tmp_path / "one.csv")
    assert single.code == 0, single.err
    check_predict_table(tmp_path / "one.csv", 1)

    # Stacking and bagging refit on in-memory rows: refused in one line, before any work.
    for method in ("stacking", "bagging"):
        refused = run_cli("ensemble", "--study-name", "imgs", "--root", store, "--method",
                          method)
        assert refused.code == 2
        assert refused.err.strip() == (
            f"automl: error: Invalid value for '--method': {method} does not take image studies "
            "in this version (study 'imgs' searched an image folder). Expected 'voting' or "
            f"'selection' for an image study. Received: '{method}'.")
        assert not (paths.folder / f"ensemble_{method}").exists()


@pytest.mark.parametrize("method", ["stacking", "bagging"])
def test_search_of_an_image_folder_refuses_stacking_and_bagging_before_writing(run_cli,
                                                                               tmp_path, method):
    folder = write_digits(tmp_path / "digits", n_per_class=4, classes=(0, 1))
    store, space = tmp_path / "store", tmp_path / "space.yaml"
    space.write_text(SPACE, encoding="utf-8")
    refused = run_cli(*search_args(folder, store, space), "--ensemble", method)
    assert refused.code == 2
    assert refused.err.strip() == (
        f"automl: error: Invalid value for '--ensemble': {method} does not take image studies in "
        f"this version ('{folder}' is an image folder). Expected 'voting' or 'selection' for an "
        f"image study. Received: '{method}'.")
    assert not store.exists()
