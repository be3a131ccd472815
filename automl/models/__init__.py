"""Model building: builders named by string, and the compile/encode/predict steps around them.

A builder is a function ``(params, spec) -> keras.Model`` registered under a name; search spaces
name it (``builder: mlp``). Builders receive a plain dict and never see Optuna. Importing this
package registers the built-in ``mlp`` (tabular) and ``cnn`` (image) builders.

Example:
    >>> import numpy as np
    >>> from automl.data import InputSpec
    >>> from automl.models import build_model, compile_model, encode_targets
    >>> spec = InputSpec(kind="tabular", input_shape=(4,), task="binary", n_classes=2)
    >>> params = {"n_layers": 2, "units": 32, "optimizer": "adam"}
    >>> model = build_model("mlp", params, spec)
    >>> model = compile_model(model, params, spec, steps_per_epoch=1, max_epochs=1)
    >>> y = encode_targets(np.array([0, 1, 1, 0]), spec)
    >>> history = model.fit(np.zeros((4, 4)), y, epochs=1, verbose=0)
"""

from __future__ import annotations

from automl.models import image  # noqa: F401  (registers the "cnn" builder)
from automl.models import tabular  # noqa: F401  (registers the "mlp" builder)
from automl.models._components import make_loss
from automl.models._components import make_optimizer
from automl.models._image_backbones import BACKBONE_LAYER
from automl.models._image_backbones import backbone_for_weights
from automl.models._image_backbones import pretrained_space
from automl.models._image_backbones import unfreeze_backbone
from automl.models._registry import ModelBuilder
from automl.models._registry import build_model
from automl.models._registry import get_builder
from automl.models._registry import list_builders
from automl.models._registry import register_builder
from automl.models._task import compile_model
from automl.models._task import encode_targets
from automl.models._task import output_head
from automl.models._task import predict_outputs
from automl.models.image import build_cnn

__all__ = [
    "BACKBONE_LAYER",
    "ModelBuilder",
    "backbone_for_weights",
    "build_cnn",
    "build_model",
    "compile_model",
    "encode_targets",
    "get_builder",
    "list_builders",
    "make_loss",
    "make_optimizer",
    "output_head",
    "predict_outputs",
    "pretrained_space",
    "register_builder",
    "unfreeze_backbone",
]
