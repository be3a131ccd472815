"""build_ensemble: combine the best trials of a study, score, save and track the ensemble.

It reads only what the study left on disk (``job.json``, the Optuna storage, each trial's
model and validation predictions), so it works on a finished study, on a resumed one, and right
after ``automl search``. Refits run in worker processes; this process only loads the finished
models to score them on the held-out test part, which no choice of the ensemble ever sees.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from automl import metrics as metrics_lib
from automl.ensembles._artifact import predict_members
from automl.ensembles._artifact import save_ensemble
from automl.ensembles._combine import diversity
from automl.ensembles._config import EnsembleConfig
from automl.ensembles._methods import FittedMethod
from automl.ensembles._methods import fit_method
from automl.ensembles._methods import metric_targets
from automl.ensembles._study import Member
from automl.ensembles._study import StudySource

__all__ = ["EnsembleResult", "build_ensemble"]


@dataclasses.dataclass
class EnsembleResult:
    """What :func:`build_ensemble` made.

    Attributes:
        study_name: The study.
        method: The ensemble method.
        member_trials: Trials whose configurations are in the ensemble (best first).
        weights: Weight of each member model, by member name (``trial-00003``...); empty for
            stacking, whose meta-learner's coefficients are in ``ensemble.json``.
        test_scores: The ensemble's held-out test scores.
        best_trial: The study's best trial.
        best_single_test_scores: The best trial's model's held-out test scores.
        member_test_scores: Each member model's test score on the study's metric.
        diversity: ``disagreement`` (classification) and ``mean_correlation`` on the test part.
        details: Method-specific facts (selection picks, stacking rows, out-of-bag score...).
        output: The saved ensemble folder.
        run_id: Its MLflow run.
        model_uri: Its MLflow pyfunc model.
    """

    study_name: str
    method: str
    member_trials: list[int]
    weights: dict[str, float]
    test_scores: dict[str, float]
    best_trial: int
    best_single_test_scores: dict[str, float]
    member_test_scores: dict[str, float]
    diversity: dict[str, float]
    details: dict[str, Any]
    output: Path
    run_id: str = ""
    model_uri: str = ""


def build_ensemble(study_folder: str | os.PathLike, config: EnsembleConfig | None = None, *,
                   announce: Callable[[str], None] = lambda line: None) -> EnsembleResult:
    """Builds, scores, saves and tracks an ensemble of a study's best trials.

    Args:
        study_folder: ``<root>/studies/<study_name>`` (see ``find_study_folder``).
        config: What to build; ``EnsembleConfig()`` (soft voting of the top 5) by default.
        announce: Receives progress lines (refits).

    Returns:
        An :class:`EnsembleResult`.

    Raises:
        ConfigError: If the study has no completed trial, an option does not fit the study,
            or a member's model was deleted.
        AutoMLError: If a refit failed.

    Example:
        >>> result = build_ensemble("mlruns/studies/wine",
        ...                         EnsembleConfig(method="stacking", top_k=3))  # doctest: +SKIP
        >>> scores = result.test_scores, result.best_single_test_scores  # doctest: +SKIP
        >>> scores[0]["accuracy"], scores[1]["accuracy"]                  # doctest: +SKIP
        (0.972, 0.944)
    """
    config = config or EnsembleConfig()
    source = StudySource(study_folder)
    source.check_method(config.method)
    members = source.ranked_members(config.top_k)
    fitted = fit_method(source, members, config, announce)
    dataset = source.dataset()
    scored = _score(source, members, fitted, dataset)
    scored_outputs = scored.pop("outputs")
    output = Path(config.output).resolve() if config.output else source.paths.folder / (
        f"ensemble_{config.method}")
    result = EnsembleResult(
        study_name=source.job["study_name"], method=config.method,
        member_trials=list(dict.fromkeys(m.trial for m in fitted.members)),
        weights=_weights(fitted),
        best_trial=members[0].number, details=fitted.details, output=output, **scored)
    _save(result, fitted, config, dataset)
    _save_test_outputs(source, result.output, scored_outputs, dataset)
    _track(result, source, members, config)
    return result


def _save_test_outputs(source: StudySource, output: Path, outputs: np.ndarray,
                       dataset: Any) -> None:
    """Writes ``<study>/<label>_test_outputs.npz`` (for ``automl report``), atomically.

    The label is the ensemble folder's name (``ensemble_<method>`` by default), prefixed with
    ``ensemble_`` when it lacks it.
    """
    name = "".join(c if c.isalnum() or c in "-_" else "_" for c in output.name)
    label = name if name.startswith("ensemble") else f"ensemble_{name}"
    target = source.paths.folder / f"{label}_test_outputs.npz"
    staging = source.paths.folder / f".{label}_test_outputs.{os.getpid()}.npz"
    np.savez(staging, y_true=metric_targets(dataset.y_test, dataset), outputs=outputs,
             class_names=np.asarray(dataset.spec.class_names, dtype=str),
             task=np.asarray(dataset.spec.task))
    os.replace(staging, target)


def _weights(fitted: FittedMethod) -> dict[str, float]:
    """Each member's share of a weighted combination; empty for stacking (see its meta)."""
    if not hasattr(fitted.combiner, "weights"):
        return {}
    raw = np.asarray(fitted.combiner.weights, dtype=np.float64)
    return {m.name: round(float(w), 10) for m, w in zip(fitted.members, raw / raw.sum())}


def _test_outputs(models: Sequence[Any], dataset: Any) -> list[np.ndarray]:
    """Each model's outputs on the test part, in metric units (test images streamed)."""
    from automl.training import predict_part
    from automl.training._inputs import is_image_data

    if is_image_data(dataset):  # classification: model units are metric units
        return [predict_part(model, dataset, "test") for model in models]
    return predict_members(models, dataset.x_test, dataset.spec, dataset.target_encoder)


def _best_single_outputs(best: Member, fitted: FittedMethod, member_outputs: list[np.ndarray],
                         dataset: Any, load: Callable[[Any], Any]) -> np.ndarray | None:
    """The best trial's test outputs: a member's when it is one (no second pass over the test
    part), else its model's; None when its model was deleted."""
    for member, outputs in zip(fitted.members, member_outputs):
        if Path(member.path) == best.model_path:
            return outputs
    if not best.model_path.is_file():
        return None
    return _test_outputs([load(best.model_path)], dataset)[0]


def _score(source: StudySource, members: list[Member], fitted: FittedMethod,
           dataset: Any) -> dict[str, Any]:
    from automl._quiet import import_keras

    keras = import_keras()
    load = lambda path: keras.saving.load_model(path, safe_mode=True, compile=False)  # noqa: E731
    task, y_test = source.task, metric_targets(dataset.y_test, dataset)
    member_outputs = _test_outputs([load(m.path) for m in fitted.members], dataset)
    outputs = fitted.combiner.combine(member_outputs)
    best_outputs = _best_single_outputs(members[0], fitted, member_outputs, dataset, load)
    return {
        "outputs": outputs,
        "test_scores": metrics_lib.test_scores(y_test, outputs, task),
        "best_single_test_scores": {} if best_outputs is None
        else metrics_lib.test_scores(y_test, best_outputs, task),
        "member_test_scores": {m.name: metrics_lib.score(source.metric, y_test, o, task)
                               for m, o in zip(fitted.members, member_outputs)},
        "diversity": diversity(member_outputs, task),
    }


def _save(result: EnsembleResult, fitted: FittedMethod, config: EnsembleConfig,
          dataset: Any) -> None:
    from automl.search._report import versions

    description = {"method": config.method, "study_name": result.study_name,
                   "member_trials": result.member_trials, "weights": result.weights,
                   "details": fitted.details}
    metadata = {"study_name": result.study_name, "method": config.method,
                "config": config.to_dict(), "member_trials": result.member_trials,
                "test_scores": result.test_scores, "best_trial": result.best_trial,
                "best_single_test_scores": result.best_single_test_scores,
                "member_test_scores": result.member_test_scores,
                "diversity": result.diversity, "target": dataset.summary.get("target"),
                "task": dataset.spec.task, "versions": versions()}
    if "class_mapping" in dataset.summary:  # image studies, as in their best model's folder
        metadata["class_mapping"] = dataset.summary["class_mapping"]
    save_ensemble(result.output, members=fitted.members, combiner=fitted.combiner,
                  description=description, dataset=dataset, metadata=metadata)


def _track(result: EnsembleResult, source: StudySource, members: list[Member],
           config: EnsembleConfig) -> None:
    from automl.tracking._pyfunc import log_ensemble_run

    by_number = {m.number: m for m in members}
    run_ids = [by_number[n].run_id or "" for n in result.member_trials]
    metrics = {**{f"test_{k}": v for k, v in result.test_scores.items()},
               **{f"best_single_test_{k}": v for k, v in result.best_single_test_scores.items()},
               **{f"diversity_{k}": v for k, v in result.diversity.items()},
               **{k: v for k, v in result.details.items() if k.startswith("oob_")}}
    params = {"method": config.method, "top_k": config.top_k,
              "n_members": len(_member_names(result)),
              "member_trials": result.member_trials, "weights": json.dumps(result.weights),
              **_method_params(config)}
    logged = log_ensemble_run(
        source.job["tracking_uri"], source.job["experiment_name"],
        parent_run_id=source.job.get("parent_run_id"), run_name=f"ensemble-{config.method}",
        params=params, metrics=metrics,
        tags={"automl.study_name": result.study_name, "automl.member_run_ids": ",".join(run_ids),
              "automl.member_trials": ",".join(map(str, result.member_trials)),
              "automl.best_trial": result.best_trial},
        text={"ensemble.json": (result.output / "ensemble.json").read_text(encoding="utf-8")},
        model_folder=result.output)
    result.run_id, result.model_uri = logged["run_id"], logged["model_uri"]


def _member_names(result: EnsembleResult) -> list[str]:
    description = json.loads((result.output / "ensemble.json").read_text(encoding="utf-8"))
    return [entry["name"] for entry in description["members"]]


def _method_params(config: EnsembleConfig) -> dict[str, Any]:
    if config.method == "voting":
        return {"voting": config.voting}
    if config.method == "stacking":
        return {"meta_learner": config.meta_learner, "blend": config.blend,
                "folds": config.folds}
    if config.method == "bagging":
        return {"bags": config.bags}
    return {"size": config.size}
