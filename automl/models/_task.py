"""What depends on the task: the output layer, the targets the loss sees, compiling, predicting.

* binary: one sigmoid unit; targets float32 ``(n, 1)`` of 0/1; predictions ``[1 - p, p]``.
* multiclass: ``k`` softmax units; one-hot float32 targets ``(n, k)``; predictions ``(n, k)``.
* regression: one linear unit; float32 targets ``(n, 1)``; predictions ``(n,)``.

Example:
    >>> import numpy as np
    >>> from automl.data import InputSpec
    >>> spec = InputSpec(kind="tabular", input_shape=(2,), task="multiclass", n_classes=3)
    >>> encode_targets(np.array([2, 0]), spec).tolist()
    [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import keras
import numpy as np

from automl.data import InputSpec
from automl.exceptions import DataError
from automl.models._components import make_loss
from automl.models._components import make_optimizer

__all__ = ["compile_model", "encode_targets", "output_head", "predict_outputs"]

_ACTIVATIONS = {"binary": "sigmoid", "multiclass": "softmax", "regression": "linear"}


def output_head(x: keras.KerasTensor, spec: InputSpec) -> keras.KerasTensor:
    """Adds the task's final layer: a float32 ``Dense`` named ``"output"``.

    The layer computes in float32 even under a mixed-precision policy, so probabilities and
    losses stay accurate.

    Args:
        x: The last hidden tensor.
        spec: The dataset's input spec (task and number of outputs).

    Returns:
        The output tensor, of width ``spec.n_outputs``: sigmoid (binary), softmax (multiclass)
        or linear (regression).

    Example:
        >>> import keras
        >>> from automl.data import InputSpec
        >>> spec = InputSpec(kind="tabular", input_shape=(4,), task="binary", n_classes=2)
        >>> output_head(keras.Input((4,)), spec).shape
        (None, 1)
    """
    layer = keras.layers.Dense(
        spec.n_outputs, activation=_ACTIVATIONS[spec.task], dtype="float32", name="output"
    )
    return layer(x)


def encode_targets(y: np.ndarray, spec: InputSpec) -> np.ndarray:
    """Turns encoded labels from the data layer into what the loss expects.

    Args:
        y: Targets of shape ``(n,)``: class indices in ``[0, n_classes)`` for classification,
            numbers (already standardized) for regression.
        spec: The dataset's input spec.

    Returns:
        float32 ``(n, 1)`` for binary and regression, one-hot float32 ``(n, k)`` for multiclass.

    Raises:
        DataError: If ``y`` is not one-dimensional, or class labels are not integers in
            ``[0, n_classes)``.

    Example:
        >>> import numpy as np
        >>> from automl.data import InputSpec
        >>> spec = InputSpec(kind="tabular", input_shape=(2,), task="binary", n_classes=2)
        >>> encode_targets(np.array([0, 1]), spec).tolist()
        [[0.0], [1.0]]
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise DataError(f"Targets must be a 1-D array of shape (n,). Received shape: {y.shape}.")
    if not spec.is_classification:
        return y.astype("float32").reshape(-1, 1)
    _check_class_labels(y, spec)
    if spec.task == "binary":
        return y.astype("float32").reshape(-1, 1)
    return np.eye(spec.n_classes, dtype="float32")[y]


def _check_class_labels(y: np.ndarray, spec: InputSpec) -> None:
    """Raises DataError unless ``y`` holds integer class indices in ``[0, n_classes)``."""
    if not np.issubdtype(y.dtype, np.integer):
        raise DataError(
            f"Class labels for a {spec.task} task must be integer indices. "
            f"Received dtype: {y.dtype}."
        )
    if y.size and (y.min() < 0 or y.max() >= spec.n_classes):
        raise DataError(
            f"Class labels for a {spec.task} task must lie in [0, {spec.n_classes}). "
            f"Received: min={y.min()}, max={y.max()}."
        )


def compile_model(
    model: keras.Model,
    params: Mapping[str, Any],
    spec: InputSpec,
    *,
    steps_per_epoch: int,
    max_epochs: int,
    recompile: bool = False,
) -> keras.Model:
    """Compiles a model with the optimizer and loss that ``params`` name, unless it is compiled.

    A model that a custom builder already compiled is left as it is (unless ``recompile``). No
    metrics are compiled in: the training loop computes them itself.

    Args:
        model: The built model.
        params: The trial's parameters (see :func:`make_optimizer` and :func:`make_loss`).
        spec: The dataset's input spec.
        steps_per_epoch: Optimizer steps in one epoch (for the cosine schedule).
        max_epochs: The most epochs the model will train (for the cosine schedule).
        recompile: Compile again even if the model is compiled (a new optimizer; for example
            after unfreezing layers).

    Returns:
        The same model, compiled.

    Raises:
        ConfigError: If a parameter names an unknown optimizer, schedule or loss, or a number
            is out of range.

    Example:
        >>> from automl.data import InputSpec
        >>> from automl.models import build_model
        >>> spec = InputSpec(kind="tabular", input_shape=(4,), task="regression")
        >>> model = build_model("mlp", {}, spec)
        >>> compile_model(model, {"loss": "mae"}, spec, steps_per_epoch=5, max_epochs=2).compiled
        True
    """
    if model.compiled and not recompile:
        return model
    optimizer = make_optimizer(params, steps_per_epoch=steps_per_epoch, max_epochs=max_epochs)
    model.compile(optimizer=optimizer, loss=make_loss(params, spec))
    return model


def predict_outputs(
    model: keras.Model, x: np.ndarray, spec: InputSpec, *, batch_size: int = 1024
) -> np.ndarray:
    """Predicts in the task's plain form: class probabilities or regression values.

    Args:
        model: A model built for ``spec``.
        x: Inputs of shape ``(n, *spec.input_shape)``.
        spec: The dataset's input spec.
        batch_size: Rows per prediction batch.

    Returns:
        float64 probabilities of shape ``(n, n_classes)`` whose rows sum to 1 (binary:
        columns ``[1 - p, p]``), or float64 values of shape ``(n,)`` for regression, in the
        standardized unit the model was trained on.

    Example:
        >>> import numpy as np
        >>> from automl.data import InputSpec
        >>> from automl.models import build_model
        >>> spec = InputSpec(kind="tabular", input_shape=(4,), task="binary", n_classes=2)
        >>> predict_outputs(build_model("mlp", {}, spec), np.zeros((3, 4)), spec).shape
        (3, 2)
    """
    outputs = _forward(model, x, spec, batch_size)
    if spec.task == "regression":
        return outputs.reshape(-1)
    if spec.task == "binary":
        positive = outputs.reshape(-1)
        return np.column_stack([1.0 - positive, positive])
    return outputs / outputs.sum(axis=1, keepdims=True)


def _forward(model: keras.Model, x: np.ndarray, spec: InputSpec, batch_size: int) -> np.ndarray:
    """Calls the model directly, batch by batch.

    ``model.predict`` builds a data pipeline and traces a predict function on each new model,
    which costs about 0.1 s a call; trials score the validation part after every epoch, so a
    direct call is several times cheaper there.
    """
    if len(x) == 0:
        return np.zeros((0, spec.n_outputs), dtype="float64")
    parts = [
        keras.ops.convert_to_numpy(model(x[start:start + batch_size], training=False))
        for start in range(0, len(x), batch_size)
    ]
    return np.concatenate(parts).astype("float64", copy=False)
