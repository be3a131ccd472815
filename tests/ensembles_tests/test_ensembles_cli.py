"""Mistakes in the ensemble options end with one line and exit code 2, before any work."""

from __future__ import annotations

import json
import re

import optuna
import pandas as pd
import pytest
from ensembles_testkit import EXAMPLES

from automl.search._study import StudyPaths
from automl.search._study import open_storage


def test_unknown_study_names_the_store_and_the_studies_there(run_cli, tmp_path):
    (tmp_path / "store" / "studies" / "iris").mkdir(parents=True)
    (tmp_path / "store" / "studies" / "iris" / "job.json").write_text("{}")
    result = run_cli("ensemble", "--study-name", "wine", "--root", tmp_path / "store")
    assert result.code == 2
    assert result.err.startswith("automl: error: Invalid value for '--study-name': no study "
                                 "'wine' under ")
    assert "Available studies: ['iris']." in result.err


@pytest.mark.parametrize(("args", "message"), [
    (("--top-k", "0"), "Invalid value for '--top-k': expected an integer from 1 to 100. "
                       "Received: 0."),
    (("--method", "stacking", "--folds", "50"), "Invalid value for '--folds': expected an "
                                                "integer from 2 to 20. Received: 50."),
])
def test_out_of_range_options_fail_before_reading_the_study(run_cli, tmp_path, args, message):
    result = run_cli("ensemble", "--study-name", "wine", "--root", tmp_path, *args)
    assert result.code == 2
    assert result.err.strip() == f"automl: error: {message}"


def test_a_study_without_completed_trials_has_nothing_to_ensemble(run_cli, tmp_path):
    paths = StudyPaths.for_study(tmp_path, "empty")
    storage = f"journal:{paths.journal}"
    optuna.create_study(study_name="empty", storage=open_storage(storage))
    job = {"study_name": "empty", "storage": storage, "space": None, "context": {"task": "binary"},
           "metric": "roc_auc", "direction": "maximize"}
    (paths.folder / "job.json").write_text(json.dumps(job))
    result = run_cli("ensemble", "--study-name", "empty", "--root", tmp_path)
    assert result.code == 2
    assert "Study 'empty' has no completed trial: there is nothing to ensemble." in result.err


@pytest.mark.parametrize(("args", "message"), [
    (("--cv", "1"), r"Invalid value for '--cv': expected an integer from 2 to 20 \(folds\)\. "
                    r"Received: 1\.$"),
    (("--cv", "8"), r"Invalid value for '--cv': 8 folds need at least 8 training and validation "
                    r"rows of each class\. Received: class 'rare' has [4-7] in '.*small\.csv'\.$"),
    (("--ensemble", "voting", "--top-k", "0"), r"Invalid value for '--top-k': expected an "
                                               r"integer from 1 to 100\. Received: 0\.$"),
])
def test_search_rejects_bad_cv_and_ensemble_options_before_writing(run_cli, tmp_path, args,
                                                                   message):
    frame = pd.read_csv(EXAMPLES / "wine.csv").head(60)
    frame["cultivar"] = ["common"] * 52 + ["rare"] * 8  # the test split takes 1 or 2 rare rows
    frame.to_csv(tmp_path / "small.csv", index=False)
    result = run_cli("search", tmp_path / "small.csv", "--target", "cultivar", "--root",
                     tmp_path / "store", "--n-trials", "1", "--max-epochs", "1", *args)
    assert result.code == 2
    assert re.fullmatch(f"automl: error: {message}", result.err.strip().splitlines()[-1])
    assert not (tmp_path / "store").exists()
