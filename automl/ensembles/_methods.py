"""The four ensemble methods: each turns the chosen members into member models + a combiner.

* voting: the trials' own models; weights equal (soft, hard) or from validation scores;
* selection: greedy selection with replacement over the stored validation predictions (or the
  out-of-fold ones of a ``--cv`` search); no refits;
* stacking: a meta-learner fitted on out-of-fold predictions (reused from a ``--cv`` search
  or made by K-fold refits in worker processes), or on the validation part (``blend``); the
  members are the trials' own models, which never trained on those rows;
* bagging: each configuration retrained on bootstrap samples of the training part in worker
  processes; predictions averaged; out-of-bag estimate.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Sequence

import numpy as np

from automl import metrics as metrics_lib
from automl.ensembles._artifact import MemberFile
from automl.ensembles._combine import greedy_selection
from automl.ensembles._combine import out_of_bag_outputs
from automl.ensembles._combine import score_weights
from automl.ensembles._combiners import Combiner
from automl.ensembles._combiners import MajorityVote
from automl.ensembles._combiners import Stacker
from automl.ensembles._combiners import WeightedAverage
from automl.ensembles._config import EnsembleConfig
from automl.ensembles._meta import make_meta_learner
from automl.ensembles._meta import stack_features
from automl.ensembles._refit import read_result
from automl.ensembles._refit import run_refits
from automl.ensembles._refit_tasks import OOB_INDEX
from automl.ensembles._refit_tasks import OOB_OUTPUTS
from automl.ensembles._refit_tasks import bootstrap_task
from automl.ensembles._refit_tasks import folds_task
from automl.ensembles._study import Member
from automl.ensembles._study import StudySource
from automl.exceptions import ConfigError
from automl.exceptions import DataError
from automl.training._cv import load_oof_outputs

__all__ = ["FittedMethod", "align_rows", "fit_method", "metric_targets", "meta_training_set"]

Announce = Callable[[str], None]


@dataclasses.dataclass
class FittedMethod:
    """What a method made.

    Attributes:
        members: The member models, in the combiner's order.
        combiner: How their outputs are combined.
        details: JSON facts (weights by trial, selection picks, stacking rows, OOB score...).
    """

    members: list[MemberFile]
    combiner: Combiner
    details: dict[str, Any]


def metric_targets(y: np.ndarray, dataset: Any) -> np.ndarray:
    """Targets in metric units: class indices, or regression values in the target's units."""
    if dataset.spec.task == "regression":
        return np.asarray(dataset.target_encoder.decode(y), dtype=np.float64)
    return np.asarray(y)


def align_rows(outputs: np.ndarray, index: np.ndarray, n_rows: int, name: str) -> np.ndarray:
    """Puts outputs in row order and checks that every row has exactly one.

    Raises:
        DataError: If some rows have no output (an interrupted or foreign file).
    """
    index = np.asarray(index, dtype=np.int64)
    if len(index) != n_rows or not np.array_equal(np.sort(index), np.arange(n_rows)):
        raise DataError(f"Out-of-fold predictions of {name} cover {len(np.unique(index))} of "
                        f"{n_rows} rows. Expected one prediction per training and validation "
                        "row; remove the file to refit.")
    aligned = np.empty_like(np.asarray(outputs))
    aligned[index] = outputs
    return aligned


def meta_training_set(oof: Sequence[tuple[np.ndarray, np.ndarray]], y_pool: np.ndarray,
                      task: str, names: Sequence[str]) -> np.ndarray:
    """The stacking meta-learner's inputs: each member's out-of-fold outputs, row-aligned.

    Args:
        oof: ``(outputs, pool rows)`` of each member, as written by a K-fold fit.
        y_pool: Targets of the pool rows (only their count is used).
        task: The dataset's task.
        names: Member names, for messages.

    Returns:
        Features ``(n_pool, ...)`` from :func:`stack_features`.
    """
    aligned = [align_rows(outputs, index, len(y_pool), name)
               for (outputs, index), name in zip(oof, names)]
    return stack_features(aligned, task)


def _trial_files(members: Sequence[Member]) -> list[MemberFile]:
    return [MemberFile(m.name, m.model_path, m.number) for m in members]


def _weights_by_trial(members: Sequence[Member], weights: Sequence[float]) -> dict[str, float]:
    return {str(m.number): round(float(w), 10) for m, w in zip(members, weights)}


def _fit_voting(source: StudySource, members: list[Member], config: EnsembleConfig,
                announce: Announce) -> FittedMethod:
    source.require_models(members)
    if config.voting == "hard" and source.task == "regression":
        raise ConfigError("Invalid value for '--voting': 'hard' needs classes. Expected 'soft' "
                          "or 'weighted' for a regression study. Received: 'hard'.")
    values = [m.value for m in members]
    weights = (score_weights(values, source.direction) if config.voting == "weighted"
               else np.full(len(members), 1.0 / len(members)))
    n_classes = source.search_dataset().spec.n_classes
    combiner = (MajorityVote(weights, n_classes) if config.voting == "hard"
                else WeightedAverage(weights))
    return FittedMethod(_trial_files(members), combiner,
                        {"voting": config.voting,
                         "weights_by_trial": _weights_by_trial(members, weights)})


def _selection_rows(source: StudySource, members: list[Member],
                    dataset: Any) -> tuple[list[np.ndarray], np.ndarray, str]:
    oof = [m.oof_outputs() for m in members]
    if all(o is not None for o in oof):
        y_pool = np.concatenate([dataset.y_train, dataset.y_val])
        outputs = [align_rows(o, i, len(y_pool), m.name) for (o, i), m in zip(oof, members)]
        return outputs, metric_targets(y_pool, dataset), "out_of_fold"
    return [m.val_outputs() for m in members], metric_targets(dataset.y_val, dataset), "validation"


def _fit_selection(source: StudySource, members: list[Member], config: EnsembleConfig,
                   announce: Announce) -> FittedMethod:
    source.require_models(members)
    dataset = source.search_dataset()
    outputs, y_true, rows = _selection_rows(source, members, dataset)
    result = greedy_selection(outputs, y_true, source.metric, source.task, size=config.size)
    chosen = [i for i, weight in enumerate(result.weights) if weight > 0]
    details = {"size": config.size, "rows": rows,
               "picks": [members[i].number for i in result.picks],
               "selection_scores": result.scores,
               "weights_by_trial": _weights_by_trial(members, result.weights)}
    return FittedMethod(_trial_files([members[i] for i in chosen]),
                        WeightedAverage(result.weights[chosen]), details)


def _stacking_oof(source: StudySource, members: list[Member], n_folds: int, n_workers: int,
                  announce: Announce) -> tuple[list[tuple[np.ndarray, np.ndarray]], bool]:
    if source.cv == n_folds:
        stored = [m.oof_outputs() for m in members]
        if all(s is not None for s in stored):
            return stored, True
    tasks = [folds_task(m, source, n_folds) for m in members]
    run_refits(tasks, n_workers, announce)
    return [load_oof_outputs(task["folder"]) for task in tasks], False


def _fit_stacking(source: StudySource, members: list[Member], config: EnsembleConfig,
                  announce: Announce) -> FittedMethod:
    source.require_models(members)
    dataset = source.search_dataset()
    task, names = source.task, [m.name for m in members]
    if config.blend:
        features = stack_features([m.val_outputs() for m in members], task)
        y_meta = metric_targets(dataset.y_val, dataset)
        training = {"source": "validation", "rows": int(len(y_meta))}
    else:
        n_folds = config.folds or source.cv or 5
        oof, reused = _stacking_oof(source, members, n_folds, config.n_workers, announce)
        y_pool = np.concatenate([dataset.y_train, dataset.y_val])
        features = meta_training_set(oof, y_pool, task, names)
        y_meta = metric_targets(y_pool, dataset)
        training = {"source": "out_of_fold", "folds": n_folds, "rows": int(len(y_meta)),
                    "reused_from_search": reused}
    meta = make_meta_learner(config.meta_learner).fit(
        features, y_meta, task=task, n_classes=dataset.spec.n_classes)
    return FittedMethod(_trial_files(members), Stacker(meta, task, training),
                        {"meta_learner": config.meta_learner, "training": training})


def _fit_bagging(source: StudySource, members: list[Member], config: EnsembleConfig,
                 announce: Announce) -> FittedMethod:
    tasks = [bootstrap_task(m, source, bag) for m in members for bag in range(config.bags)]
    run_refits(tasks, config.n_workers, announce)
    files = [MemberFile(t["name"], f"{t['folder']}/model.keras", t["trial"]) for t in tasks]
    dataset = source.search_dataset()
    outputs = [np.load(f"{t['folder']}/{OOB_OUTPUTS}", allow_pickle=False) for t in tasks]
    indices = [np.load(f"{t['folder']}/{OOB_INDEX}", allow_pickle=False) for t in tasks]
    mean, rows = out_of_bag_outputs(outputs, indices, len(dataset.y_train))
    y_rows = metric_targets(dataset.y_train[rows], dataset)
    oob = metrics_lib.score(source.metric, y_rows, mean, source.task)
    details = {"bags": config.bags, "configurations": [m.number for m in members],
               f"oob_{source.metric}": oob, "oob_rows": int(len(rows)),
               "bag_values": {t["name"]: read_result(t)["value"] for t in tasks}}
    return FittedMethod(files, WeightedAverage(np.ones(len(files))), details)


_METHODS = {"voting": _fit_voting, "selection": _fit_selection, "stacking": _fit_stacking,
            "bagging": _fit_bagging}


def fit_method(source: StudySource, members: list[Member], config: EnsembleConfig,
               announce: Announce = lambda line: None) -> FittedMethod:
    """Runs ``config.method`` on the chosen members.

    Args:
        source: The study.
        members: The best trials, best first.
        config: The ensemble settings.
        announce: Receives progress lines (refits).

    Returns:
        A :class:`FittedMethod`.

    Raises:
        ConfigError: For an option the study cannot take, or a member without its model.
    """
    return _METHODS[config.method](source, members, config, announce)
