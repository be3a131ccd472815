"""Cross-validated training: one configuration trained on K folds of the search rows.

The training and validation parts of a search dataset are pooled (training rows first, then
validation rows: "pool rows") and split into K folds, stratified by class for classification.
Fold ``i``'s model trains on the other folds, stops early on fold ``i`` and predicts fold ``i``,
so every pool row gets exactly one out-of-fold (OOF) prediction, made by a model that never
trained on that row. The search's ``--cv`` mode scores a trial as the mean over folds (each fold
reported to the pruner), and stacking reuses the OOF predictions for its meta-learner.

Example:
    >>> result = train_cv(params, dataset, config, n_folds=5)          # doctest: +SKIP
    >>> result.best_value, result.oof_outputs.shape                    # doctest: +SKIP
    (0.97, (142, 3))
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import keras
import numpy as np
import optuna
from sklearn.model_selection import KFold
from sklearn.model_selection import StratifiedKFold

from automl.config import TrainingConfig
from automl.exceptions import DataError
from automl.training._fit import train_model

__all__ = [
    "CVResult",
    "fold_dataset",
    "fold_indices",
    "fold_logger",
    "load_oof_outputs",
    "pool_arrays",
    "report_fold",
    "save_oof_outputs",
    "train_cv",
]

OOF_OUTPUTS, OOF_INDEX = "oof_outputs.npy", "oof_index.npy"


@dataclasses.dataclass
class CVResult:
    """Outcome of :func:`train_cv`; it has the attributes of a ``FitResult`` a trial needs.

    Attributes:
        model: Fold 0's model (trained on the other folds), kept as the trial's model.
        best_value: Mean of the folds' best validation values (the trial's objective).
        fold_values: Best validation value of each fold.
        best_epoch: Median of the folds' best epochs.
        n_epochs: Epochs run, summed over folds.
        fit_seconds: Time spent inside ``model.fit``, summed over folds.
        oof_outputs: Out-of-fold outputs of every pool row, in pool-row order (metric units).
        oof_index: Pool row of each row of ``oof_outputs``.
        val_outputs: The OOF outputs of the validation rows, in validation-part order.
        folds: Held-out pool rows of each fold.
    """

    model: keras.Model
    best_value: float
    fold_values: list[float]
    best_epoch: int
    n_epochs: int
    fit_seconds: float
    oof_outputs: np.ndarray
    oof_index: np.ndarray
    val_outputs: np.ndarray
    folds: list[np.ndarray]


def pool_arrays(dataset: Any) -> tuple[np.ndarray, np.ndarray]:
    """The pool rows: training rows followed by validation rows.

    Args:
        dataset: A :class:`automl.data.Dataset`.

    Returns:
        ``(x, y)`` with ``len(x_train) + len(x_val)`` rows.
    """
    x = np.concatenate([dataset.x_train, dataset.x_val])
    y = np.concatenate([dataset.y_train, dataset.y_val])
    return x, y


def fold_indices(y: np.ndarray, n_folds: int, task: str, seed: int) -> list[np.ndarray]:
    """Splits rows into ``n_folds`` shuffled folds, stratified by class for classification.

    The split depends only on ``y``, ``n_folds`` and ``seed``, so every trial of a study (and
    every stacking refit) uses the same folds.

    Args:
        y: Targets of the rows (class indices, or regression values).
        n_folds: Number of folds, at least 2.
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        seed: Seed of the shuffle.

    Returns:
        The sorted held-out row indices of each fold.

    Raises:
        DataError: If there are too few rows, or rows of a class, for ``n_folds`` folds.

    Example:
        >>> [f.tolist() for f in fold_indices(np.array([0, 1, 0, 1]), 2, "binary", seed=0)]
        [[1, 2], [0, 3]]
    """
    _check_folds(y, n_folds, task)
    rows = np.zeros((len(y), 1))
    if task == "regression":
        splitter = KFold(n_splits=n_folds, shuffle=True, random_state=seed)
        return [np.sort(held) for _, held in splitter.split(rows)]
    splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return [np.sort(held) for _, held in splitter.split(rows, y)]


def _check_folds(y: np.ndarray, n_folds: int, task: str) -> None:
    if len(y) < 2 * n_folds:
        raise DataError(
            f"Cross-validation with {n_folds} folds needs at least {2 * n_folds} training and "
            f"validation rows. Received: {len(y)} rows."
        )
    if task != "regression":
        counts = np.bincount(np.asarray(y, dtype=np.int64))
        present = counts[counts > 0]
        if present.min() < n_folds:
            raise DataError(
                f"Cross-validation with {n_folds} folds needs at least {n_folds} rows of each "
                f"class. Received: a class with {int(present.min())} rows; use fewer folds."
            )


def fold_dataset(dataset: Any, x: np.ndarray, y: np.ndarray, held_out: np.ndarray) -> Any:
    """The dataset of one fold: trains on every pool row except ``held_out``, validates on them.

    Args:
        dataset: The search dataset (its preprocessing and spec are kept).
        x: Pool features (see :func:`pool_arrays`).
        y: Pool targets.
        held_out: Pool rows of the fold.

    Returns:
        A copy of ``dataset`` whose training part excludes every held-out row.
    """
    train = np.setdiff1d(np.arange(len(y)), held_out, assume_unique=True)
    return dataclasses.replace(dataset, x_train=x[train], y_train=y[train],
                               x_val=x[held_out], y_val=y[held_out])


def train_cv(
    params: Mapping[str, Any],
    dataset: Any,
    config: TrainingConfig,
    *,
    n_folds: int,
    builder: str = "mlp",
    model_factory: Callable[[int], keras.Model] | None = None,
    seed: int | None = None,
    callbacks: Callable[[int], Sequence[keras.callbacks.Callback]] | None = None,
    on_fold_end: Callable[[int, float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> CVResult:
    """Trains one configuration on each of ``n_folds`` folds of the pool rows.

    Args:
        params: Sampled hyperparameters (a plain dict).
        dataset: A :class:`automl.data.Dataset`; its training and validation parts are pooled.
        config: Training settings (``config.seed`` also seeds the fold split).
        n_folds: Number of folds.
        builder: Registered model builder name.
        model_factory: ``model_factory(fold)`` returns a new, untrained model for a fold
            (define-by-run); by default each fold builds one from ``builder`` and ``params``.
        seed: Seed of the weights (defaults to ``config.seed``).
        callbacks: ``callbacks(fold)`` returns extra Keras callbacks for that fold.
        on_fold_end: Called with ``(fold, best value)`` after each fold; it may raise (for
            example ``optuna.TrialPruned``) to stop before the next fold.
        should_stop: Polled between batches; returning True stops training.

    Returns:
        A :class:`CVResult`.

    Raises:
        DataError: If the rows cannot be split into ``n_folds`` folds.
        TrialError: On a non-finite loss or predictions.

    Example:
        >>> result = train_cv({"units": 16}, dataset, config, n_folds=3)  # doctest: +SKIP
    """
    x, y = pool_arrays(dataset)
    folds = fold_indices(y, n_folds, dataset.spec.task, config.seed)
    oof: np.ndarray | None = None
    fits, first_model = [], None
    for fold, held_out in enumerate(folds):
        fit = train_model(params, fold_dataset(dataset, x, y, held_out), config, builder=builder,
                          model=model_factory(fold) if model_factory else None, seed=seed,
                          callbacks=callbacks(fold) if callbacks else (),
                          should_stop=should_stop)
        if oof is None:
            oof = np.zeros((len(y),) + fit.val_outputs.shape[1:], dtype=np.float64)
        oof[held_out] = fit.val_outputs
        if first_model is None:
            first_model = fit.model
        fits.append(dataclasses.replace(fit, model=None))
        if on_fold_end is not None:
            on_fold_end(fold, fit.best_value)
    return _cv_result(first_model, fits, oof, folds, n_train=len(dataset.x_train))


def _cv_result(model: keras.Model, fits: list[Any], oof: np.ndarray, folds: list[np.ndarray],
               n_train: int) -> CVResult:
    values = [fit.best_value for fit in fits]
    return CVResult(
        model=model, best_value=float(np.mean(values)), fold_values=values,
        best_epoch=int(np.median([fit.best_epoch for fit in fits])),
        n_epochs=sum(fit.n_epochs for fit in fits),
        fit_seconds=sum(fit.fit_seconds for fit in fits),
        oof_outputs=oof, oof_index=np.arange(len(oof)), val_outputs=oof[n_train:], folds=folds,
    )


def report_fold(trial: optuna.Trial, log: Callable[[int, dict[str, float]], None] | None = None,
                monitor: str = "val_objective") -> Callable[[int, float], None]:
    """Returns an ``on_fold_end`` hook that reports each fold's value to the pruner.

    The value is reported with ``step = fold``; the trial is pruned when the pruner says so, so a
    bad configuration stops after its first folds.

    Args:
        trial: The running Optuna trial.
        log: Optional ``log(step, metrics)`` that records ``fold_<monitor>`` (an MLflow run).
        monitor: Name of the objective, for the logged metric.

    Returns:
        ``hook(fold, value)``, which raises ``optuna.TrialPruned`` to prune.

    Example:
        >>> hook = report_fold(trial)                                         # doctest: +SKIP
        >>> train_cv(params, data, config, n_folds=5, on_fold_end=hook)       # doctest: +SKIP
    """
    def hook(fold: int, value: float) -> None:
        if log is not None:
            log(fold, {f"fold_{monitor}": value})
        trial.report(float(value), step=fold)
        if trial.should_prune():
            raise optuna.TrialPruned(f"Trial {trial.number} pruned after fold {fold}.")

    return hook


def fold_logger(log_epoch: Callable[[int, dict[str, float]], None], fold: int,
                max_epochs: int) -> Callable[[int, dict[str, float]], None]:
    """Wraps ``log_epoch(step, metrics)`` so fold ``k``'s epochs log at ``k * max_epochs + epoch``.

    Example:
        >>> steps = []
        >>> fold_logger(lambda step, m: steps.append(step), fold=2, max_epochs=10)(3, {})
        >>> steps
        [23]
    """
    def log(epoch: int, metrics: dict[str, float]) -> None:
        log_epoch(fold * max_epochs + epoch, metrics)

    return log


def save_oof_outputs(folder: str | os.PathLike, result: CVResult) -> None:
    """Writes ``oof_outputs.npy`` and ``oof_index.npy`` into a trial folder, each atomically.

    Args:
        folder: The trial's folder (created if needed).
        result: The cross-validated training result.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, values in ((OOF_OUTPUTS, result.oof_outputs), (OOF_INDEX, result.oof_index)):
        staging = folder / f".{name}.{os.getpid()}.tmp"
        with open(staging, "wb") as handle:
            np.save(handle, np.asarray(values), allow_pickle=False)
        os.replace(staging, folder / name)


def load_oof_outputs(folder: str | os.PathLike) -> tuple[np.ndarray, np.ndarray] | None:
    """Reads the out-of-fold outputs of a trial folder, or returns None if it has none.

    Returns:
        ``(oof_outputs, oof_index)``, or None.
    """
    folder = Path(folder)
    if not (folder / OOF_OUTPUTS).is_file() or not (folder / OOF_INDEX).is_file():
        return None
    return (np.load(folder / OOF_OUTPUTS, allow_pickle=False),
            np.load(folder / OOF_INDEX, allow_pickle=False))
