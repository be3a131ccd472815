"""``automl.search`` end to end: every data form, Python and YAML spaces, define-by-run,
custom builders, losses, metrics and callbacks; real training, Optuna and MLflow stores."""

from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest
from api_testkit import EXAMPLES
from sklearn import metrics as skm

import api_testkit
import automl
from automl import metrics
from automl.exceptions import ConfigError
from automl.exceptions import DataError
from automl.exceptions import SearchSpaceError
from automl.tracking import MlflowTracker
from automl.tracking import default_tracking_uri



def trial_runs(store, result):
    tracker = MlflowTracker(default_tracking_uri(store), result.study_name)
    return tracker.trial_runs(result.parent_run_id)


@pytest.mark.slow
def test_csv_file_with_a_python_space(store, tiny_space):
    result = automl.search(EXAMPLES / "breast_cancer.csv", tiny_space, target="diagnosis",
                           n_trials=2, max_epochs=2, metric="accuracy", sampler="random",
                           root=store, study_name="cancer", n_workers=0, quiet=True)
    assert (result.status, result.study_name, result.counts) == ("finished", "cancer",
                                                                 {"COMPLETE": 2})
    assert result.study_folder == str((store / "studies" / "cancer").resolve())
    trials = result.trials_dataframe()
    assert list(trials["state"]) == ["COMPLETE", "COMPLETE"]
    assert result.best_value == trials["value"].max()
    assert set(result.best_params) <= set(tiny_space.names)
    runs = trial_runs(store, result)
    assert [run["status"] for run in runs] == ["FINISHED", "FINISHED"]
    assert runs[0]["params"]["n_layers"] == "1"  # the space's constants reach the trials

    bundle = result.load_best_model()
    frame = pd.read_csv(EXAMPLES / "breast_cancer.csv")
    table = bundle.predict(frame.drop(columns=["diagnosis"]))
    assert list(table.columns) == ["prediction", "probability_benign", "probability_malignant"]
    assert skm.accuracy_score(frame["diagnosis"], table["prediction"]) > 0.8
    assert 0.8 < result.test_scores["accuracy"] <= 1.0

    ensemble = result.build_ensemble("voting", top_k=2)  # thin call into automl.ensembles
    assert 0.5 <= ensemble.test_scores["accuracy"] <= 1.0 and ensemble.output.is_dir()


@pytest.mark.slow
def test_dataframe_with_custom_metric_loss_and_callbacks(store, diabetes, max_error_metric):
    api_testkit.SEEN_EPOCHS.clear()
    space = automl.SearchSpace("mlp", {"units": automl.Categorical([8, 16]),
                                       "loss": automl.Categorical(["mse", "huber"])},
                               fixed={"batch_size": 64, "learning_rate": 0.01})
    result = automl.search(diabetes, space, target="progression",
                           metric=max_error_metric,
                           loss=api_testkit.absolute_error, callbacks=["api_epoch_recorder"],
                           n_trials=2, max_epochs=2, root=store, n_workers=0, quiet=True)
    assert result.metric == "api_max_error" and result.direction == "minimize"
    assert result.study_name.startswith("search-")
    assert api_testkit.SEEN_EPOCHS == [0, 1, 0, 1]
    run = trial_runs(store, result)[0]
    assert run["params"]["loss"] == "api_testkit:absolute_error"  # replaces the sampled loss
    assert "loss" not in result.best_params
    assert {"val_api_max_error", "best_val_api_max_error"} <= set(run["metrics"])
    assert result.test_scores["api_max_error"] >= result.test_scores["mae"]


@pytest.mark.slow
def test_arrays_with_a_define_by_run_function(store):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 4))
    y = (x[:, 0] + x[:, 1] > 0).astype(int)
    result = automl.search((x, y), model_fn=api_testkit.define_by_run, n_trials=2,
                           max_epochs=3, root=store, n_workers=0, quiet=True)
    assert set(result.best_params) == {"width", "learning_rate"}
    model = result.load_best_model().model
    assert model.name == "api_tiny_net"
    assert model.layers[1].units == result.best_params["width"]
    assert result.test_scores["roc_auc"] > 0.8


@pytest.mark.slow
def test_compiled_define_by_run_keeps_its_own_loss(store, diabetes):
    result = automl.search(diabetes, target="progression", n_trials=1, max_epochs=1,
                           model_fn="api_testkit:compiled_define_by_run", root=store,
                           n_workers=0, quiet=True)
    model = keras.saving.load_model(f"{result.model_path}/model.keras", safe_mode=True)
    assert model.loss is api_testkit.scaled_mse


@pytest.mark.slow
def test_custom_builder_named_in_yaml_runs_in_a_worker_process(store, tmp_path):
    space = tmp_path / "tiny_net.yaml"
    space.write_text("builder: api_tiny_net\nparams:\n"
                     "  width: {type: categorical, choices: [4, 8]}\n"
                     "  loss: {type: categorical, choices: [api_scaled_mse, mse]}\n"
                     "fixed: {batch_size: 64, callbacks: [api_epoch_recorder]}\n",
                     encoding="utf-8")
    result = automl.search(EXAMPLES / "diabetes.csv", space, target="progression",
                           imports=["api_testkit"], n_trials=2, max_epochs=2, root=store,
                           sampler="random", n_workers=1, quiet=True)
    assert result.counts == {"COMPLETE": 2}
    saved = json.loads((Path(result.model_path) / "metadata.json").read_text())
    assert saved["params"]["width"] in (4, 8)
    assert result.load_best_model().model.name == "api_tiny_net"


@pytest.mark.parametrize("options, error, message", [
    ({"space": {"builder": "nope", "params": {"a": {"type": "int", "low": 1, "high": 2}}}},
     SearchSpaceError, r"^Unknown model builder 'nope'\. Available builders: \[.*'mlp'.*\]"),
    ({"model_fn": lambda trial, spec: None}, ConfigError,
     r"must be a top-level function of a module or script"),
    ({"loss": lambda y, p: y, "n_workers": 1}, ConfigError,
     r"cannot reach worker processes: it is not a top-level object of a module\. Register it"),
    ({"model_fn": api_testkit.define_by_run, "space": "tabular_mlp"}, ConfigError,
     r"^Give either a search space or a model function \(define-by-run\), not both\."),
    ({"model_fn": api_testkit.define_by_run, "loss": "mae"}, ConfigError,
     r"^`loss` and `callbacks` apply to a search space"),
    ({"imports": ["no_such_module_xyz"]}, ConfigError,
     r"^Cannot import module 'no_such_module_xyz' named in `imports`"),
    ({"metric": metrics.Metric("m", "maximize", ("binary",), len)}, ConfigError,
     r"^Invalid `metric`: expected a metric name or the Metric that automl\.register_metric"),
    ({"metric": "api_no_such_metric"}, ConfigError,
     r"^Invalid value for '--metric': 'api_no_such_metric' is unknown\. Expected one of "),
    ({"space": 3}, ConfigError, r"^Invalid `space`: expected a SearchSpace"),
    ({"n_trials": 0}, ConfigError, r"^Invalid value for '--n-trials'"),
    ({"loss": "unknown_loss_name:x"}, ConfigError, r"^Cannot find the loss"),
])
def test_mistakes_are_refused_before_anything_is_written(store, options, error, message):
    with pytest.raises(error, match=message):
        automl.search(EXAMPLES / "breast_cancer.csv", target="diagnosis", root=store,
                      **options)
    assert not store.exists()


def test_missing_target_is_refused(store):
    with pytest.raises(DataError, match=r"^Missing `target`"):
        automl.search(EXAMPLES / "breast_cancer.csv", root=store)
    assert not store.exists()
