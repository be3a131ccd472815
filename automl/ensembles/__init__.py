"""Ensembles of a study's best trials: voting, stacking, bagging and greedy selection.

After a search, :func:`build_ensemble` combines the best completed trials into one model that
is saved as one folder, used exactly like a single model's (``automl predict``,
``automl.bundle.load_bundle``), tracked as its own MLflow run and logged as an MLflow pyfunc
model. Only predictions are combined, so voting and selection take image studies too (their
ensemble folder predicts on image files); stacking and bagging refit members on in-memory rows
and take tabular studies only.

This package imports its heavy parts (Keras, Optuna, MLflow) lazily, on first use of a name.

Example:
    >>> from automl.ensembles import EnsembleConfig, build_ensemble
    >>> result = build_ensemble("mlruns/studies/wine",
    ...                         EnsembleConfig(method="selection", top_k=10))  # doctest: +SKIP
    >>> result.test_scores["accuracy"]                                        # doctest: +SKIP
    0.9722
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from automl.ensembles._config import METHODS
from automl.ensembles._config import VOTING
from automl.ensembles._config import EnsembleConfig

if TYPE_CHECKING:
    from automl.ensembles._artifact import Ensemble
    from automl.ensembles._artifact import EnsembleBundle
    from automl.ensembles._artifact import ImageEnsembleBundle
    from automl.ensembles._artifact import load_ensemble
    from automl.ensembles._artifact import save_ensemble
    from automl.ensembles._build import EnsembleResult
    from automl.ensembles._build import build_ensemble
    from automl.ensembles._combine import average_outputs
    from automl.ensembles._combine import diversity
    from automl.ensembles._combine import greedy_selection
    from automl.ensembles._combine import majority_vote
    from automl.ensembles._combine import score_weights
    from automl.ensembles._meta import KerasMetaLearner
    from automl.ensembles._meta import LinearMetaLearner
    from automl.ensembles._study import find_study_folder

__all__ = [
    "METHODS",
    "VOTING",
    "Ensemble",
    "EnsembleBundle",
    "EnsembleConfig",
    "EnsembleResult",
    "ImageEnsembleBundle",
    "KerasMetaLearner",
    "LinearMetaLearner",
    "average_outputs",
    "build_ensemble",
    "diversity",
    "find_study_folder",
    "greedy_selection",
    "load_ensemble",
    "majority_vote",
    "save_ensemble",
    "score_weights",
]

_LAZY = {
    "Ensemble": "automl.ensembles._artifact",
    "EnsembleBundle": "automl.ensembles._artifact",
    "ImageEnsembleBundle": "automl.ensembles._artifact",
    "load_ensemble": "automl.ensembles._artifact",
    "save_ensemble": "automl.ensembles._artifact",
    "EnsembleResult": "automl.ensembles._build",
    "build_ensemble": "automl.ensembles._build",
    "average_outputs": "automl.ensembles._combine",
    "diversity": "automl.ensembles._combine",
    "greedy_selection": "automl.ensembles._combine",
    "majority_vote": "automl.ensembles._combine",
    "score_weights": "automl.ensembles._combine",
    "KerasMetaLearner": "automl.ensembles._meta",
    "LinearMetaLearner": "automl.ensembles._meta",
    "find_study_folder": "automl.ensembles._study",
}

_IMPORT_KERAS = {"automl.ensembles._artifact", "automl.ensembles._build",
                 "automl.ensembles._study"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    if _LAZY[name] in _IMPORT_KERAS:
        from automl._quiet import import_keras

        import_keras()  # before the modules that import Keras, so TensorFlow loads quietly
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
