"""Combination math on fixed member outputs: exact values for every method (no training)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.linear_model import Ridge

from automl.ensembles._combine import average_outputs
from automl.ensembles._combine import diversity
from automl.ensembles._combine import greedy_selection
from automl.ensembles._combine import majority_vote
from automl.ensembles._combine import out_of_bag_outputs
from automl.ensembles._combine import score_weights
from automl.ensembles._combiners import MajorityVote
from automl.ensembles._combiners import Stacker
from automl.ensembles._combiners import WeightedAverage
from automl.ensembles._combiners import combiner_from_dict
from automl.ensembles._config import EnsembleConfig
from automl.ensembles._meta import LinearMetaLearner
from automl.ensembles._meta import stack_features
from automl.ensembles._refit_tasks import bootstrap_rows
from automl.exceptions import ConfigError

A = np.array([[0.9, 0.1, 0.0], [0.2, 0.5, 0.3], [0.1, 0.1, 0.8]])
B = np.array([[0.5, 0.4, 0.1], [0.1, 0.2, 0.7], [0.4, 0.5, 0.1]])
C = np.array([[0.1, 0.8, 0.1], [0.6, 0.3, 0.1], [0.3, 0.3, 0.4]])


def test_soft_voting_is_the_mean_of_probabilities():
    expected = np.array([[1.5, 1.3, 0.2], [0.9, 1.0, 1.1], [0.8, 0.9, 1.3]]) / 3
    np.testing.assert_allclose(average_outputs([A, B, C]), expected, rtol=0, atol=1e-15)


def test_weighted_soft_voting_normalizes_the_weights():
    np.testing.assert_allclose(average_outputs([A, B], [3.0, 1.0]), 0.75 * A + 0.25 * B,
                               rtol=0, atol=1e-15)


def test_hard_voting_gives_vote_shares_and_ties_go_to_the_lower_class():
    votes = majority_vote([A, B, C], n_classes=3)
    # row 0: A->0, B->0, C->1; row 1: A->1, B->2, C->0; row 2: A->2, B->1, C->2
    expected = np.array([[2, 1, 0], [1, 1, 1], [0, 1, 2]]) / 3
    np.testing.assert_allclose(votes, expected, rtol=0, atol=1e-15)
    assert np.argmax(votes, axis=1).tolist() == [0, 0, 2]
    weighted = majority_vote([A, B, C], n_classes=3, weights=[1, 1, 2])
    np.testing.assert_allclose(weighted[1], [0.5, 0.25, 0.25])


def test_score_weights_follow_the_metric_direction():
    np.testing.assert_allclose(score_weights([0.9, 0.6], "maximize"), [0.6, 0.4])
    np.testing.assert_allclose(score_weights([1.0, 3.0], "minimize"), [0.75, 0.25])
    np.testing.assert_allclose(score_weights([0.5, -0.2], "maximize"), [1.0, 0.0])  # r2 < 0
    np.testing.assert_allclose(score_weights([-1.0, -2.0], "maximize"), [0.5, 0.5])


def test_regression_voting_is_the_mean_or_the_weighted_mean():
    first, second = np.array([10.0, 20.0]), np.array([14.0, 30.0])
    assert average_outputs([first, second]).tolist() == [12.0, 25.0]
    weights = score_weights([2.0, 6.0], "minimize")  # rmse 2 and 6 -> 0.75 / 0.25
    assert average_outputs([first, second], weights).tolist() == [11.0, 22.5]


def test_greedy_selection_picks_with_replacement_and_breaks_ties_by_order():
    y = np.zeros(2)
    outputs = [np.ones(2), -np.ones(2), 3 * np.ones(2)]
    four = greedy_selection(outputs, y, "rmse", "regression", size=4)
    assert four.picks == [0, 1, 0, 1]
    assert four.weights.tolist() == [0.5, 0.5, 0.0]
    np.testing.assert_allclose(four.scores, [1.0, 0.0, 1 / 3, 0.0], atol=1e-15)
    three = greedy_selection(outputs, y, "rmse", "regression", size=3)
    np.testing.assert_allclose(three.weights, [2 / 3, 1 / 3, 0.0])


def test_greedy_selection_on_classification_accuracy():
    y = np.array([0, 1, 2])
    result = greedy_selection([A, B, C], y, "accuracy", "multiclass", size=2)
    # alone: A 3/3, B 1/3 (row 0), C 1/3 (row 2) -> A; then A+A keeps 3/3 -> A again
    assert result.picks == [0, 0]
    assert result.weights.tolist() == [1.0, 0.0, 0.0]


def test_stack_features_by_task():
    binary = [np.array([[0.7, 0.3], [0.2, 0.8]]), np.array([[0.4, 0.6], [0.9, 0.1]])]
    assert stack_features(binary, "binary").tolist() == [[0.3, 0.6], [0.8, 0.1]]
    assert stack_features([A, B], "multiclass").shape == (3, 6)
    assert stack_features([np.array([1.0, 2.0]), np.array([3.0, 4.0])],
                          "regression").tolist() == [[1.0, 3.0], [2.0, 4.0]]


def _meta_data(task: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    features = rng.random((40, 4))
    if task == "regression":
        return features, features @ np.array([1.0, -2.0, 0.5, 3.0]) + rng.normal(0, 0.1, 40)
    n_classes = 2 if task == "binary" else 3
    return features, (features[:, 0] * n_classes * 0.999).astype(int)


@pytest.mark.parametrize("task", ["binary", "multiclass"])
def test_linear_meta_learner_reproduces_logistic_regression_from_json(task):
    features, y = _meta_data(task)
    n_classes = int(y.max()) + 1
    meta = LinearMetaLearner().fit(features, y, task=task, n_classes=n_classes)
    reference = LogisticRegression(C=1.0, max_iter=2000).fit(features, y)
    np.testing.assert_allclose(meta.predict(features), reference.predict_proba(features),
                               rtol=0, atol=1e-12)
    restored = LinearMetaLearner.from_dict(meta.to_dict(), ".")
    np.testing.assert_array_equal(restored.predict(features), meta.predict(features))


def test_linear_meta_learner_is_ridge_for_regression_with_the_closed_form():
    features, y = _meta_data("regression")
    meta = LinearMetaLearner(strength=0.5).fit(features, y, task="regression", n_classes=0)
    centered_x, centered_y = features - features.mean(axis=0), y - y.mean()
    coef = np.linalg.solve(centered_x.T @ centered_x + 0.5 * np.eye(4), centered_x.T @ centered_y)
    intercept = y.mean() - features.mean(axis=0) @ coef
    np.testing.assert_allclose(meta.predict(features), features @ coef + intercept, atol=1e-10)
    np.testing.assert_allclose(meta.predict(features),
                               Ridge(alpha=0.5).fit(features, y).predict(features), atol=1e-12)


def test_linear_meta_learner_fills_classes_absent_from_its_rows():
    features, y = np.array([[0.1], [0.2], [0.8], [0.9]]), np.array([0, 0, 2, 2])
    meta = LinearMetaLearner().fit(features, y, task="multiclass", n_classes=3)
    probabilities = meta.predict(features)
    assert probabilities.shape == (4, 3)
    assert np.all(probabilities[:, 1] == 0.0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)


def test_combiners_round_trip_through_json_values():
    outputs = [A, B, C]
    features, y = stack_features(outputs, "multiclass"), np.array([0, 1, 2])
    stacker = Stacker(LinearMetaLearner().fit(features, y, task="multiclass", n_classes=3),
                      "multiclass", {"source": "out_of_fold", "rows": 3})
    for combiner in (WeightedAverage([0.5, 0.3, 0.2]), MajorityVote([1, 1, 1], 3), stacker):
        restored = combiner_from_dict(combiner.to_dict(), ".")
        np.testing.assert_array_equal(restored.combine(outputs), combiner.combine(outputs))
    np.testing.assert_array_equal(stacker.combine(outputs), stacker.meta.predict(features))


def test_out_of_bag_outputs_average_each_row_over_the_bags_that_left_it_out():
    outputs = [np.array([[0.2, 0.8], [0.6, 0.4]]), np.array([[0.4, 0.6]])]
    mean, rows = out_of_bag_outputs(outputs, [np.array([1, 3]), np.array([3])], n_rows=5)
    assert rows.tolist() == [1, 3]
    np.testing.assert_allclose(mean, [[0.2, 0.8], [0.5, 0.5]])


def test_bootstrap_rows_and_out_of_bag_rows_split_the_training_rows():
    rows, out_of_bag = bootstrap_rows(200, seed=3)
    assert len(rows) == 200 and not set(out_of_bag.tolist()) & set(rows.tolist())
    assert set(out_of_bag.tolist()) | set(rows.tolist()) == set(range(200))
    assert 0.25 < len(out_of_bag) / 200 < 0.45  # about 1/e of the rows
    np.testing.assert_array_equal(bootstrap_rows(200, seed=3)[0], rows)


def test_diversity_is_pairwise_disagreement_and_correlation():
    one_hot = np.eye(2)
    members = [one_hot[[0, 1, 1]], one_hot[[0, 0, 1]], one_hot[[1, 1, 1]]]
    found = diversity(members, "binary")
    assert found["disagreement"] == pytest.approx((1 / 3 + 1 / 3 + 2 / 3) / 3, abs=1e-15)
    values = [np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 6.0]), np.array([3.0, 2.0, 1.0])]
    assert diversity(values, "regression") == {"mean_correlation": pytest.approx(-1 / 3)}
    assert diversity([A], "multiclass") == {}


@pytest.mark.parametrize(("changes", "message"), [
    ({"method": "boosting"}, r"'--method': expected one of \['voting', 'stacking', 'bagging', "
                             r"'selection'\]. Received: 'boosting'"),
    ({"top_k": 0}, r"'--top-k': expected an integer from 1 to 100. Received: 0"),
    ({"folds": 1}, r"'--folds': expected an integer from 2 to 20. Received: 1"),
    ({"voting": "max"}, r"'--voting': expected one of \['soft', 'hard', 'weighted'\]"),
])
def test_ensemble_config_rejects_bad_values_naming_the_flag(changes, message):
    with pytest.raises(ConfigError, match=message):
        EnsembleConfig(**changes)
