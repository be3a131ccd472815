"""MlflowTracker and TrialRun against real SQLite MLflow stores."""

from __future__ import annotations

import math
import pickle
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from automl.exceptions import ConfigError
from automl.tracking import MlflowTracker
from automl.tracking import default_tracking_uri
from automl.tracking._trial import TrialRun


def test_setup_creates_database_and_experiment_and_is_idempotent(tmp_path: Path) -> None:
    uri = default_tracking_uri(tmp_path / "new" / "mlruns")
    tracker = MlflowTracker(uri, "my study/v1")

    first, second = tracker.setup(), tracker.setup()

    assert first == second == tracker.experiment_id
    assert (tmp_path / "new" / "mlruns" / "mlflow.db").is_file()
    experiment = MlflowClient(uri).get_experiment(first)
    assert experiment.name == "my study/v1"
    assert experiment.artifact_location == (tmp_path / "new/mlruns/my_study_v1").as_uri()


def test_setup_restores_a_deleted_experiment(tracker: MlflowTracker) -> None:
    tracker.client.delete_experiment(tracker.experiment_id)

    again = MlflowTracker(tracker.tracking_uri, "study")

    assert again.setup() == tracker.experiment_id
    assert tracker.client.get_experiment(again.experiment_id).lifecycle_stage == "active"


def test_experiment_id_resolves_lazily_in_a_fresh_tracker(tracker: MlflowTracker) -> None:
    worker_side = MlflowTracker(tracker.tracking_uri, "study")

    assert worker_side.experiment_id == tracker.experiment_id


def test_tracker_pickles_without_its_client(tracker: MlflowTracker) -> None:
    _ = tracker.client

    copy = pickle.loads(pickle.dumps(tracker))

    assert copy._client is None
    assert copy.experiment_id == tracker.experiment_id
    assert "sqlite:///" in repr(copy)


def _run_three_trials(tracker: MlflowTracker, parent: str) -> None:
    complete = tracker.start_trial_run(parent, 0, {"units": 64, "optimizer": "adam"})
    for epoch in range(3):
        complete.log_epoch(epoch, {"loss": 1.0 / (epoch + 1), "val_loss": 2.0 / (epoch + 1)})
    complete.log_metrics({"best_val_loss": 2.0 / 3})
    complete.finish("COMPLETE")
    pruned = tracker.start_trial_run(parent, 1, {"units": 8, "optimizer": "sgd"})
    for epoch in range(3):
        pruned.log_epoch(epoch, {"loss": 5.0, "val_loss": float("nan")})
    pruned.finish("PRUNED", pruned_epoch=2)
    failed = tracker.start_trial_run(parent, 2, {"units": 512}, tags={"automl.worker": "w1"})
    failed.finish("FAIL", reason="nan_loss: loss became NaN at epoch 0")


def test_trial_runs_report_each_outcome(tracker: MlflowTracker) -> None:
    parent = tracker.start_search_run("search", {"sampler": "tpe"}, {"automl.version": "0.1"})
    _run_three_trials(tracker, parent)

    rows = tracker.trial_runs(parent)

    assert [row["trial_number"] for row in rows] == [0, 1, 2]
    assert [row["status"] for row in rows] == ["FINISHED", "KILLED", "FAILED"]
    assert [row["tags"]["automl.trial_state"] for row in rows] == ["COMPLETE", "PRUNED", "FAIL"]
    for row in rows:
        assert row["tags"]["mlflow.parentRunId"] == parent
        assert row["tags"]["automl.role"] == "trial"
        assert row["tags"]["mlflow.runName"] == f"trial-{row['trial_number']:04d}"
    assert rows[0]["params"] == {"units": "64", "optimizer": "adam"}
    assert rows[0]["metrics"] == {"loss": 1.0 / 3, "val_loss": 2.0 / 3, "best_val_loss": 2.0 / 3}
    assert rows[1]["tags"]["automl.pruned"] == "true"
    assert rows[1]["tags"]["automl.pruned_epoch"] == "2"
    assert rows[2]["tags"]["automl.fail_reason"] == "nan_loss: loss became NaN at epoch 0"
    assert rows[2]["tags"]["automl.worker"] == "w1"


def test_metric_history_has_every_epoch_and_nan_is_tagged_not_logged(
    tracker: MlflowTracker,
) -> None:
    parent = tracker.start_search_run("search", {}, {})
    _run_three_trials(tracker, parent)
    complete, pruned, _ = tracker.trial_runs(parent)

    history = tracker.metric_history(complete["run_id"], "val_loss")

    assert [step for step, _ in history] == [0, 1, 2]
    assert [value for _, value in history] == pytest.approx([2.0, 1.0, 2.0 / 3])
    assert tracker.metric_history(pruned["run_id"], "val_loss") == []
    assert len(tracker.metric_history(pruned["run_id"], "loss")) == 3
    assert pruned["tags"]["automl.nonfinite_metrics"] == "val_loss"
    assert "automl.nonfinite_metrics" not in complete["tags"]


def test_trial_run_buffers_until_finish_or_interval(tracker: MlflowTracker) -> None:
    parent = tracker.start_search_run("search", {}, {})
    now = [0.0]
    base = tracker.start_trial_run(parent, 0, {})
    run = TrialRun(tracker.client, base.run_id, clock=lambda: now[0])

    run.log_epoch(0, {"loss": 1.0})
    now[0] = 9.9
    run.log_epoch(1, {"loss": 0.5})
    buffered = tracker.metric_history(run.run_id, "loss")
    now[0] = 10.0
    run.log_epoch(2, {"loss": 0.25})
    flushed = tracker.metric_history(run.run_id, "loss")

    assert buffered == []
    assert [step for step, _ in flushed] == [0, 1, 2]
    assert tracker.client.get_run(run.run_id).info.status == "RUNNING"


def test_finish_is_idempotent_and_rejects_unknown_states(tracker: MlflowTracker) -> None:
    parent = tracker.start_search_run("search", {}, {})
    run = tracker.start_trial_run(parent, 0, {})
    run.finish("PRUNED", pruned_epoch=1)
    run.finish("FAIL", reason="ignored")

    status = tracker.client.get_run(run.run_id).info.status

    assert status == "KILLED"
    assert run.finished
    with pytest.raises(ConfigError, match=r"Unknown trial state 'DONE'\. Expected one of"):
        run.finish("DONE")


def test_large_batches_are_split_and_long_values_truncated(tracker: MlflowTracker) -> None:
    parent = tracker.start_search_run("search", {"long": "x" * 7000}, {"note": "y" * 9000})
    params = {f"p{i}": i for i in range(150)}
    run = tracker.start_trial_run(parent, 0, params)
    for epoch in range(120):
        run.log_epoch(epoch, {f"m{j}": float(epoch) for j in range(10)})
    run.finish("COMPLETE")

    child = tracker.client.get_run(run.run_id).data
    search = tracker.client.get_run(parent).data

    assert len(child.params) == 150
    assert len(tracker.metric_history(run.run_id, "m9")) == 120
    assert len(search.params["long"]) == 6000
    assert len(search.tags["note"]) == 8000
    assert search.tags["automl.role"] == "search"


def test_close_stale_trial_run_fails_only_running_runs(tracker: MlflowTracker) -> None:
    parent = tracker.start_search_run("search", {}, {})
    orphan = tracker.start_trial_run(parent, 0, {})
    finished = tracker.start_trial_run(parent, 1, {})
    finished.finish("COMPLETE")

    changed = tracker.close_stale_trial_run(orphan.run_id, "worker 1 exited with code -9")
    changed_again = tracker.close_stale_trial_run(orphan.run_id, "again")
    unchanged = tracker.close_stale_trial_run(finished.run_id, "not stale")
    unknown = tracker.close_stale_trial_run("0" * 32, "no such run")

    assert (changed, changed_again, unchanged, unknown) == (True, False, False, False)
    rows = {row["trial_number"]: row for row in tracker.trial_runs(parent)}
    assert rows[0]["status"] == "FAILED"
    assert rows[0]["tags"]["automl.fail_reason"] == "worker 1 exited with code -9"
    assert rows[0]["tags"]["automl.trial_state"] == "FAIL"
    assert rows[1]["status"] == "FINISHED"
    assert "automl.fail_reason" not in rows[1]["tags"]


def test_reopening_a_search_run_keeps_old_params_and_tags_changed_ones(
    tracker: MlflowTracker,
) -> None:
    parent = tracker.start_search_run("search", {"n_trials": 10, "sampler": "tpe"}, {})
    tracker.end_search_run(parent, status="KILLED")

    resumed = tracker.start_search_run(
        "search", {"n_trials": 20, "sampler": "tpe", "timeout": 60}, {"resumes": 1}, run_id=parent
    )

    run = tracker.client.get_run(parent)
    assert resumed == parent
    assert run.info.status == "RUNNING"
    assert run.data.params == {"n_trials": "10", "sampler": "tpe", "timeout": "60"}
    assert run.data.tags["automl.resumed.n_trials"] == "20"
    assert "automl.resumed.sampler" not in run.data.tags
    assert run.data.tags["resumes"] == "1"
    assert run.data.tags["automl.role"] == "search"


def test_reopening_an_unknown_run_raises(tracker: MlflowTracker) -> None:
    with pytest.raises(ConfigError, match=r"Cannot resume MLflow run 'f+' in 'sqlite:.*: no such"):
        tracker.start_search_run("search", {}, {}, run_id="f" * 32)


def test_log_search_results_writes_metrics_tags_text_and_artifacts(
    tracker: MlflowTracker, tmp_path: Path
) -> None:
    parent = tracker.start_search_run("search", {}, {})
    (tmp_path / "summary.json").write_text('{"best": 1}')
    model_dir = tmp_path / "best_model"
    model_dir.mkdir()
    (model_dir / "metadata.json").write_text("{}")

    tracker.log_search_results(
        parent,
        metrics={"best_value": 0.9, "worst_value": math.inf},
        tags={"automl.best_trial": 3},
        artifacts=[tmp_path / "summary.json", model_dir],
        artifact_path="results",
        text={"top_trials.md": "| trial | value |"},
    )
    tracker.end_search_run(parent)

    run = tracker.client.get_run(parent)
    listed = {item.path for item in tracker.client.list_artifacts(parent, "results")}
    nested = {item.path for item in tracker.client.list_artifacts(parent, "results/best_model")}
    assert run.info.status == "FINISHED"
    assert run.data.metrics == {"best_value": 0.9}
    assert run.data.tags["automl.nonfinite_metrics"] == "worst_value"
    assert run.data.tags["automl.best_trial"] == "3"
    assert listed == {"results/summary.json", "results/best_model", "results/top_trials.md"}
    assert nested == {"results/best_model/metadata.json"}
    stored = tmp_path / "mlruns" / "study" / parent / "artifacts" / "results" / "summary.json"
    assert stored.read_text() == '{"best": 1}'


def test_trial_run_and_run_artifacts(tracker: MlflowTracker, tmp_path: Path) -> None:
    parent = tracker.start_search_run("search", {}, {})
    run = tracker.start_trial_run(parent, 0, {})
    (tmp_path / "history.json").write_text("[]")

    run.log_artifact(tmp_path / "history.json", artifact_path="logs")
    tracker.log_artifacts_to_run(parent, tmp_path / "history.json")

    assert [a.path for a in tracker.client.list_artifacts(run.run_id, "logs")] == [
        "logs/history.json"
    ]
    assert [a.path for a in tracker.client.list_artifacts(parent)] == ["history.json"]
    with pytest.raises(FileNotFoundError, match="Artifact path '.*missing.txt' does not exist"):
        run.log_artifact(tmp_path / "missing.txt")


def test_invalid_ids_and_statuses_raise_one_line_errors(tracker: MlflowTracker) -> None:
    parent = tracker.start_search_run("search", {}, {})

    with pytest.raises(ConfigError, match=r"Invalid MLflow run id \"x' OR '1\""):
        tracker.trial_runs("x' OR '1")
    with pytest.raises(ConfigError, match=r"Unknown MLflow run status 'DONE'\. Expected one of"):
        tracker.end_search_run(parent, status="DONE")
