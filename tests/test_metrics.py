"""Metric values against hand-computed results, and metric lookup errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from automl.exceptions import ConfigError
from automl.metrics import default_metric
from automl.metrics import get_metric
from automl.metrics import score
from automl.metrics import test_scores as report_scores

PROBS = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
Y = np.array([0, 1, 1, 1])


def test_binary_metrics_exact():
    assert score("accuracy", Y, PROBS, "binary") == pytest.approx(0.75)
    assert score("f1", Y, PROBS, "binary") == pytest.approx(0.8)  # p=1, r=2/3
    assert score("balanced_accuracy", Y, PROBS, "binary") == pytest.approx((1 + 2 / 3) / 2)
    assert score("roc_auc", Y, PROBS, "binary") == pytest.approx(1.0)
    expected = -np.mean(np.log([0.9, 0.8, 0.4, 0.7]))
    assert score("log_loss", Y, PROBS, "binary") == pytest.approx(expected)


def test_multiclass_roc_auc_with_an_absent_class_is_finite():
    probs = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.7, 0.2, 0.1], [0.2, 0.7, 0.1]])
    value = score("roc_auc", np.array([0, 1, 0, 1]), probs, "multiclass")
    assert value == pytest.approx(1.0)


def test_regression_metrics_exact():
    y, pred = np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 5.0])
    assert score("rmse", y, pred, "regression") == pytest.approx(math.sqrt(4 / 3))
    assert score("mae", y, pred, "regression") == pytest.approx(2 / 3)
    assert score("r2", y, pred, "regression") == pytest.approx(1 - 4 / 2)


def test_report_scores_per_task():
    assert set(report_scores(Y, PROBS, "binary")) >= {"accuracy", "precision", "recall", "f1",
                                                      "roc_auc"}
    assert set(report_scores(np.ones(3), np.ones(3), "regression")) >= {"mae", "rmse", "r2"}


def test_directions_and_defaults():
    assert get_metric("log_loss", "binary").direction == "minimize"
    assert get_metric("r2", "regression").direction == "maximize"
    assert [default_metric(t) for t in ("binary", "multiclass", "regression")] == [
        "roc_auc", "accuracy", "rmse"]


def test_unknown_or_misplaced_metric_is_a_config_error():
    with pytest.raises(ConfigError, match="'auc' is unknown. Expected one of"):
        get_metric("auc", "binary")
    with pytest.raises(ConfigError, match="'accuracy' is not a regression metric"):
        get_metric("accuracy", "regression")


def test_is_better_ignores_non_finite_values():
    metric = get_metric("rmse", "regression")
    assert metric.is_better(1.0, None) and metric.is_better(1.0, 2.0)
    assert not metric.is_better(float("nan"), 2.0)


def test_fast_metrics_agree_with_scikit_learn():
    from sklearn import metrics as skm

    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 200)
    probs = rng.dirichlet(np.ones(3), 200)
    assert score("log_loss", y, probs, "multiclass") == pytest.approx(skm.log_loss(y, probs))
    assert score("accuracy", y, probs, "multiclass") == pytest.approx(
        skm.accuracy_score(y, probs.argmax(1)))
    yb = rng.integers(0, 2, 200)
    pb = np.round(rng.random(200), 1)  # ties
    two = np.column_stack([1 - pb, pb])
    assert score("roc_auc", yb, two, "binary") == pytest.approx(skm.roc_auc_score(yb, pb))
    yr, pr = rng.normal(size=50), rng.normal(size=50)
    assert score("r2", yr, pr, "regression") == pytest.approx(skm.r2_score(yr, pr))
