"""automl: Keras 3 AutoML hyperparameter search with Optuna and MLflow.

The public API is listed in ``__all__``. Names are imported on first use, so ``import automl``
and ``automl --help`` stay fast and load neither TensorFlow, Keras, Optuna nor MLflow.

``automl.search`` is both the search package and the function: calling it runs
:func:`automl.api.search`.

Example:
    >>> import automl
    >>> space = automl.SearchSpace("mlp", {
    ...     "units": automl.Int(16, 256, log=True),
    ...     "optimizer": automl.Categorical(["adam", "sgd"]),
    ...     "momentum": automl.Float(0.0, 0.9, when={"optimizer": "sgd"}),
    ...     "batch_size": automl.Fixed(64),
    ... })
    >>> result = automl.search("examples/breast_cancer.csv", space, target="diagnosis",
    ...                        n_trials=10, max_epochs=20)                 # doctest: +SKIP
    >>> result.best_params, result.test_scores["roc_auc"]                 # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

__version__ = "0.1.0"

__all__ = [
    "AutoMLClassifier",
    "AutoMLRegressor",
    "Categorical",
    "Dataset",
    "Fixed",
    "Float",
    "InputSpec",
    "Int",
    "Metric",
    "ModelBuilder",
    "SearchConfig",
    "SearchResult",
    "SearchSpace",
    "__version__",
    "builtin_spaces",
    "dump_space",
    "exceptions",
    "get_builder",
    "list_builders",
    "load_arrays",
    "load_bundle",
    "load_csv",
    "load_data",
    "load_frame",
    "load_space",
    "register_builder",
    "register_callback",
    "register_loss",
    "register_metric",
    "search",
]

_LAZY = {
    "AutoMLClassifier": "automl.estimators",
    "AutoMLRegressor": "automl.estimators",
    "Categorical": "automl.space",
    "Dataset": "automl.data",
    "Fixed": "automl.space",
    "Float": "automl.space",
    "InputSpec": "automl.data",
    "Int": "automl.space",
    "Metric": "automl.metrics",
    "ModelBuilder": "automl.models",
    "SearchConfig": "automl.config",
    "SearchResult": "automl.search",
    "SearchSpace": "automl.space",
    "builtin_spaces": "automl.space",
    "dump_space": "automl.space",
    "get_builder": "automl.models",
    "list_builders": "automl.models",
    "load_arrays": "automl.data._frame",
    "load_bundle": "automl.bundle",
    "load_csv": "automl.data",
    "load_data": "automl.api",
    "load_frame": "automl.data._frame",
    "load_space": "automl.space",
    "register_builder": "automl.models",
    "register_callback": "automl.registry",
    "register_loss": "automl.registry",
    "register_metric": "automl.metrics",
}
_SUBMODULES = ("exceptions", "search")
_KERAS_MODULES = ("automl.models", "automl.registry")  # TensorFlow's start-up lines are muted


class _SearchPackage(types.ModuleType):
    """The ``automl.search`` package, callable: ``automl.search(data, ...)``."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Runs :func:`automl.api.search` (see its documentation)."""
        from automl.api import search

        return search(*args, **kwargs)


class _Package(types.ModuleType):
    """Makes the ``automl.search`` subpackage callable as soon as it is imported."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "search" and type(value) is types.ModuleType:
            import inspect

            from automl.api import search

            value.__class__ = _SearchPackage
            value.__signature__ = inspect.signature(search)
        super().__setattr__(name, value)


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"automl.{name}")
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if _LAZY[name] in _KERAS_MODULES:
        from automl._quiet import import_keras

        import_keras()
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


sys.modules[__name__].__class__ = _Package
