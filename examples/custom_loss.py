"""A custom loss and a custom objective metric, registered by name and searched over.

``focal`` (Lin et al., 2017) down-weights easy examples; it is registered with
``automl.register_loss`` and offered to the search next to plain cross-entropy
(``loss: Categorical(["crossentropy", "focal"])``). ``f2`` (recall weighted twice as much as
precision) is registered with ``automl.register_metric`` and used as the objective. Both are
registered at the top level of this script, so the worker process that runs the trials (it
re-imports the script) knows them too, and the best model, compiled with ``focal``, loads back.

A loss can also be given as an object for every trial: ``automl.search(..., loss=focal_loss)``.

Run from the repository root (about a minute; results go to ./mlruns)::

    python examples/custom_loss.py

``AUTOML_EXAMPLE_QUICK=1`` runs a shortened version (2 trials of 2 epochs, in this process).
"""

from __future__ import annotations

import os
from pathlib import Path

import keras
import numpy as np
from sklearn.metrics import fbeta_score

import automl

DATA = Path(__file__).resolve().parent / "breast_cancer.csv"
QUICK = os.environ.get("AUTOML_EXAMPLE_QUICK") == "1"  # the tests' shortened run
BUDGET = {"n_trials": 2, "max_epochs": 2, "n_workers": 0, "report": False} if QUICK \
    else {"n_trials": 12, "max_epochs": 30}


@automl.register_loss("focal")
def focal_loss(y_true: keras.KerasTensor, y_pred: keras.KerasTensor) -> keras.KerasTensor:
    """Binary focal loss with gamma 2: cross-entropy scaled by (1 - p_t)^2 per example.

    Args:
        y_true: 0/1 targets of shape ``(batch, 1)``.
        y_pred: Sigmoid outputs of shape ``(batch, 1)``.

    Returns:
        The loss of each example, shape ``(batch,)``.
    """
    y_pred = keras.ops.clip(y_pred, 1e-7, 1.0 - 1e-7)
    p_true = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    return keras.ops.mean(-keras.ops.square(1.0 - p_true) * keras.ops.log(p_true), axis=-1)


@automl.register_metric("f2", direction="maximize", tasks=("binary",))
def f2_score(y_true: np.ndarray, probabilities: np.ndarray) -> float:
    """F-beta with beta 2 of the positive class (the second column of ``probabilities``)."""
    return float(fbeta_score(y_true, np.argmax(probabilities, axis=1), beta=2.0))


SPACE = automl.SearchSpace("mlp", {
    "units": automl.Int(16, 128, log=True),
    "learning_rate": automl.Float(1e-3, 3e-2, log=True),
    "loss": automl.Categorical(["crossentropy", "focal"]),
    "batch_size": automl.Fixed(32),
})


def main() -> None:
    """Searches with the custom loss and metric, then prints the outcome."""
    result = automl.search(
        DATA, SPACE, target="diagnosis", metric="f2", seed=0, **BUDGET,
    )
    print(f"Best trial {result.best_trial}: val_f2={result.best_value:.4f}")
    print("Best parameters:", result.best_params)
    print("Held-out test scores:", {k: round(v, 4) for k, v in result.test_scores.items()})


if __name__ == "__main__":
    main()
