"""A custom model builder, registered by name and used from a YAML search space.

``wide_and_deep`` (Cheng et al., 2016, for tabular data): a deep MLP learns feature
interactions, and a wide path hands the raw features straight to the output layer, so the
model is at least as good as a linear one. The space ``examples/wide_and_deep.yaml`` names the
builder (``builder: wide_and_deep``) and its parameters; the builder receives them as a plain
dict with the data's :class:`~automl.data.InputSpec` and returns an uncompiled Keras model
(automl compiles it from ``optimizer``, ``learning_rate`` and ``loss``).

Trials run in a worker process. The worker re-imports this script (as ``__mp_main__``), so the
registration at the top level reaches it; the search itself runs under
``if __name__ == "__main__":``. A builder kept in its own module would be passed as
``imports=["my_builders"]`` instead.

Run from the repository root (about two minutes; results go to ./mlruns)::

    python examples/custom_builder.py

``AUTOML_EXAMPLE_QUICK=1`` runs a shortened version (2 trials of 2 epochs).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import keras

import automl
from automl.data import InputSpec
from automl.models import output_head

HERE = Path(__file__).resolve().parent
QUICK = os.environ.get("AUTOML_EXAMPLE_QUICK") == "1"  # the tests' shortened run
BUDGET = {"n_trials": 2, "max_epochs": 2, "report": False} if QUICK \
    else {"n_trials": 20, "max_epochs": 60}


@automl.register_builder("wide_and_deep")
def build_wide_and_deep(params: Mapping[str, Any], spec: InputSpec) -> keras.Model:
    """Builds a wide-and-deep network: raw features concatenated with a deep MLP's output.

    Args:
        params: ``deep_layers`` [2], ``deep_units`` [64], ``activation`` [relu],
            ``dropout`` [0.0]; other keys (optimizer, loss...) are for compiling.
        spec: The data's input spec (input shape, task, number of outputs).

    Returns:
        An uncompiled functional model with one output of width ``spec.n_outputs``.
    """
    inputs = keras.Input(spec.input_shape, name="features")
    deep = inputs
    for _ in range(int(params.get("deep_layers", 2))):
        deep = keras.layers.Dense(int(params.get("deep_units", 64)),
                                  activation=params.get("activation", "relu"))(deep)
        deep = keras.layers.Dropout(float(params.get("dropout", 0.0)))(deep)
    wide_and_deep = keras.layers.Concatenate(name="wide_and_deep")([inputs, deep])
    return keras.Model(inputs, output_head(wide_and_deep, spec), name="wide_and_deep")


def main() -> None:
    """Searches the wide-and-deep space on the diabetes regression data."""
    result = automl.search(
        HERE / "diabetes.csv", HERE / "wide_and_deep.yaml", target="progression", seed=0,
        **BUDGET,
    )
    print(f"Best trial {result.best_trial}: val_rmse={result.best_value:.2f}")
    print("Best parameters:", result.best_params)
    print("Held-out test scores:", {k: round(v, 4) for k, v in result.test_scores.items()})
    model = result.load_best_model()
    print("Layers of the best model:", [layer.name for layer in model.model.layers][:6], "...")


if __name__ == "__main__":
    main()
