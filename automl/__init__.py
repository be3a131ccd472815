"""automl: Keras 3 AutoML hyperparameter search with Optuna and MLflow.

Heavy libraries (TensorFlow, Keras, Optuna, MLflow) are imported lazily, so ``import automl`` and
``automl --help`` stay fast.
"""

from __future__ import annotations

__version__ = "0.1.0"
