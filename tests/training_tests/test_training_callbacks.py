"""The epoch evaluator, the pruning callback and train_model on real (tiny) training."""

from __future__ import annotations

import time

import keras
import numpy as np
import optuna
import pytest

from automl.config import TrainingConfig
from automl.data import load_csv
from automl.exceptions import TrialError
from automl.metrics import score
from automl.models import predict_outputs
from automl.training import EpochEvaluator
from automl.training import PruningCallback
from automl.training import StopTrial
from automl.training import train_model

EXAMPLES = __import__("pathlib").Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def cancer():
    return load_csv(EXAMPLES / "breast_cancer.csv", "diagnosis")


def evaluator(**kwargs) -> EpochEvaluator:
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation="softmax")])
    callback = EpochEvaluator(lambda x: keras.ops.convert_to_numpy(model(x)),
                              np.zeros((4, 2), "float32"), np.array([0, 1, 0, 1]),
                              task="binary", objective="accuracy", patience=2, **kwargs)
    callback.set_model(model)
    return callback


def test_non_finite_loss_fails_the_trial():
    with pytest.raises(TrialError, match="Training loss became nan at epoch 3") as error:
        evaluator().on_epoch_end(3, {"loss": float("nan")})
    assert error.value.reason == "nan_loss"


def test_passed_deadline_stops_the_trial_between_batches():
    with pytest.raises(StopTrial) as stop:
        evaluator(deadline=time.time() - 1).on_train_batch_end(0, {})
    assert stop.value.reason == "search_timeout"


def test_stop_flag_interrupts_the_trial():
    with pytest.raises(StopTrial, match="interrupted"):
        evaluator(should_stop=lambda: True).on_train_batch_end(0, {})


def test_evaluator_writes_validation_metrics_into_the_logs():
    logs = {"loss": 0.5}
    evaluator().on_epoch_end(0, logs)
    assert set(logs) == {"loss", "val_accuracy", "val_log_loss"}


def test_pruning_callback_reports_and_prunes():
    study = optuna.create_study(direction="maximize",
                                pruner=optuna.pruners.ThresholdPruner(lower=0.99))
    trial = study.ask()
    callback = PruningCallback(trial, monitor="val_accuracy")
    with pytest.raises(optuna.TrialPruned, match="pruned at epoch 0"):
        callback.on_epoch_end(0, {"val_accuracy": 0.5})
    assert callback.pruned_epoch == 0
    assert study.trials[0].intermediate_values == {0: 0.5}


def test_train_model_restores_the_best_epoch(cancer):
    params = {"n_layers": 1, "units": 16, "learning_rate": 0.01, "batch_size": 64,
              "lr_schedule": "plateau", "class_weight": "balanced"}
    config = TrainingConfig(metric="log_loss", max_epochs=6, patience=2, seed=1)
    result = train_model(params, cancer, config)
    restored = predict_outputs(result.model, cancer.x_val, cancer.spec)
    assert score("log_loss", cancer.y_val, restored, "binary") == pytest.approx(
        result.best_value, rel=1e-4)
    assert result.best_value == min(h["val_log_loss"] for h in result.history)
    assert 1 <= result.n_epochs <= 6 and result.val_outputs.shape == (len(cancer.y_val), 2)


def test_train_model_is_reproducible_with_a_seed(cancer):
    params = {"n_layers": 1, "units": 8, "batch_size": 64}
    config = TrainingConfig(metric="accuracy", max_epochs=2, seed=3)
    first = train_model(params, cancer, config).best_value
    assert train_model(params, cancer, config).best_value == first
