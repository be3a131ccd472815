"""Keras callbacks of a trial: validation metrics and early stopping, pruning, epoch logging."""

from __future__ import annotations

import math
import time
import warnings
from typing import Any, Callable, Mapping

import keras
import numpy as np
import optuna

from automl import metrics as metrics_lib
from automl.exceptions import TrialError


class StopTrial(Exception):
    """Raised inside training when the search must stop this trial (budget spent, interrupted).

    Args:
        reason: ``"search_timeout"`` or ``"interrupted"``.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(f"Trial stopped: {reason}.")
        self.reason = reason


class EpochEvaluator(keras.callbacks.Callback):
    """Scores the validation part after each epoch, stops early and keeps the best weights.

    It writes ``val_<metric>`` entries into the epoch logs, so callbacks placed after it (the
    pruning callback, ReduceLROnPlateau, the MLflow logger) see them. A non-finite training loss
    fails the trial (:class:`~automl.exceptions.TrialError` with reason ``"nan_loss"``); a passed
    deadline raises :class:`StopTrial`.

    Args:
        predict: ``predict(x) -> outputs`` in the metric convention of :mod:`automl.metrics`.
        x_val: Validation features.
        y_val: Validation targets (class indices, or original-unit values for regression).
        task: The dataset's task.
        objective: Name of the objective metric.
        patience: Epochs without improvement before stopping.
        deadline: ``time.time()`` after which training stops, or ``None``.
        trial_deadline: ``time.time()`` after which this trial fails as ``trial_timeout``.
        should_stop: Optional function polled between batches; True stops the trial.
    """

    def __init__(
        self,
        predict: Callable[[np.ndarray], np.ndarray],
        x_val: np.ndarray,
        y_val: np.ndarray,
        *,
        task: str,
        objective: str,
        patience: int,
        deadline: float | None = None,
        trial_deadline: float | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> None:
        super().__init__()
        self._predict, self._x_val, self._y_val = predict, x_val, y_val
        self._task = task
        self._metric = metrics_lib.METRICS[objective]
        self._extra = ("accuracy", "log_loss") if task != "regression" else ("rmse", "mae")
        self._patience, self._deadline, self._should_stop = patience, deadline, should_stop
        self._trial_deadline = trial_deadline
        self.best_value: float | None = None
        self.best_epoch = -1
        self.best_outputs: np.ndarray | None = None
        self.history: list[dict[str, float]] = []
        self._best_weights: list[Any] | None = None
        self._patience_start = -1

    @property
    def monitor(self) -> str:
        """Name of the objective entry in the epoch logs."""
        return f"val_{self._metric.name}"

    @property
    def mode(self) -> str:
        """``"max"`` or ``"min"``: how Keras callbacks should compare :attr:`monitor` values."""
        return "max" if self._metric.direction == "maximize" else "min"

    def restart_patience(self, epoch: int) -> None:
        """Counts epochs without improvement from ``epoch`` on (a new training phase)."""
        self._patience_start = epoch - 1

    def on_train_batch_end(self, batch: int, logs: Mapping[str, Any] | None = None) -> None:
        self._check_stop()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs if logs is not None else {}
        loss = float(logs.get("loss", 0.0))
        if not math.isfinite(loss):
            raise TrialError(f"Training loss became {loss} at epoch {epoch}.", reason="nan_loss")
        outputs = self._predict(self._x_val)
        scores = self._score(outputs)
        logs.update(scores)
        self.history.append({"epoch": epoch, **{k: float(v) for k, v in logs.items()}})
        value = scores[self.monitor]
        if self._metric.is_better(value, self.best_value):
            self.best_value, self.best_epoch, self.best_outputs = value, epoch, outputs
            self._best_weights = self.model.get_weights()
        elif epoch - max(self.best_epoch, self._patience_start) >= self._patience:
            self.model.stop_training = True
        self._check_stop()

    def on_train_end(self, logs: Mapping[str, Any] | None = None) -> None:
        if self._best_weights is not None:
            self.model.set_weights(self._best_weights)

    def _score(self, outputs: np.ndarray) -> dict[str, float]:
        if not np.all(np.isfinite(outputs)):
            raise TrialError("The model's predictions are not finite.", reason="nan_output")
        names = dict.fromkeys((self._metric.name, *self._extra))
        return {
            f"val_{n}": metrics_lib.score(n, self._y_val, outputs, self._task) for n in names
        }

    def _check_stop(self) -> None:
        now = time.time()
        if self._deadline is not None and now >= self._deadline:
            raise StopTrial("search_timeout")
        if self._trial_deadline is not None and now >= self._trial_deadline:
            raise StopTrial("trial_timeout")
        if self._should_stop is not None and self._should_stop():
            raise StopTrial("interrupted")


class PruningCallback(keras.callbacks.Callback):
    """Reports the objective to Optuna after each epoch and prunes the trial when told to.

    Modelled on optuna-integration's ``KerasPruningCallback``: place it after
    :class:`EpochEvaluator`, which writes the monitored ``val_<metric>`` entry.

    Args:
        trial: The running Optuna trial.
        monitor: Name of the epoch-log entry to report, for example ``"val_accuracy"``.
        interval: Report every ``interval`` epochs.

    Example:
        >>> cb = PruningCallback(trial, monitor="val_accuracy")  # doctest: +SKIP
        >>> model.fit(x, y, callbacks=[evaluator, cb])            # doctest: +SKIP
    """

    def __init__(self, trial: optuna.trial.Trial, monitor: str, interval: int = 1) -> None:
        super().__init__()
        self._trial, self._monitor, self._interval = trial, monitor, interval
        self.pruned_epoch: int | None = None

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        if (epoch + 1) % self._interval != 0:
            return
        value = (logs or {}).get(self._monitor)
        if value is None:
            warnings.warn(f"Pruning is off: metric {self._monitor!r} is not in the epoch logs.",
                          stacklevel=2)
            return
        if not math.isfinite(float(value)):
            return
        self._trial.report(float(value), step=epoch)
        if self._trial.should_prune():
            self.pruned_epoch = epoch
            raise optuna.TrialPruned(f"Trial {self._trial.number} pruned at epoch {epoch}.")


class EpochLogger(keras.callbacks.Callback):
    """Hands the numeric epoch logs to ``log_fn(epoch, metrics)`` (for example an MLflow run).

    Place it after :class:`EpochEvaluator` so the validation metrics are included.
    """

    def __init__(self, log_fn: Callable[[int, dict[str, float]], None]) -> None:
        super().__init__()
        self._log_fn = log_fn

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        values = {k: float(v) for k, v in (logs or {}).items() if _is_number(v)}
        if "learning_rate" not in values:
            values.update(_learning_rate(self.model))
        self._log_fn(epoch, values)


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _learning_rate(model: keras.Model) -> dict[str, float]:
    try:
        rate = model.optimizer.learning_rate
        return {"learning_rate": float(keras.ops.convert_to_numpy(rate))}
    except (AttributeError, TypeError, ValueError):
        return {}
