"""Final evaluation: score the best model on the held-out test part, save it as a bundle, and
log the results to MLflow.

It is the only code that reads the test part, and it runs once the search has chosen and its
workers are gone (so importing Keras here no longer weighs on the search process).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Mapping


def finalize(job: Mapping[str, Any]) -> dict[str, Any]:
    """Scores the study's best trial on the test part, saves its bundle, logs the results.

    Keras is imported only here, once the search's workers are gone.

    Returns:
        ``{"best_trial", "best_value", "best_params", "test_scores", "model_path"}``.
    """
    from automl._quiet import import_keras

    keras = import_keras()
    import optuna

    from automl.data import load_saved_dataset
    from automl.search._progress import best_trial
    from automl.search._study import StudyPaths
    from automl.search._study import open_storage
    from automl.tracking import MlflowTracker

    paths = StudyPaths(Path(job["study_folder"]))
    study = optuna.load_study(study_name=job["study_name"], storage=open_storage(job["storage"]))
    trials = study.get_trials(deepcopy=False)
    best = best_trial(trials, job["direction"])
    dataset = load_saved_dataset(paths.dataset)
    tracker = MlflowTracker(job["tracking_uri"], job["experiment_name"])
    model = keras.saving.load_model(_best_model_file(paths, best, tracker), safe_mode=True)
    scores, outputs = _score_on_test(model, dataset, paths)
    output = _save_best_bundle(job, best, model, dataset, scores)
    _log_results(job, tracker, trials, best, scores, output)
    if getattr(dataset.spec, "kind", None) == "image":
        _log_image_artifacts(job, tracker, best, dataset, outputs, paths)
    _prune_trial_models(paths, trials, job["direction"], keep=int(job.get("keep_models", 20)))
    return {"best_trial": best.number, "best_value": best.value, "best_params": best.params,
            "test_scores": scores, "model_path": str(output)}


def _score_on_test(model: Any, dataset: Any, paths: Any) -> tuple[dict[str, float], Any]:
    """The report metrics of ``model`` on the held-out test part, and its outputs (which are
    kept in the study folder). Test images are streamed from disk in chunks."""
    from automl import metrics
    from automl.training import decode_outputs
    from automl.training import predict_part

    outputs = decode_outputs(predict_part(model, dataset, "test"), dataset)
    regression = dataset.spec.task == "regression"
    y_true = decode_outputs(dataset.y_test, dataset) if regression else dataset.y_test
    _save_test_outputs(paths, y_true, outputs, dataset.spec)
    return metrics.test_scores(y_true, outputs, dataset.spec.task), outputs


def _save_best_bundle(job: Mapping[str, Any], best: Any, model: Any, dataset: Any,
                      scores: dict[str, float]) -> Path:
    from automl import bundle
    from automl.search._report import versions

    summary = {
        "study_name": job["study_name"], "trial_number": best.number, "metric": job["metric"],
        "direction": job["direction"], "validation_value": best.value, "params": best.params,
        "test_scores": scores, "target": dataset.summary.get("target"),
        "task": dataset.spec.task, "data_sha256": dataset.summary.get("data_sha256"),
        "versions": versions(),
    }
    output = Path(job["output"])
    if getattr(dataset.spec, "kind", None) == "image":
        summary["class_mapping"] = dataset.summary.get("class_mapping")
        bundle.save_image_bundle(output, model=model, spec=dataset.spec, metadata=summary)
        return output
    bundle.save_bundle(output, model=model, preprocessor=dataset.preprocessor,
                       target_encoder=dataset.target_encoder, spec=dataset.spec,
                       metadata=summary)
    return output


def _log_results(job: Mapping[str, Any], tracker: Any, trials: Any, best: Any,
                 scores: dict[str, float], output: Path) -> None:
    """The bundle goes to the best trial's run; scores and tables to the search's run."""
    from automl.search._report import top_trials_table

    run_id = best.user_attrs.get("automl.mlflow_run_id")
    if run_id:
        tracker.log_artifacts_to_run(run_id, output, artifact_path="model")
    monitor = f"val_{job['metric']}"
    tracker.log_search_results(
        job["parent_run_id"],
        metrics={**{f"test_{k}": v for k, v in scores.items()}, f"best_{monitor}": best.value},
        tags={"automl.best_trial": best.number, "automl.best_run_id": run_id or ""},
        text={"top_trials.txt": top_trials_table(trials, job["direction"], monitor, k=20),
              "best_params.json": json.dumps(best.params, indent=2, default=str)},
    )


def _log_image_artifacts(job: Mapping[str, Any], tracker: Any, best: Any, dataset: Any,
                         outputs: Any, paths: Any) -> None:
    """The best model's confusion matrix and misclassified test images, to the best trial's
    run and the search run (whatever ``--no-report`` says: they describe the model)."""
    from automl.reports import image_model_artifacts

    files = image_model_artifacts(
        paths.folder / "best_model_images", files=dataset.files("test"), y_true=dataset.y_test,
        outputs=outputs, class_names=list(dataset.class_names), image_size=dataset.image_size,
        channels=dataset.channels)
    run_id = best.user_attrs.get("automl.mlflow_run_id")
    for target in filter(None, (run_id, job["parent_run_id"])):
        tracker.log_search_results(target, artifacts=list(files.values()),
                                   artifact_path="best_model_images")


def _best_model_file(paths: Any, best: Any, tracker: Any) -> Path:
    """The best trial's model file; fetched from its MLflow run if another host trained it."""
    local = paths.trial_folder(best.number) / "model.keras"
    if local.exists():
        return local
    run_id = best.user_attrs.get("automl.mlflow_run_id")
    if not run_id:
        raise FileNotFoundError(f"The model of trial {best.number} is neither at {local} nor "
                                "logged to MLflow.")
    folder = tracker.download_artifacts(run_id, "trial_outputs", paths.trial_folder(best.number))
    return folder / "model.keras"


def _save_test_outputs(paths: Any, y_true: Any, outputs: Any, spec: Any) -> None:
    """Keeps the best model's held-out predictions, for reports (no model reload needed)."""
    import numpy as np

    target = paths.folder / "best_test_outputs.npz"
    staging = paths.folder / ".best_test_outputs.tmp.npz"
    np.savez(staging, y_true=np.asarray(y_true), outputs=np.asarray(outputs),
             class_names=np.asarray(spec.class_names, dtype=str), task=np.asarray(spec.task))
    staging.replace(target)


def _prune_trial_models(paths: Any, trials: Any, direction: str, keep: int) -> None:
    """Deletes the model files of trials outside the best ``keep`` (disk stays bounded)."""
    from automl.search._report import ranked_trials

    kept = {t.number for t in ranked_trials(trials, direction)[:keep]}
    for trial in trials:
        if trial.number not in kept:
            model = paths.trial_folder(trial.number) / "model.keras"
            if model.exists():
                model.unlink()
    shutil.rmtree(paths.folder / "tmp", ignore_errors=True)
