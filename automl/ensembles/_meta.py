"""Stacking meta-learners: a model fitted on the members' out-of-fold predictions.

The default is linear: scikit-learn's ``LogisticRegression`` for classification and ``Ridge``
for regression. Once fitted, its coefficients and intercepts are kept as JSON numbers and
predictions are computed from them with numpy, so a saved ensemble needs no pickle (and no
scikit-learn object). The alternative is a small Keras model (one hidden layer), saved as a
``.keras`` file beside the JSON.

Example:
    >>> import numpy as np
    >>> features = stack_features([np.array([[0.9, 0.1], [0.2, 0.8]])], "binary")
    >>> features.tolist()
    [[0.1], [0.8]]
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from automl.ensembles._config import META_LEARNER_NAMES as META_LEARNERS

__all__ = ["KerasMetaLearner", "LinearMetaLearner", "META_LEARNERS", "make_meta_learner",
           "meta_learner_from_dict", "stack_features"]

_KERAS_FILE = "meta.keras"


def stack_features(outputs: Sequence[np.ndarray], task: str) -> np.ndarray:
    """The meta-learner's inputs: the members' outputs side by side.

    Args:
        outputs: Outputs of each member on the same rows (metric units).
        task: The dataset's task.

    Returns:
        ``(n, m)`` for binary (each member's positive-class probability) and regression
        (each member's value); ``(n, m * k)`` for multiclass (all probabilities).
    """
    columns = []
    for member in outputs:
        values = np.asarray(member, dtype=np.float64)
        if task == "binary":
            columns.append(values[:, 1:2])
        elif task == "regression":
            columns.append(values.reshape(-1, 1))
        else:
            columns.append(values)
    return np.concatenate(columns, axis=1)


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


class LinearMetaLearner:
    """Logistic regression (classification) or ridge regression, kept as plain numbers.

    Args:
        strength: Regularization: ``C`` of ``LogisticRegression`` is ``1 / strength`` and
            ``alpha`` of ``Ridge`` is ``strength``. Defaults to 1.0 (scikit-learn's defaults).

    Example:
        >>> x, y = np.array([[0.1], [0.2], [0.8], [0.9]]), np.array([0, 0, 1, 1])
        >>> meta = LinearMetaLearner().fit(x, y, task="binary", n_classes=2)
        >>> meta.predict(x).argmax(axis=1).tolist()
        [0, 0, 1, 1]
    """

    kind = "linear"

    def __init__(self, strength: float = 1.0) -> None:
        self.strength = strength
        self.coef_: np.ndarray | None = None
        self.intercept_: np.ndarray | None = None
        self.classes_: np.ndarray | None = None
        self.task_, self.n_classes_ = "", 0

    def fit(self, features: np.ndarray, y: np.ndarray, *, task: str,
            n_classes: int) -> LinearMetaLearner:
        """Fits on meta-features (:func:`stack_features`) and targets; returns ``self``."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.linear_model import Ridge

        if task == "regression":
            model = Ridge(alpha=self.strength).fit(features, y)
            self.coef_ = np.atleast_2d(model.coef_)
            self.intercept_ = np.atleast_1d(model.intercept_)
            self.classes_ = np.array([], dtype=np.int64)
        else:
            model = LogisticRegression(C=1.0 / self.strength, max_iter=2000).fit(features, y)
            self.coef_, self.intercept_ = model.coef_, model.intercept_
            self.classes_ = model.classes_.astype(np.int64)
        self.task_, self.n_classes_ = task, n_classes
        return self

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Combined outputs: probabilities ``(n, k)``, or values ``(n,)`` for regression."""
        logits = np.asarray(features, dtype=np.float64) @ self.coef_.T + self.intercept_
        if self.task_ == "regression":
            return logits[:, 0]
        if len(self.classes_) == 2:
            positive = 1.0 / (1.0 + np.exp(-logits[:, 0]))
            seen = np.column_stack([1.0 - positive, positive])
        else:
            seen = _softmax(logits)
        probabilities = np.zeros((len(seen), self.n_classes_))
        probabilities[:, self.classes_] = seen
        return probabilities

    def to_dict(self) -> dict[str, Any]:
        """The fitted learner as JSON numbers."""
        return {"kind": self.kind, "strength": self.strength, "task": self.task_,
                "n_classes": self.n_classes_, "coef": self.coef_.tolist(),
                "intercept": self.intercept_.tolist(), "classes": self.classes_.tolist()}

    def save(self, folder: str | os.PathLike) -> None:
        """Nothing to write: the numbers live in ``ensemble.json``."""

    @classmethod
    def from_dict(cls, values: Mapping[str, Any], folder: str | os.PathLike) -> LinearMetaLearner:
        """Rebuilds a learner written by :meth:`to_dict`."""
        learner = cls(strength=float(values["strength"]))
        learner.coef_ = np.asarray(values["coef"], dtype=np.float64)
        learner.intercept_ = np.asarray(values["intercept"], dtype=np.float64)
        learner.classes_ = np.asarray(values["classes"], dtype=np.int64)
        learner.task_, learner.n_classes_ = values["task"], int(values["n_classes"])
        return learner


class KerasMetaLearner:
    """A small Keras model (one hidden ReLU layer) on standardized meta-features.

    Args:
        units: Width of the hidden layer. Defaults to 16.
        epochs: Training epochs (full batches of 64 rows). Defaults to 100.
        learning_rate: Adam's learning rate. Defaults to 0.01.
        seed: Seed of the weights. Defaults to 0.

    Example:
        >>> meta = KerasMetaLearner(epochs=5)                            # doctest: +SKIP
        >>> meta.fit(x, y, task="binary", n_classes=2).predict(x)         # doctest: +SKIP
    """

    kind = "keras"

    def __init__(self, units: int = 16, epochs: int = 100, learning_rate: float = 0.01,
                 seed: int = 0) -> None:
        self.units, self.epochs, self.learning_rate, self.seed = units, epochs, learning_rate, seed
        self.model_: Any = None
        self.scaling_: dict[str, Any] = {}
        self.task_, self.n_classes_ = "", 0

    def fit(self, features: np.ndarray, y: np.ndarray, *, task: str,
            n_classes: int) -> KerasMetaLearner:
        """Fits on meta-features and targets; returns ``self``."""
        from automl import models

        keras = _keras()
        keras.utils.set_random_seed(self.seed)
        self.task_, self.n_classes_ = task, n_classes
        self.scaling_ = _scaling(features, y, task)
        spec = self._spec(features.shape[1])
        inputs = keras.Input((features.shape[1],))
        hidden = keras.layers.Dense(self.units, activation="relu")(inputs)
        self.model_ = keras.Model(inputs, models.output_head(hidden, spec))
        self.model_.compile(optimizer=keras.optimizers.Adam(self.learning_rate),
                            loss=_LOSSES[task])
        targets = models.encode_targets(self._encode_y(y), spec)
        self.model_.fit(self._scale(features), targets, epochs=self.epochs, batch_size=64,
                        verbose=0)
        return self

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Combined outputs: probabilities ``(n, k)``, or values ``(n,)`` for regression."""
        from automl import models

        outputs = models.predict_outputs(self.model_, self._scale(features),
                                         self._spec(np.shape(features)[1]))
        if self.task_ == "regression":
            return outputs * self.scaling_["y_scale"] + self.scaling_["y_mean"]
        return outputs

    def to_dict(self) -> dict[str, Any]:
        """Settings, scaling and the model's file name, as JSON values."""
        return {"kind": self.kind, "file": _KERAS_FILE, "units": self.units,
                "epochs": self.epochs, "learning_rate": self.learning_rate, "seed": self.seed,
                "task": self.task_, "n_classes": self.n_classes_, "scaling": self.scaling_}

    def save(self, folder: str | os.PathLike) -> None:
        """Writes the Keras model to ``<folder>/meta.keras``."""
        self.model_.save(Path(folder) / _KERAS_FILE)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any], folder: str | os.PathLike) -> KerasMetaLearner:
        """Rebuilds a learner from :meth:`to_dict` and its ``.keras`` file (safe mode)."""
        learner = cls(int(values["units"]), int(values["epochs"]),
                      float(values["learning_rate"]), int(values["seed"]))
        learner.task_, learner.n_classes_ = values["task"], int(values["n_classes"])
        learner.scaling_ = dict(values["scaling"])
        learner.model_ = _keras().saving.load_model(Path(folder) / values["file"],
                                                    safe_mode=True, compile=False)
        return learner

    def _spec(self, n_features: int) -> Any:
        from automl.data import InputSpec

        return InputSpec(kind="tabular", input_shape=(n_features,), task=self.task_,
                         n_classes=self.n_classes_)

    def _scale(self, features: np.ndarray) -> np.ndarray:
        mean = np.asarray(self.scaling_["x_mean"])
        scale = np.asarray(self.scaling_["x_scale"])
        return ((np.asarray(features, dtype=np.float64) - mean) / scale).astype(np.float32)

    def _encode_y(self, y: np.ndarray) -> np.ndarray:
        if self.task_ != "regression":
            return np.asarray(y, dtype=np.int64)
        values = np.asarray(y, dtype=np.float64)
        return (values - self.scaling_["y_mean"]) / self.scaling_["y_scale"]


_LOSSES = {"binary": "binary_crossentropy", "multiclass": "categorical_crossentropy",
           "regression": "mse"}


def _keras() -> Any:
    from automl._quiet import import_keras

    return import_keras()


def _scaling(features: np.ndarray, y: np.ndarray, task: str) -> dict[str, Any]:
    scale = np.std(features, axis=0)
    found: dict[str, Any] = {"x_mean": np.mean(features, axis=0).tolist(),
                             "x_scale": np.where(scale > 0, scale, 1.0).tolist()}
    if task == "regression":
        found["y_mean"] = float(np.mean(y))
        found["y_scale"] = float(np.std(y)) or 1.0
    return found


def make_meta_learner(name: str) -> LinearMetaLearner | KerasMetaLearner:
    """A new, unfitted meta-learner by name: ``"linear"`` (default) or ``"keras"``.

    Raises:
        ValueError: For another name (options are validated earlier, in EnsembleConfig).
    """
    if name == "linear":
        return LinearMetaLearner()
    if name == "keras":
        return KerasMetaLearner()
    raise ValueError(f"Unknown meta-learner {name!r}. Expected one of {list(META_LEARNERS)}.")


def meta_learner_from_dict(values: Mapping[str, Any],
                           folder: str | os.PathLike) -> LinearMetaLearner | KerasMetaLearner:
    """Rebuilds a fitted meta-learner saved in an ensemble folder."""
    learner_class = KerasMetaLearner if values["kind"] == "keras" else LinearMetaLearner
    return learner_class.from_dict(values, folder)
