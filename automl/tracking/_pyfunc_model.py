"""MLflow models-from-code file: serves a saved automl model or ensemble folder as pyfunc.

MLflow copies this file into the logged model and runs it when the model is loaded
(``mlflow.pyfunc.load_model`` or ``mlflow models serve``); ``mlflow.models.set_model`` names
the model object. Nothing is cloudpickled: the folder itself (``.keras`` files and JSON) is the
model's ``bundle`` artifact, and the ``automl`` package travels as the model's code.

Example:
    >>> model = mlflow.pyfunc.load_model(model_uri)                  # doctest: +SKIP
    >>> model.predict(pandas.read_csv("new_rows.csv"))               # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import mlflow
import pandas as pd


class AutomlBundleModel(mlflow.pyfunc.PythonModel):
    """Predicts with ``automl.bundle.load_bundle(<bundle artifact>)`` on raw rows.

    The prediction table is the one ``automl predict`` writes: ``prediction`` and, for
    classification, ``probability_<class>`` columns.
    """

    def load_context(self, context: Any) -> None:
        """Loads the model or ensemble folder (Keras models in safe mode)."""
        from automl.bundle import load_bundle

        self._bundle = load_bundle(context.artifacts["bundle"])

    def predict(self, context: Any, model_input: pd.DataFrame, params: Any = None) -> pd.DataFrame:
        """Predictions for raw rows (columns the model does not know are ignored)."""
        return self._bundle.predict(pd.DataFrame(model_input)).reset_index(drop=True)


mlflow.models.set_model(AutomlBundleModel())
