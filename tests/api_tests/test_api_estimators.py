"""AutoMLClassifier and AutoMLRegressor: scikit-learn's estimator checks, Pipeline,
cross_val_score, clone and pickling, pandas and numpy input."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import api_testkit  # noqa: F401  (registers the "api_eager_net" builder)
import automl
from automl.exceptions import ConfigError
from automl.exceptions import DataError

EAGER_SPACE = automl.SearchSpace("api_eager_net", fixed={"learning_rate": 0.05,
                                                          "batch_size": 32})
SMALL_SPACE = automl.SearchSpace("mlp", {"units": automl.Categorical([16, 32])},
                                 fixed={"n_layers": 1, "learning_rate": 0.02, "batch_size": 32})


def expected_failures(estimator):
    return {
        "check_methods_sample_order_invariance": (
            "Keras predicts in float32 batches, and a row's result can change in the last bit "
            "(relative 1e-7) with its position in the batch; the check demands 1e-7."),
    }


@pytest.mark.slow
@parametrize_with_checks(
    [automl.AutoMLClassifier(EAGER_SPACE, n_trials=1, max_epochs=1),
     automl.AutoMLRegressor(EAGER_SPACE, n_trials=1, max_epochs=1)],
    expected_failed_checks=expected_failures,
)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.slow
def test_pipeline_and_cross_val_score():
    x, y = load_breast_cancer(return_X_y=True)
    pipeline = make_pipeline(StandardScaler(),
                             automl.AutoMLClassifier(SMALL_SPACE, n_trials=1, max_epochs=2))
    scores = cross_val_score(pipeline, x, y, cv=2)
    assert scores.shape == (2,) and scores.min() > 0.85


@pytest.mark.slow
def test_dataframe_with_text_columns_and_text_labels(mixed_frame, tmp_path):
    x, y = mixed_frame.drop(columns=["label"]), mixed_frame["label"]
    classifier = automl.AutoMLClassifier(SMALL_SPACE, n_trials=2, max_epochs=3,
                                         root=str(tmp_path / "store"), study_name="mixed")
    assert classifier.fit(x, y) is classifier
    assert list(classifier.classes_) == ["no", "yes"]
    assert list(classifier.feature_names_in_) == ["size", "color", "flag"]
    assert classifier.n_features_in_ == 3 and classifier.best_params_["units"] in (16, 32)
    probabilities = classifier.predict_proba(x)
    table = classifier.bundle_.predict(x)
    np.testing.assert_allclose(probabilities[:, 1], table["probability_yes"])
    assert set(classifier.predict(x)) <= {"no", "yes"}
    assert classifier.score(x, y) > 0.6
    result = classifier.search_result_
    assert result.study_name.startswith("mixed-") and result.counts == {"COMPLETE": 2}
    assert (tmp_path / "store" / "studies" / result.study_name / "best_model").is_dir()


@pytest.mark.slow
def test_regressor_predicts_in_target_units_and_pickles(diabetes):
    x, y = diabetes.drop(columns=["progression"]).to_numpy(), diabetes["progression"]
    regressor = automl.AutoMLRegressor(SMALL_SPACE, n_trials=1, max_epochs=5).fit(x, y)
    predictions = regressor.predict(x)
    assert predictions.shape == (len(x),) and 30 < predictions.mean() < 300
    assert regressor.score(x, y) > 0.0
    restored = pickle.loads(pickle.dumps(regressor))
    np.testing.assert_allclose(restored.predict(x[:5]), predictions[:5], rtol=1e-6)


def test_parameters_are_stored_verbatim_and_clone_copies_a_search_space():
    classifier = automl.AutoMLClassifier(SMALL_SPACE, n_trials=0, loss="focal")
    assert classifier.get_params()["space"] is SMALL_SPACE
    assert classifier.get_params()["n_trials"] == 0  # validated in fit, not here
    copy = clone(classifier.set_params(max_epochs=3))
    assert copy.space == SMALL_SPACE and copy.space is not SMALL_SPACE
    assert copy.get_params()["max_epochs"] == 3
    assert pickle.loads(pickle.dumps(SMALL_SPACE)) == SMALL_SPACE


def test_fit_validates_parameters_and_data():
    x = np.random.default_rng(0).normal(size=(30, 2))
    with pytest.raises(ConfigError, match=r"^Invalid value for '--n-trials'"):
        automl.AutoMLClassifier(n_trials=0).fit(x, np.arange(30) % 2)
    with pytest.raises(DataError, match=r"needs at least 10 samples to hold out a validation "
                                        r"part\. Received: n_samples=5\.$"):
        automl.AutoMLRegressor().fit(x[:5], np.arange(5.0))
    with pytest.raises(DataError, match=r"^AutoMLClassifier needs at least 2 classes in y\. "
                                        r"Received 1 class: 'a'\.$"):
        automl.AutoMLClassifier().fit(x, np.array(["a"] * 30))
    with pytest.raises(ValueError, match=r"Unknown label type"):
        automl.AutoMLClassifier().fit(x, np.linspace(0, 1, 30))
    with pytest.raises(DataError, match=r"needs finite target values"):
        automl.AutoMLRegressor().fit(x, np.full(30, np.inf))


def test_numpy_input_must_be_numeric():
    x = pd.DataFrame({"a": ["x", "y"] * 10}).to_numpy()
    with pytest.raises(ValueError, match=r"could not convert string to float"):
        automl.AutoMLClassifier().fit(x, np.arange(20) % 2)
