"""The scikit-learn estimator inside a Pipeline, cross-validated and scored on held-out data.

``AutoMLClassifier.fit`` runs a whole automl search (here 4 trials per fit) and keeps the best
Keras model, so the estimator composes with scikit-learn: ``Pipeline``, ``cross_val_score``,
``clone``, ``get_params``/``set_params``. By default its trials run in this process and its
studies go to a temporary store; give ``root="mlruns"`` to keep them and see them in
``automl ui``.

Run from the repository root (about two minutes)::

    python examples/sklearn_pipeline.py

``AUTOML_EXAMPLE_QUICK=1`` runs a shortened version (1 trial of 2 epochs, 2 folds).
"""

from __future__ import annotations

import os

from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import cross_val_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import QuantileTransformer

import automl

QUICK = os.environ.get("AUTOML_EXAMPLE_QUICK") == "1"  # the tests' shortened run

SPACE = automl.SearchSpace("mlp", {
    "n_layers": automl.Int(1, 2),
    "units": automl.Categorical([16, 32, 64]),
    "learning_rate": automl.Float(1e-3, 3e-2, log=True),
    "batch_size": automl.Fixed(32),
})


def main() -> None:
    """Cross-validates the pipeline, then fits it once and scores the held-out part."""
    x, y = load_breast_cancer(return_X_y=True, as_frame=True)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=0,
                                                        stratify=y)
    pipeline = Pipeline([
        ("quantiles", QuantileTransformer(n_quantiles=100, output_distribution="normal")),
        ("automl", automl.AutoMLClassifier(SPACE, n_trials=1 if QUICK else 4,
                                           max_epochs=2 if QUICK else 20, random_state=0)),
    ])
    scores = cross_val_score(pipeline, x_train, y_train, cv=2 if QUICK else 3)
    print("Cross-validated accuracy:", scores.round(4), "mean", round(scores.mean(), 4))

    pipeline.fit(x_train, y_train)
    classifier = pipeline.named_steps["automl"]
    print("Best parameters:", classifier.best_params_)
    print("Held-out accuracy:", round(pipeline.score(x_test, y_test), 4))
    print("Class probabilities of two rows:", pipeline.predict_proba(x_test[:2]).round(3))


if __name__ == "__main__":
    main()
