"""The saved ensemble folder: predict round trips through load_bundle, `automl predict` and the
MLflow pyfunc loader, for binary, multiclass and regression data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from ensembles_testkit import EXAMPLES
from ensembles_testkit import TARGETS
from ensembles_testkit import tiny_models

from automl.bundle import ModelBundle
from automl.bundle import load_bundle
from automl.bundle import save_bundle
from automl.ensembles import EnsembleBundle
from automl.ensembles._artifact import MemberFile
from automl.ensembles._artifact import predict_members
from automl.ensembles._artifact import save_ensemble
from automl.ensembles._combiners import MajorityVote
from automl.ensembles._combiners import Stacker
from automl.ensembles._combiners import WeightedAverage
from automl.ensembles._meta import KerasMetaLearner
from automl.ensembles._meta import LinearMetaLearner
from automl.ensembles._meta import stack_features
from automl.exceptions import DataError


def raw_rows(task: str, n: int = 25) -> pd.DataFrame:
    name, target = TARGETS[task]
    return pd.read_csv(EXAMPLES / name).drop(columns=[target]).head(n)


def member_files(tmp_path, models) -> list[MemberFile]:
    files = []
    for number, model in enumerate(models):
        path = tmp_path / f"model-{number}.keras"
        model.save(path)
        files.append(MemberFile(f"trial-{number:05d}", path, number))
    return files


def fitted_stacker(dataset, models, meta) -> Stacker:
    task = dataset.spec.task
    outputs = predict_members(models, dataset.x_val, dataset.spec, dataset.target_encoder)
    y = dataset.y_val if task != "regression" else dataset.target_encoder.decode(dataset.y_val)
    meta.fit(stack_features(outputs, task), y, task=task, n_classes=dataset.spec.n_classes)
    return Stacker(meta, task, {"source": "validation", "rows": len(y)})


def combiners(dataset, models) -> dict:
    found = {"weighted": WeightedAverage([0.5, 0.3, 0.2]),
             "stacking": fitted_stacker(dataset, models, LinearMetaLearner())}
    if dataset.spec.task != "regression":
        found["hard"] = MajorityVote([1, 1, 1], dataset.spec.n_classes)
    return found


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_saved_ensemble_predicts_raw_rows_like_its_combined_members(task, datasets, tmp_path):
    dataset = datasets[task]
    models = tiny_models(dataset.spec)
    files = member_files(tmp_path, models)
    frame = raw_rows(task)
    features = dataset.preprocessor.transform(frame)
    expected_members = predict_members(models, features, dataset.spec, dataset.target_encoder)
    for kind, combiner in combiners(dataset, models).items():
        folder = save_ensemble(tmp_path / kind, members=files, combiner=combiner,
                               description={"method": kind}, dataset=dataset,
                               metadata={"method": kind})
        loaded = load_bundle(folder)
        assert isinstance(loaded, EnsembleBundle) and loaded.metadata["kind"] == "ensemble"
        expected = combiner.combine(expected_members)
        np.testing.assert_allclose(loaded.predict_outputs(frame), expected, atol=1e-6)
        table = loaded.predict(frame)
        if task == "regression":
            assert list(table.columns) == ["prediction"]
            np.testing.assert_allclose(table["prediction"], expected, atol=1e-4)
        else:
            labels = dataset.target_encoder.decode(np.argmax(expected, axis=1))
            assert table["prediction"].tolist() == labels.tolist()
            names = dataset.spec.class_names
            assert list(table.columns[1:]) == [f"probability_{c}" for c in names]


def test_ensemble_folder_holds_json_and_keras_files_only(datasets, tmp_path):
    dataset = datasets["multiclass"]
    models = tiny_models(dataset.spec)
    stacker = fitted_stacker(dataset, models, KerasMetaLearner(epochs=3))
    folder = save_ensemble(tmp_path / "ensemble", members=member_files(tmp_path, models),
                           combiner=stacker, description={"method": "stacking"},
                           dataset=dataset, metadata={"method": "stacking"})
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert files == ["ensemble.json", "members/trial-00000.keras", "members/trial-00001.keras",
                     "members/trial-00002.keras", "meta.keras", "metadata.json",
                     "preprocessing.json"]
    description = json.loads((folder / "ensemble.json").read_text())
    assert description["combiner"]["meta"]["kind"] == "keras"
    assert [m["trial"] for m in description["members"]] == [0, 1, 2]
    assert not list(tmp_path.glob(".ensemble.tmp-*"))  # written through a staging folder
    frame = raw_rows("multiclass")
    member_outputs = predict_members(models, dataset.preprocessor.transform(frame), dataset.spec,
                                     dataset.target_encoder)
    np.testing.assert_allclose(load_bundle(folder).predict_outputs(frame),
                               stacker.combine(member_outputs), atol=1e-6)


def test_load_bundle_still_loads_single_models_and_names_missing_ensemble_files(datasets,
                                                                                tmp_path):
    dataset = datasets["binary"]
    model = tiny_models(dataset.spec, n_members=1)[0]
    single = save_bundle(tmp_path / "single", model=model, preprocessor=dataset.preprocessor,
                         target_encoder=dataset.target_encoder, spec=dataset.spec,
                         metadata={"trial_number": 0})
    loaded = load_bundle(single)
    assert type(loaded) is ModelBundle
    folder = save_ensemble(tmp_path / "ensemble", members=member_files(tmp_path, [model]),
                           combiner=WeightedAverage([1.0]), description={}, dataset=dataset,
                           metadata={})
    (folder / "members" / "trial-00000.keras").unlink()
    with pytest.raises(DataError, match=r"is not a complete automl ensemble folder: expected "
                                        r"members/trial-00000\.keras"):
        load_bundle(folder)


def test_automl_predict_and_the_mlflow_pyfunc_loader_serve_the_ensemble(datasets, tmp_path,
                                                                        run_cli, monkeypatch):
    import mlflow
    from mlflow.tracking._tracking_service import utils as tracking_utils

    from automl.tracking import default_tracking_uri
    from automl.tracking._pyfunc import log_ensemble_run

    dataset = datasets["multiclass"]
    models = tiny_models(dataset.spec)
    folder = save_ensemble(tmp_path / "ensemble", members=member_files(tmp_path, models),
                           combiner=fitted_stacker(dataset, models, LinearMetaLearner()),
                           description={"method": "stacking"}, dataset=dataset,
                           metadata={"method": "stacking"})
    frame = raw_rows("multiclass").assign(unknown_column=1)
    expected = load_bundle(folder).predict(frame)

    frame.to_csv(tmp_path / "rows.csv", index=False)
    predicted = run_cli("predict", folder, tmp_path / "rows.csv", "-o", tmp_path / "pred.csv")
    assert predicted.code == 0, predicted.err
    table = pd.read_csv(tmp_path / "pred.csv")
    assert table["prediction"].tolist() == expected["prediction"].tolist()
    np.testing.assert_allclose(table.iloc[:, 1:], expected.iloc[:, 1:], atol=1e-9)

    uri = default_tracking_uri(tmp_path / "store")
    before = tracking_utils._tracking_uri
    logged = log_ensemble_run(uri, "wine", parent_run_id=None, run_name="ensemble-stacking",
                              params={"method": "stacking"}, metrics={"test_accuracy": 0.9,
                                                                      "bad": float("nan")},
                              tags={"automl.member_trials": "0,1,2"},
                              text={"ensemble.json": "{}"}, model_folder=folder)
    run = mlflow.MlflowClient(uri).get_run(logged["run_id"])
    assert run.info.status == "FINISHED"
    assert run.data.tags["automl.role"] == "ensemble"
    assert run.data.tags["automl.nonfinite_metrics"] == "bad"
    assert run.data.metrics == {"test_accuracy": 0.9}
    assert tracking_utils._tracking_uri == before  # MLflow's global setting is left alone
    monkeypatch.setattr(tracking_utils, "_tracking_uri", uri)
    served = mlflow.pyfunc.load_model(logged["model_uri"]).predict(frame)
    assert served["prediction"].tolist() == expected["prediction"].tolist()
    np.testing.assert_allclose(served.iloc[:, 1:], expected.iloc[:, 1:], atol=1e-9)
    requirements = mlflow.pyfunc.get_model_dependencies(logged["model_uri"])
    assert "keras==" in open(requirements).read()
