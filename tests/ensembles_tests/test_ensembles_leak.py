"""Cross-validated training and the stacking leak test, with real Keras training on tiny data.

The leak test uses members that memorize: every row has its own one-hot feature and a random
label, so a model predicts its own training rows perfectly and other rows by chance. A
meta-learner fitted on predictions that members made on their own training rows would score
perfectly too; fitted on what stacking gives it, it stays at chance.
"""

from __future__ import annotations

import numpy as np
import optuna
import pytest

from automl import models
from automl.config import TrainingConfig
from automl.data import Dataset
from automl.data import InputSpec
from automl.data import TabularPreprocessor
from automl.data import TargetEncoder
from automl.ensembles._meta import LinearMetaLearner
from automl.ensembles._meta import stack_features
from automl.ensembles._methods import meta_training_set
from automl.exceptions import DataError
from automl.training._cv import fold_dataset
from automl.training._cv import fold_indices
from automl.training._cv import pool_arrays
from automl.training._cv import report_fold
from automl.training._cv import train_cv

N_ROWS = 80
MEMORIZER = {"n_layers": 1, "units": 32, "learning_rate": 0.05, "batch_size": 4}


def memorization_dataset() -> Dataset:
    """One-hot row ids as features, random balanced labels: only memorization fits them."""
    x = np.eye(N_ROWS, dtype=np.float32)
    y = np.random.default_rng(0).permutation(np.repeat([0, 1], N_ROWS // 2)).astype(np.int64)
    spec = InputSpec(kind="tabular", input_shape=(N_ROWS,), task="binary", n_classes=2)
    return Dataset(spec=spec, x_train=x[:60], y_train=y[:60], x_val=x[60:], y_val=y[60:],
                   x_test=x[:0], y_test=y[:0], preprocessor=TabularPreprocessor(),
                   target_encoder=TargetEncoder(), summary={})


def accuracy(outputs: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.argmax(outputs, axis=1) == y))


def test_stacking_meta_learner_only_sees_out_of_fold_predictions():
    dataset = memorization_dataset()
    config = TrainingConfig(metric="accuracy", max_epochs=3, patience=3)
    result = train_cv(MEMORIZER, dataset, config, n_folds=2)
    x, y = pool_arrays(dataset)

    # Each row is predicted once, by the fold model that did not train on it.
    assert sorted(np.concatenate(result.folds).tolist()) == list(range(N_ROWS))
    for held_out in result.folds:
        fold = fold_dataset(dataset, x, y, held_out)
        assert len(fold.x_train) + len(held_out) == N_ROWS
        assert not {tuple(r) for r in fold.x_train} & {tuple(r) for r in x[held_out]}
    np.testing.assert_array_equal(result.oof_index, np.arange(N_ROWS))
    np.testing.assert_array_equal(result.val_outputs, result.oof_outputs[60:])

    # The members memorize: on their own training rows they are always right...
    own_rows = np.setdiff1d(np.arange(N_ROWS), result.folds[0])
    own_outputs = models.predict_outputs(result.model, x[own_rows], dataset.spec)
    assert accuracy(own_outputs, y[own_rows]) == 1.0
    leaky = LinearMetaLearner().fit(stack_features([own_outputs], "binary"), y[own_rows],
                                    task="binary", n_classes=2)
    assert accuracy(leaky.predict(stack_features([own_outputs], "binary")), y[own_rows]) == 1.0

    # ...but stacking's meta-learner gets exactly the out-of-fold predictions, and stays at
    # chance on its own training rows: nothing leaked.
    features = meta_training_set([(result.oof_outputs, result.oof_index)], y, "binary",
                                 ["trial-00000"])
    np.testing.assert_array_equal(features, result.oof_outputs[:, 1:2])
    meta = LinearMetaLearner().fit(features, y, task="binary", n_classes=2)
    assert accuracy(meta.predict(features), y) < 0.7
    assert accuracy(result.oof_outputs, y) < 0.7


def test_meta_training_set_refuses_predictions_that_miss_rows():
    outputs, index = np.full((3, 2), 0.5), np.array([0, 1, 1])
    with pytest.raises(DataError, match=r"Out-of-fold predictions of trial-00004 cover 2 of 3 "
                                        r"rows"):
        meta_training_set([(outputs, index)], np.zeros(3), "binary", ["trial-00004"])


def test_cv_reports_each_fold_to_the_pruner_which_stops_after_the_first():
    dataset = memorization_dataset()
    study = optuna.create_study(direction="maximize",
                                pruner=optuna.pruners.ThresholdPruner(lower=0.99))
    trial = study.ask()
    logged: list[tuple[int, dict]] = []
    trained: list[int] = []
    with pytest.raises(optuna.TrialPruned, match="pruned after fold 0"):
        train_cv(MEMORIZER, dataset, TrainingConfig(metric="accuracy", max_epochs=1),
                 n_folds=4, callbacks=lambda fold: trained.append(fold) or (),
                 on_fold_end=report_fold(trial, lambda step, m: logged.append((step, m)),
                                         monitor="val_accuracy"))
    assert trained == [0]
    frozen = study._storage.get_trial(trial._trial_id)
    assert list(frozen.intermediate_values) == [0]
    assert logged == [(0, {"fold_val_accuracy": frozen.intermediate_values[0]})]


def test_fold_indices_are_stratified_and_refuse_too_few_rows_per_class():
    y = np.array([0] * 12 + [1] * 6)
    folds = fold_indices(y, 3, "binary", seed=1)
    assert [np.bincount(y[f]).tolist() for f in folds] == [[4, 2]] * 3
    again = fold_indices(y, 3, "binary", seed=1)  # the same folds for every trial and refit
    assert all(np.array_equal(a, b) for a, b in zip(folds, again))
    with pytest.raises(DataError, match=r"needs at least 7 rows of each class\. Received: a "
                                        r"class with 6 rows"):
        fold_indices(y, 7, "binary", seed=0)
    with pytest.raises(DataError, match=r"needs at least 40 training and validation rows\. "
                                        r"Received: 18 rows"):
        fold_indices(y.astype(float), 20, "regression", seed=0)
