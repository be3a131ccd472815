"""keras.applications backbones for the ``cnn`` builder, from scratch or from a local file.

Weights are never downloaded (the machines may be offline): ``pretrained: true`` or
``weights_path: imagenet`` without a local file is a :class:`ConfigError` before anything is
built. With a local file, ``fine_tune`` chooses what trains:

* ``frozen``: the backbone is not trainable (``backbone.trainable = False``); only the head
  learns.
* ``full``: every weight trains from the loaded values.
* ``two_phase``: built like ``frozen``; the training loop then trains the head for some epochs,
  calls :func:`unfreeze_backbone`, compiles again with a lower learning rate and goes on.

A pretrained backbone always runs in inference mode (``training=False``), so its batch
normalization statistics stay those of the weights file even when its weights train. Inputs
(float32 in ``[0, 1]``) are rescaled to what each backbone expects, grayscale is repeated to
three channels, and images smaller than 32x32 are enlarged to 32.

Example:
    >>> backbone_for_weights("efficientnetb0_notop.h5")
    'efficientnet_b0'
"""

from __future__ import annotations

import copy
import dataclasses
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import keras

from automl.exceptions import ConfigError
from automl.models._components import get_choice
from automl.models._components import get_flag

__all__ = [
    "BACKBONES",
    "FINE_TUNE_MODES",
    "backbone_features",
    "backbone_for_weights",
    "check_backbone_weights",
    "pretrained_space",
    "unfreeze_backbone",
]


@dataclasses.dataclass(frozen=True)
class _Backbone:
    """A keras.applications constructor and the rescaling its inputs need from ``[0, 1]``."""

    constructor: str
    scale: float
    offset: float
    file_pattern: str


BACKBONES: Mapping[str, _Backbone] = {
    "mobilenet_v3_small": _Backbone("MobileNetV3Small", 255.0, 0.0, "mobilenetv3small"),
    "efficientnet_b0": _Backbone("EfficientNetB0", 255.0, 0.0, "efficientnetb0"),
    "resnet50_v2": _Backbone("ResNet50V2", 2.0, -1.0, "resnet50v2"),
}
"""Backbone names of the ``backbone`` parameter (``none`` means convolution blocks)."""
FINE_TUNE_MODES = ("frozen", "full", "two_phase")
BACKBONE_LAYER = "backbone"
MIN_BACKBONE_SIDE = 32
_NO_WEIGHTS = (None, "", "none")


def check_backbone_weights(params: Mapping[str, Any], backbone: str) -> str | None:
    """Validates ``pretrained``, ``weights_path`` and ``fine_tune`` before anything is built.

    Args:
        params: The trial's parameters (with the ``cnn`` defaults filled in).
        backbone: The chosen backbone name, or ``"none"``.

    Returns:
        The local weights file, or None to train from scratch.

    Raises:
        ConfigError: Pretrained weights asked for without a local file (or as ``imagenet``),
            a weights file without a backbone, a missing file, or an unknown ``fine_tune``.

    Example:
        >>> check_backbone_weights({"pretrained": False, "weights_path": None},
        ...                        "mobilenet_v3_small") is None
        True
    """
    weights_path = params.get("weights_path")
    if not get_flag(params, "pretrained") and weights_path in _NO_WEIGHTS:
        return None
    if backbone == "none":
        raise ConfigError("Pretrained weights (`pretrained`, `weights_path`) need a `backbone`. "
                          f"Expected one of {list(BACKBONES)}. Received: backbone='none'.")
    if weights_path in _NO_WEIGHTS or weights_path == "imagenet":
        raise ConfigError(
            f"Pretrained weights for backbone '{backbone}' need a local weights file: automl "
            "never downloads weights. Expected --weights PATH (parameter `weights_path`). "
            f"Received: weights_path={weights_path!r}."
        )
    if not isinstance(weights_path, (str, os.PathLike)) or not Path(weights_path).is_file():
        raise ConfigError(f"Weights file {str(weights_path)!r} for backbone '{backbone}' not "
                          "found. Expected a local .h5 or .weights.h5 file.")
    get_choice(params, "fine_tune", FINE_TUNE_MODES)
    return str(weights_path)


def backbone_features(x: keras.KerasTensor, params: Mapping[str, Any], backbone: str
                      ) -> keras.KerasTensor:
    """Runs images through the chosen backbone (without its classifier top).

    Args:
        x: Images in ``[0, 1]``, shape ``(batch, height, width, channels)``.
        params: The trial's parameters (with the ``cnn`` defaults filled in).
        backbone: A name of :data:`BACKBONES`.

    Returns:
        The backbone's feature maps.

    Raises:
        ConfigError: As :func:`check_backbone_weights`, or if the weights file does not fit
            the backbone.

    Example:
        >>> inputs = keras.Input((32, 32, 3))
        >>> features = backbone_features(inputs, {"pretrained": False},
        ...                              "mobilenet_v3_small")
        >>> features.shape[-1]
        576
    """
    weights_path = check_backbone_weights(params, backbone)
    x = _fit_input(x)
    choice = BACKBONES[backbone]
    x = keras.layers.Rescaling(choice.scale, choice.offset, name="backbone_rescale")(x)
    constructor = getattr(keras.applications, choice.constructor)
    model = constructor(include_top=False, weights=None, input_shape=tuple(x.shape[1:]),
                        name=BACKBONE_LAYER)
    if weights_path is None:
        return model(x)
    _load_weights(model, weights_path, backbone)
    model.trainable = get_choice(params, "fine_tune", FINE_TUNE_MODES) == "full"
    return model(x, training=False)


def _fit_input(x: keras.KerasTensor) -> keras.KerasTensor:
    """Repeats grayscale to RGB and enlarges images smaller than the backbones accept."""
    if x.shape[-1] == 1:
        x = keras.layers.Concatenate(name="backbone_rgb")([x, x, x])
    height, width = x.shape[1], x.shape[2]
    if min(height, width) < MIN_BACKBONE_SIDE:
        x = keras.layers.Resizing(max(height, MIN_BACKBONE_SIDE), max(width, MIN_BACKBONE_SIDE),
                                  name="backbone_resize")(x)
    return x


def _load_weights(model: keras.Model, weights_path: str, backbone: str) -> None:
    try:
        model.load_weights(weights_path)
    except (ValueError, KeyError, OSError) as error:
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise ConfigError(f"Weights file '{weights_path}' does not fit backbone '{backbone}' "
                          f"(include_top=False). Received: {first_line}") from error


def unfreeze_backbone(model: keras.Model) -> bool:
    """Makes a frozen backbone trainable: the second phase of ``fine_tune: two_phase``.

    Compile the model again afterwards (a lower learning rate is usual): Keras only trains the
    variables that were trainable when the model was compiled.

    Args:
        model: A model built by the ``cnn`` builder.

    Returns:
        True if the model has a backbone (now trainable), False otherwise.

    Example:
        >>> unfreeze_backbone(keras.Sequential([keras.layers.Dense(1)]))
        False
    """
    try:
        layer = model.get_layer(BACKBONE_LAYER)
    except ValueError:
        return False
    layer.trainable = True
    return True


def backbone_for_weights(weights_path: str | os.PathLike[str]) -> str | None:
    """Guesses the backbone a weights file is for, from its name (as Keras names them).

    Args:
        weights_path: A weights file, such as ``resnet50v2_weights_tf_dim_ordering_tf_kernels
            _notop.h5``.

    Returns:
        A name of :data:`BACKBONES`, or None if the file name does not tell.

    Example:
        >>> backbone_for_weights("weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5")
        'mobilenet_v3_small'
    """
    flat = re.sub(r"[^a-z0-9]", "", Path(weights_path).name.lower())
    for name, choice in BACKBONES.items():
        if choice.file_pattern in flat:
            return name
    return None


def pretrained_space(space: Mapping[str, Any], weights_path: str | os.PathLike[str], *,
                     backbone: str | None = None) -> dict[str, Any]:
    """Rewrites an image space (its plain-data form) to fine-tune from a local weights file.

    ``backbone`` becomes fixed; parameters that apply only to other backbone choices (the
    convolution-block ones) are removed; ``fine_tune`` (frozen | full | two_phase) is added and
    ``weights_path`` joins the constants. Read it back with ``SearchSpace.from_dict``.

    Args:
        space: ``SearchSpace.to_dict()`` of a ``cnn`` space, or its YAML mapping.
        weights_path: The local weights file (``--weights PATH``).
        backbone: The backbone the file is for; default guessed from the file name.

    Returns:
        The new plain-data space.

    Raises:
        ConfigError: If the file is missing or the backbone unknown or cannot be guessed.

    Example:
        >>> space = {"builder": "cnn", "params": {
        ...     "backbone": {"type": "categorical", "choices": ["none", "resnet50_v2"]},
        ...     "n_blocks": {"type": "int", "low": 1, "high": 3, "when": {"backbone": "none"}}}}
        >>> sorted(pretrained_space(space, __file__, backbone="resnet50_v2")["params"])
        ['backbone', 'fine_tune']
    """
    backbone = backbone or backbone_for_weights(weights_path)
    if backbone not in BACKBONES:
        raise ConfigError(f"Cannot tell which backbone the weights file '{weights_path}' is "
                          f"for. Expected a backbone among {list(BACKBONES)}. Received: "
                          f"{backbone!r}.")
    check_backbone_weights({"pretrained": True, "weights_path": weights_path,
                            "fine_tune": "frozen"}, backbone)
    data = copy.deepcopy(dict(space))
    params = _restrict({**data.get("params", {})}, "backbone", backbone)
    params.pop("pretrained", None)
    params["fine_tune"] = {"type": "categorical", "choices": list(FINE_TUNE_MODES)}
    data["params"] = params
    data.pop("first_trials", None)  # they describe convolution blocks, not this backbone
    data["fixed"] = {**(data.get("fixed") or {}), "weights_path": str(weights_path)}
    return data


def _restrict(params: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    """Fixes ``params[key]`` to ``value`` and resolves every ``when`` on it."""
    kept: dict[str, Any] = {}
    for name, entry in params.items():
        entry = dict(entry)
        when = dict(entry.pop("when", None) or {})
        allowed = when.pop(key, [value])
        allowed = allowed if isinstance(allowed, (list, tuple)) else [allowed]
        if value not in allowed or any(other not in kept for other in when if other != "task"):
            continue
        kept[name] = {**entry, **({"when": when} if when else {})}
    kept[key] = {"type": "fixed", "value": value}
    return kept
