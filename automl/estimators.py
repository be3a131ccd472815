"""scikit-learn estimators: ``AutoMLClassifier`` and ``AutoMLRegressor``.

``fit`` runs a whole search (:func:`automl.search`) on ``X, y`` and keeps the best model, so the
estimators work inside ``Pipeline`` and ``cross_val_score``. Following
scikit-learn's rules, ``__init__`` stores its arguments unchanged and ``fit`` validates them.

Data: numpy input must be numeric (missing values, NaN, are imputed); a pandas DataFrame may
mix numeric, boolean and text columns. ``validation_fraction`` of the rows is held out for
validation (early stopping, pruning, choosing the best trial); nothing else is held out, so
estimate the generalization error with ``cross_val_score``. Constant and ID-like columns are
dropped, as by ``automl search``.

Defaults suit small data: trials run in the calling process (``n_workers=0``), and the study
and MLflow runs go to a temporary store deleted when Python exits (give ``root`` or
``tracking_uri`` to keep them). No plots or HTML report are written per ``fit``; run
``automl report --study-name NAME --root ROOT`` on a kept study for them.
"""

from __future__ import annotations

import atexit
import copyreg
import shutil
import tempfile
import uuid
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.base import ClassifierMixin
from sklearn.base import RegressorMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted
from sklearn.utils.validation import column_or_1d
from sklearn.utils.validation import validate_data

from automl.exceptions import DataError
from automl.space import SearchSpace

__all__ = ["AutoMLClassifier", "AutoMLRegressor"]

MIN_SAMPLES = 10
_TEMPORARY_ROOT: list[str] = []


def _reduce_space(space: SearchSpace) -> tuple[Any, tuple[Any, ...]]:
    """Copies and pickles a space as its plain-data form (``clone`` deep-copies parameters)."""
    named = {"name": space.name, "description": space.description}
    data = {**space.to_dict(), **{k: v for k, v in named.items() if v is not None}}
    return SearchSpace.from_dict, (data, space.source)


copyreg.pickle(SearchSpace, _reduce_space)


def temporary_root() -> str:
    """The store used when no ``root`` is given: one folder per process, deleted at exit."""
    if not _TEMPORARY_ROOT:
        folder = tempfile.mkdtemp(prefix="automl-estimators-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _TEMPORARY_ROOT.append(folder)
    return _TEMPORARY_ROOT[0]


class _AutoMLEstimator(BaseEstimator):
    """Shared parameters and steps of :class:`AutoMLClassifier` and :class:`AutoMLRegressor`."""

    _task_family = ""

    def __init__(self, space: Any = None, *, n_trials: int = 10, timeout: float | None = None,
                 metric: Any = None, sampler: str = "tpe", pruner: str = "median",
                 max_epochs: int = 30, patience: int = 5, validation_fraction: float = 0.2,
                 n_workers: int = 0, random_state: int = 0, root: str | None = None,
                 tracking_uri: str | None = None, study_name: str | None = None,
                 model_fn: Any = None, imports: tuple[str, ...] = (), loss: Any = None,
                 callbacks: tuple[Any, ...] = (), verbose: bool = False) -> None:
        self.space = space
        self.n_trials = n_trials
        self.timeout = timeout
        self.metric = metric
        self.sampler = sampler
        self.pruner = pruner
        self.max_epochs = max_epochs
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.n_workers = n_workers
        self.random_state = random_state
        self.root = root
        self.tracking_uri = tracking_uri
        self.study_name = study_name
        self.model_fn = model_fn
        self.imports = imports
        self.loss = loss
        self.callbacks = callbacks
        self.verbose = verbose

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def _search(self, frame: pd.DataFrame, y: np.ndarray, task: str) -> Any:
        """Runs the search on the rows and keeps the best model as fitted attributes."""
        from automl import api
        from automl.bundle import load_bundle
        from automl.data._frame import load_frame

        target = _free_name(frame.columns)
        dataset = load_frame(frame.assign(**{target: y}), target, task=task, test_size=None,
                             val_size=self.validation_fraction, seed=self.random_state,
                             name=f"<{type(self).__name__}.fit data>")
        result = api.search(
            dataset, self.space, n_trials=self.n_trials, timeout=self.timeout,
            metric=self.metric, sampler=self.sampler, pruner=self.pruner,
            seed=self.random_state, max_epochs=self.max_epochs, patience=self.patience,
            study_name=f"{self.study_name or type(self).__name__}-{uuid.uuid4().hex[:12]}",
            tracking_uri=self.tracking_uri, root=self.root or temporary_root(),
            n_workers=self.n_workers, model_fn=self.model_fn,
            imports=self.imports, loss=self.loss, callbacks=self.callbacks, report=False,
            quiet=not self.verbose)
        if result.model_path is None:
            raise DataError(f"{type(self).__name__}.fit found no model: no trial completed "
                            f"({result.counts}). {result.message}".strip())
        self.search_result_ = result
        self.bundle_ = load_bundle(result.model_path)
        self.model_ = self.bundle_.model
        self.best_params_ = dict(result.best_params)
        self.best_score_ = result.best_value
        return self.bundle_

    def _frame(self, x: Any, *, reset: bool) -> pd.DataFrame:
        """Validates ``x`` like scikit-learn and returns it as a DataFrame with stable names."""
        if isinstance(x, pd.DataFrame):
            validate_data(self, x, reset=reset, skip_check_array=True)
            if x.shape[0] == 0 or x.shape[1] == 0:
                raise DataError(f"Found array with shape {x.shape}: expected at least 1 "
                                "sample and 1 feature.")
            frame = x.set_axis([str(c) for c in x.columns], axis=1).reset_index(drop=True)
        else:
            values = validate_data(self, x, reset=reset, dtype="numeric",
                                   ensure_all_finite="allow-nan")
            frame = pd.DataFrame(values, columns=[f"x{i}" for i in range(values.shape[1])])
        if reset:
            self._columns = list(frame.columns)
        return frame if list(frame.columns) == self._columns \
            else frame.set_axis(self._columns, axis=1)

    def _check_samples(self, n_samples: int) -> None:
        if n_samples < MIN_SAMPLES:
            raise DataError(f"{type(self).__name__} needs at least {MIN_SAMPLES} samples to "
                            f"hold out a validation part. Received: n_samples={n_samples}.")

    def _outputs(self, x: Any) -> np.ndarray:
        check_is_fitted(self, "bundle_")
        return self.bundle_.predict_outputs(self._frame(x, reset=False))


class AutoMLClassifier(ClassifierMixin, _AutoMLEstimator):
    """A scikit-learn classifier whose ``fit`` searches Keras models with automl.

    Args:
        space: Search space: a :class:`~automl.space.SearchSpace`, YAML file, built-in name or
            dict; None uses ``"tabular_mlp"``.
        n_trials: Trials per ``fit`` (default 10).
        timeout: Wall-clock budget of one ``fit`` in seconds, or None.
        metric: Objective on the validation part (default ``roc_auc`` for two classes,
            ``accuracy`` for more); a name or a registered custom metric.
        sampler: Optuna sampler name (default ``"tpe"``).
        pruner: Optuna pruner name (default ``"median"``).
        max_epochs: Epochs per trial at most (default 30).
        patience: Early-stopping patience in epochs (default 5).
        validation_fraction: Fraction of the rows held out for validation (default 0.2).
        n_workers: Worker processes; 0 (default) trains in this process.
        random_state: Seed of the split, the sampler and the weights (default 0).
        root: Local store of studies and MLflow runs; None for a temporary one.
        tracking_uri: MLflow tracking URI; None for SQLite under the store.
        study_name: Prefix of the study names (default: the class name); each ``fit`` makes
            a new study ``<prefix>-<random id>``, also the name of its MLflow experiment.
        model_fn: Define-by-run model function instead of ``space`` (see
            :func:`automl.search`).
        imports: Modules that register custom builders, losses, metrics or callbacks.
        loss: Loss for every trial (name, reference or object).
        callbacks: Keras callbacks for every trial (names, references or objects).
        verbose: Print the search's progress.

    Attributes:
        classes_: The class labels, sorted.
        n_features_in_: Number of input features; ``feature_names_in_`` for DataFrames.
        best_params_: Parameters of the best trial.
        best_score_: Its validation value of the objective.
        bundle_: The best model with its preprocessing (:class:`automl.bundle.ModelBundle`).
        model_: The best Keras model.
        search_result_: The :class:`~automl.search.SearchResult` of the last ``fit``.

    Example:
        >>> from sklearn.datasets import load_breast_cancer
        >>> from sklearn.model_selection import cross_val_score
        >>> x, y = load_breast_cancer(return_X_y=True)
        >>> classifier = AutoMLClassifier(n_trials=3, max_epochs=10)
        >>> cross_val_score(classifier, x, y, cv=3).mean() > 0.9    # doctest: +SKIP
        True
    """

    _task_family = "classification"

    def fit(self, X: Any, y: Any) -> AutoMLClassifier:
        """Searches models for ``X`` and the class labels ``y``; keeps the best one.

        Args:
            X: Features, ``(n_samples, n_features)``: numeric array-like or DataFrame.
            y: Class labels, ``(n_samples,)``.

        Returns:
            This classifier, fitted.

        Raises:
            ValueError: If the data are invalid (too few samples, one class, bad values).
            UserInputError: If a parameter is invalid.
        """
        frame = self._frame(X, reset=True)
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        self._check_samples(len(frame))
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise DataError(f"AutoMLClassifier needs at least 2 classes in y. Received 1 "
                            f"class: {self.classes_.tolist()[0]!r}.")
        task = "binary" if len(self.classes_) == 2 else "multiclass"
        bundle = self._search(frame, y, task)
        self._class_columns = bundle.target_encoder.encode(pd.Series(self.classes_))
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, one column per class of ``classes_``.

        Args:
            X: Features like those given to ``fit``.

        Returns:
            An array ``(n_samples, n_classes)`` whose rows sum to 1.
        """
        return self._outputs(X)[:, self._class_columns]

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row.

        Args:
            X: Features like those given to ``fit``.

        Returns:
            Labels from ``classes_``, ``(n_samples,)``.
        """
        probabilities = self.predict_proba(X)
        return self.classes_[np.argmax(probabilities, axis=1)]


class AutoMLRegressor(RegressorMixin, _AutoMLEstimator):
    """A scikit-learn regressor whose ``fit`` searches Keras models with automl.

    Takes the parameters of :class:`AutoMLClassifier`; the objective defaults to ``rmse``
    and ``score`` is R². The target is standardized for training and predictions come back in
    its units.

    Attributes:
        n_features_in_: Number of input features; ``feature_names_in_`` for DataFrames.
        best_params_: Parameters of the best trial.
        best_score_: Its validation value of the objective.
        bundle_: The best model with its preprocessing.
        model_: The best Keras model.
        search_result_: The :class:`~automl.search.SearchResult` of the last ``fit``.

    Example:
        >>> from sklearn.datasets import load_diabetes
        >>> x, y = load_diabetes(return_X_y=True)
        >>> regressor = AutoMLRegressor(n_trials=3, max_epochs=20).fit(x, y)  # doctest: +SKIP
        >>> regressor.predict(x[:2]).shape                                   # doctest: +SKIP
        (2,)
    """

    _task_family = "regression"

    def fit(self, X: Any, y: Any) -> AutoMLRegressor:
        """Searches models for ``X`` and the numeric targets ``y``; keeps the best one.

        Args:
            X: Features, ``(n_samples, n_features)``: numeric array-like or DataFrame.
            y: Numeric targets, ``(n_samples,)``.

        Returns:
            This regressor, fitted.

        Raises:
            ValueError: If the data are invalid (too few samples, non-numeric or infinite y).
            UserInputError: If a parameter is invalid.
        """
        frame = self._frame(X, reset=True)
        y = column_or_1d(y, warn=True, dtype=np.float64)
        if not np.all(np.isfinite(y)):
            raise DataError("AutoMLRegressor needs finite target values: y contains NaN or "
                            "infinity.")
        self._check_samples(len(frame))
        self._search(frame, y, "regression")
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predicted values in the units of ``y``.

        Args:
            X: Features like those given to ``fit``.

        Returns:
            An array ``(n_samples,)``.
        """
        return self._outputs(X)


def _free_name(columns: Any) -> str:
    names = {str(c) for c in columns}
    return next(name for name in ("target", "__target__", f"__target_{uuid.uuid4().hex}__")
                if name not in names)
