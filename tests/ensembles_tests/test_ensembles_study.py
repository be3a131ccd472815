"""Reading a study for ensembling: members replayed through the space, remote trials' files."""

from __future__ import annotations

import json

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution

from automl.ensembles._study import StudySource
from automl.search._study import StudyPaths
from automl.search._study import open_storage
from automl.space import Categorical
from automl.space import Float
from automl.space import SearchSpace
from automl.tracking import MlflowTracker
from automl.tracking import default_tracking_uri

SPACE = SearchSpace("mlp", {"optimizer": Categorical(["adam", "sgd"]),
                            "momentum": Float(0.0, 0.9, when={"optimizer": "sgd"}),
                            "label_smoothing": Float(0.0, 0.2, when={"task": "multiclass"})},
                    fixed={"batch_size": 64})
DISTRIBUTIONS = {"optimizer": CategoricalDistribution(["adam", "sgd"]),
                 "momentum": FloatDistribution(0.0, 0.9)}


def make_study(tmp_path, trials: list[tuple[dict, float, dict]], **job_extra) -> StudyPaths:
    paths = StudyPaths.for_study(tmp_path, "s")
    storage = f"journal:{paths.journal}"
    study = optuna.create_study(study_name="s", storage=open_storage(storage),
                                direction="maximize")
    for params, value, attrs in trials:
        study.add_trial(optuna.trial.create_trial(
            params=params, distributions={k: DISTRIBUTIONS[k] for k in params}, value=value,
            user_attrs=attrs))
    job = {"study_name": "s", "storage": storage, "space": SPACE.to_dict(),
           "context": {"task": "binary"}, "metric": "accuracy", "direction": "maximize",
           **job_extra}
    (paths.folder / "job.json").write_text(json.dumps(job))
    return paths


def test_members_are_ranked_and_replayed_through_the_space_with_their_conditions(tmp_path):
    make_study(tmp_path, [({"optimizer": "adam"}, 0.8, {}),
                          ({"optimizer": "sgd", "momentum": 0.5}, 0.9, {}),
                          ({"optimizer": "sgd", "momentum": 0.7}, 0.7, {})])
    members = StudySource(tmp_path / "studies" / "s").ranked_members(top_k=2)
    assert [m.number for m in members] == [1, 0]
    assert members[0].params == {"optimizer": "sgd", "momentum": 0.5, "batch_size": 64}
    assert members[1].params == {"optimizer": "adam", "batch_size": 64}  # no label smoothing
    assert members[0].name == "trial-00001"


def test_files_of_a_trial_trained_on_another_host_are_fetched_from_its_mlflow_run(tmp_path):
    uri = default_tracking_uri(tmp_path / "store")
    tracker = MlflowTracker(uri, "s")
    run_id = tracker.client.create_run(tracker.setup()).info.run_id
    published = tmp_path / "published"
    published.mkdir()
    np.save(published / "val_outputs.npy", np.array([[0.25, 0.75]]), allow_pickle=False)
    tracker.client.log_artifacts(run_id, str(published), "trial_outputs")
    paths = make_study(tmp_path, [({"optimizer": "adam"}, 0.8,
                                   {"automl.mlflow_run_id": run_id})],
                       publish_trial_outputs=True, tracking_uri=uri, experiment_name="s")

    member = StudySource(paths.folder).ranked_members(top_k=1)[0]
    assert member.folder == paths.trial_folder(0) / "trial_outputs"
    assert member.val_outputs().tolist() == [[0.25, 0.75]]
    assert member.oof_outputs() is None
