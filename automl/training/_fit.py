"""Trial-agnostic training: build, compile and fit one model from a plain parameter dict.

Nothing here knows about Optuna except the optional pruning callback the caller passes in, so
the same :func:`train_model` serves the search and, later, ensemble refits.
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any, Callable, Mapping, Sequence

import keras
import numpy as np
from sklearn.utils.class_weight import compute_class_weight

from automl import models
from automl import registry
from automl.config import TrainingConfig
from automl.training._callbacks import EpochEvaluator
from automl.training._inputs import fit_arguments
from automl.training._inputs import n_rows
from automl.training._inputs import part_inputs
from automl.training._inputs import predict_inputs

__all__ = ["TrainingConfig", "FitResult", "train_model", "decode_outputs"]


@dataclasses.dataclass
class FitResult:
    """Outcome of one training run.

    Attributes:
        model: The trained model, with the weights of its best epoch.
        best_value: Best validation value of the objective.
        best_epoch: Epoch (0-based) of the best value.
        n_epochs: Epochs actually run.
        history: One dict of metrics per epoch.
        fit_seconds: Wall time spent inside ``model.fit``.
        val_outputs: Validation outputs of the best epoch (probabilities, or original units).
    """

    model: keras.Model
    best_value: float
    best_epoch: int
    n_epochs: int
    history: list[dict[str, float]]
    fit_seconds: float
    val_outputs: np.ndarray


def decode_outputs(model_outputs: np.ndarray, dataset: Any) -> np.ndarray:
    """Maps model outputs to metric units: regression outputs back to the target's units."""
    if dataset.spec.task == "regression":
        return np.asarray(dataset.target_encoder.decode(model_outputs), dtype=np.float64)
    return model_outputs


def _sample_weights(y: np.ndarray, params: Mapping[str, Any], task: str) -> np.ndarray | None:
    if task == "regression" or params.get("class_weight", "none") != "balanced":
        return None
    classes = np.unique(y)
    weights = compute_class_weight("balanced", classes=classes, y=y)
    lookup = dict(zip(classes.tolist(), weights.tolist(), strict=True))
    return np.array([lookup[v] for v in y.tolist()], dtype=np.float32)


def _plateau_callback(params: Mapping[str, Any], monitor: str, mode: str, patience: int) -> list:
    if params.get("lr_schedule") != "plateau":
        return []
    return [
        keras.callbacks.ReduceLROnPlateau(
            monitor=monitor, mode=mode, factor=0.5, patience=max(2, patience // 3), verbose=0
        )
    ]


FINE_TUNE_RATE = 0.1
"""Learning-rate factor of the second phase of ``fine_tune: two_phase``."""


def _has_frozen_backbone(model: keras.Model) -> bool:
    try:
        return not model.get_layer(models.BACKBONE_LAYER).trainable
    except ValueError:
        return False


def _fine_tune(model: keras.Model, params: Mapping[str, Any], spec: Any,
               inputs: dict[str, Any], evaluator: EpochEvaluator,
               callbacks: Sequence[keras.callbacks.Callback], *, steps: int,
               max_epochs: int) -> None:
    """Second phase of ``fine_tune: two_phase``: unfreeze the backbone and train on.

    The first phase trained the head on a frozen backbone (and stopped early, or after half of
    the epochs); the best weights are back in place. The whole model is recompiled with a ten
    times lower learning rate and trained for the remaining epochs, with the same evaluator,
    so epochs count on, patience starts afresh and the best epoch of either phase wins.
    """
    start = len(evaluator.history)
    if start >= max_epochs:
        return
    models.unfreeze_backbone(model)
    rate = float(params.get("learning_rate", 1e-3)) * FINE_TUNE_RATE
    models.compile_model(model, {**params, "learning_rate": rate}, spec, steps_per_epoch=steps,
                         max_epochs=max_epochs - start, recompile=True)
    evaluator.restart_patience(start)
    model.fit(**inputs, initial_epoch=start, epochs=max_epochs, verbose=0,
              callbacks=list(callbacks))


def train_model(
    params: Mapping[str, Any],
    dataset: Any,
    config: TrainingConfig,
    *,
    builder: str = "mlp",
    model: keras.Model | None = None,
    seed: int | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    should_stop: Callable[[], bool] | None = None,
) -> FitResult:
    """Builds, compiles and fits a model for ``params`` on ``dataset``'s training part.

    The objective is scored on the validation part after every epoch; training stops early after
    ``config.patience`` epochs without improvement and the best epoch's weights are restored.
    With ``fine_tune: two_phase`` and a frozen pretrained backbone, the head trains first (at
    most half of the epochs), then the whole model at a ten times lower learning rate.

    Args:
        params: Sampled hyperparameters (a plain dict; see ``search_spaces/tabular_mlp.yaml``).
        dataset: A :class:`automl.data.Dataset` or :class:`automl.data.ImageDataset` (train
            and validation parts are used; images are streamed from disk).
        config: Training settings.
        builder: Registered model builder name.
        model: A model built already (define-by-run); compiled here from ``params`` unless it
            was compiled by its maker.
        seed: Seed for weights and shuffling (defaults to ``config.seed``).
        callbacks: Extra callbacks, run after the evaluator (pruning, logging). Callbacks that
            ``params["callbacks"]`` names (registered names or ``"module:name"``
            references, see :func:`automl.registry.make_callbacks`) run before them.
        should_stop: Polled between batches; returning True stops the trial.

    Returns:
        A :class:`FitResult`.

    Raises:
        TrialError: On a non-finite loss or non-finite predictions.
        StopTrial: When the deadline passes or ``should_stop`` says so.
    """
    seed = config.seed if seed is None else seed
    keras.utils.set_random_seed(seed)
    spec = dataset.spec
    batch_size = int(params.get("batch_size", 32))
    steps = max(1, math.ceil(n_rows(dataset, "train") / batch_size))
    if model is None:
        model = models.build_model(builder, params, spec)
    two_phase = params.get("fine_tune") == "two_phase" and _has_frozen_backbone(model)
    first_epochs = max(1, config.max_epochs // 2) if two_phase else config.max_epochs
    models.compile_model(model, params, spec, steps_per_epoch=steps, max_epochs=first_epochs)
    evaluator = EpochEvaluator(
        lambda x: decode_outputs(predict_inputs(model, x, spec), dataset),
        part_inputs(dataset, "val"),
        decode_outputs(dataset.y_val, dataset) if spec.task == "regression" else dataset.y_val,
        task=spec.task,
        objective=config.metric,
        patience=config.patience,
        deadline=config.deadline,
        trial_deadline=time.time() + config.trial_timeout if config.trial_timeout else None,
        should_stop=should_stop,
    )
    plateau = _plateau_callback(params, evaluator.monitor, evaluator.mode, config.patience)
    all_callbacks = [evaluator, *plateau, *registry.make_callbacks(params.get("callbacks")),
                     *callbacks]
    inputs = fit_arguments(dataset, batch_size=batch_size, seed=seed,
                           sample_weight=_sample_weights(dataset.y_train, params, spec.task))
    started = time.perf_counter()
    model.fit(**inputs, epochs=first_epochs, verbose=0, callbacks=all_callbacks)
    if two_phase:
        _fine_tune(model, params, spec, inputs, evaluator, all_callbacks,
                   steps=steps, max_epochs=config.max_epochs)
    return FitResult(
        model=model,
        best_value=float(evaluator.best_value),
        best_epoch=evaluator.best_epoch,
        n_epochs=len(evaluator.history),
        history=evaluator.history,
        fit_seconds=time.perf_counter() - started,
        val_outputs=evaluator.best_outputs,
    )
