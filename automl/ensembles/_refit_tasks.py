"""The refit tasks a worker process runs, and how they are described (plain values only).

A task is a dict:

* ``kind``: ``"folds"`` (K-fold refit of one configuration: out-of-fold predictions for
  stacking) or ``"bootstrap"`` (one bagging model trained on a bootstrap sample of the
  training part, with its out-of-bag predictions);
* ``name``, ``trial``, ``params`` (the replayed parameters), ``builder`` (or ``model_fn``, a
  define-by-run function, and the ``imports`` that register custom parts), ``dataset`` (the
  search dataset's folder: no test part), ``training`` (TrainingConfig values), ``seed``;
* ``n_folds`` (folds) or ``bootstrap_seed`` (bootstrap);
* ``folder``: where the results go; ``settings``: what the result depends on (for reuse).

Example:
    >>> task = folds_task(member, source, n_folds=5)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import gc
import importlib
import json
import os
import traceback
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from automl.ensembles._refit import ERROR_FILE
from automl.ensembles._refit import RESULT_FILE

__all__ = ["bootstrap_rows", "bootstrap_task", "folds_task", "run_task"]

_MODEL, OOB_OUTPUTS, OOB_INDEX = "model.keras", "oob_outputs.npy", "oob_index.npy"
_datasets: dict[str, Any] = {}


def _base_task(kind: str, name: str, member: Any, source: Any, folder: Path,
               **extra: Any) -> dict[str, Any]:
    training = {**source.job["training"], "deadline": None}
    seed = int(training["seed"]) + member.number
    settings = {"kind": kind, "params": member.params, "training": training, "seed": seed,
                **extra}
    return {"kind": kind, "name": name, "trial": member.number, "params": member.params,
            "builder": source.builder, "model_fn": source.job.get("model_fn"),
            "imports": list(source.job.get("imports") or ()),
            "dataset": str(source.paths.search_dataset), "training": training, "seed": seed,
            "folder": str(folder), "settings": json.loads(json.dumps(settings, default=str)),
            **extra}


def folds_task(member: Any, source: Any, n_folds: int) -> dict[str, Any]:
    """The K-fold refit of one member (results in ``<trial folder>/refit_k<K>/``).

    The folds are the ones a ``--cv`` search with ``n_folds`` would use (same seed), so a
    trial's refit and its search agree.
    """
    folder = member.folder / f"refit_k{n_folds}"
    return _base_task("folds", f"{member.name}-k{n_folds}", member, source, folder,
                      n_folds=int(n_folds))


def bootstrap_task(member: Any, source: Any, bag: int) -> dict[str, Any]:
    """Bagging model ``bag`` of one member (results in ``<trial folder>/bag_<bag>/``)."""
    bootstrap_seed = int(source.job["training"]["seed"]) * 1000 + 7919 * bag + member.number
    return _base_task("bootstrap", f"{member.name}-bag-{bag}", member, source,
                      member.folder / f"bag_{bag}", bootstrap_seed=bootstrap_seed)


def bootstrap_rows(n_rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A bootstrap sample of ``n_rows`` rows (with replacement) and the rows it left out.

    Example:
        >>> rows, out_of_bag = bootstrap_rows(5, seed=0)
        >>> len(rows), sorted(set(rows.tolist()) | set(out_of_bag.tolist())) == list(range(5))
        (5, True)
    """
    rows = np.random.default_rng(seed).integers(0, n_rows, n_rows)
    return rows, np.setdiff1d(np.arange(n_rows), rows)


def run_task(task: Mapping[str, Any]) -> None:
    """Runs one task; writes ``result.json`` last, or ``error.txt`` with the traceback."""
    import keras

    folder = Path(task["folder"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ERROR_FILE).unlink(missing_ok=True)
    try:
        for module in task.get("imports") or ():  # custom builders, layers, losses
            importlib.import_module(module)
        found = _RUNNERS[task["kind"]](task, folder)
        _write_json(folder / RESULT_FILE, {**found, "name": task["name"],
                                           "settings": task["settings"]})
    except Exception:  # reported to the parent through the error file
        (folder / ERROR_FILE).write_text(traceback.format_exc(), encoding="utf-8")
    finally:
        keras.backend.clear_session()
        gc.collect()


def _dataset(path: str) -> Any:
    from automl.data import Dataset

    if path not in _datasets:
        _datasets[path] = Dataset.load(path)
    return _datasets[path]


def _config(task: Mapping[str, Any]) -> Any:
    from automl.config import TrainingConfig

    return TrainingConfig(**task["training"])


def _model_factory(task: Mapping[str, Any], spec: Any) -> Callable[[int], Any] | None:
    """For a define-by-run study: builds the trial's model by replaying its parameters."""
    if not task.get("model_fn"):
        return None
    import optuna

    from automl.registry import resolve_reference

    model_fn = resolve_reference(task["model_fn"], "model function")
    return lambda fold: model_fn(optuna.trial.FixedTrial(dict(task["params"])), spec)


def _run_folds(task: Mapping[str, Any], folder: Path) -> dict[str, Any]:
    from automl.training._cv import save_oof_outputs
    from automl.training._cv import train_cv

    dataset = _dataset(task["dataset"])
    result = train_cv(task["params"], dataset, _config(task), n_folds=int(task["n_folds"]),
                      builder=task["builder"], model_factory=_model_factory(task, dataset.spec),
                      seed=task["seed"])
    save_oof_outputs(folder, result)
    return {"value": result.best_value, "fold_values": result.fold_values,
            "folds": [fold.tolist() for fold in result.folds]}


def _run_bootstrap(task: Mapping[str, Any], folder: Path) -> dict[str, Any]:
    from automl import models
    from automl.training import decode_outputs
    from automl.training import train_model

    dataset = _dataset(task["dataset"])
    rows, out_of_bag = bootstrap_rows(len(dataset.y_train), int(task["bootstrap_seed"]))
    bagged = dataclasses.replace(dataset, x_train=dataset.x_train[rows],
                                 y_train=dataset.y_train[rows])
    factory = _model_factory(task, dataset.spec)
    fit = train_model(task["params"], bagged, _config(task), builder=task["builder"],
                      model=factory(0) if factory else None,
                      seed=task["seed"] + int(task["bootstrap_seed"]))
    staging = folder / f".{_MODEL}.{os.getpid()}.keras"
    fit.model.save(staging)
    os.replace(staging, folder / _MODEL)
    outputs = models.predict_outputs(fit.model, dataset.x_train[out_of_bag], dataset.spec)
    _save_array(folder / OOB_OUTPUTS, decode_outputs(outputs, dataset))
    _save_array(folder / OOB_INDEX, out_of_bag)
    return {"value": fit.best_value, "n_out_of_bag": int(len(out_of_bag))}


_RUNNERS = {"folds": _run_folds, "bootstrap": _run_bootstrap}


def _save_array(path: Path, values: np.ndarray) -> None:
    staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(staging, "wb") as handle:
        np.save(handle, np.asarray(values), allow_pickle=False)
    os.replace(staging, path)


def _write_json(path: Path, values: Mapping[str, Any]) -> None:
    staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    staging.write_text(json.dumps(values, indent=2, default=str), encoding="utf-8")
    os.replace(staging, path)
