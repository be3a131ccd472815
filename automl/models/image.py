"""The ``cnn`` builder: a convolutional network, or a keras.applications backbone, for images.

The model takes float32 images in ``[0, 1]`` of shape ``spec.input_shape`` and is, in order:

* augmentation (active only in training, Keras preprocessing layers inside the model): flips,
  rotation, zoom, translation, contrast, optionally RandAugment;
* features: ``n_blocks`` convolution blocks (``Conv2D`` or ``SeparableConv2D`` ->
  [BatchNorm] -> activation, ``convs_per_block`` times, an optional residual shortcut, then
  max / average pooling or a strided last convolution), or a backbone (see
  :mod:`automl.models._image_backbones`);
* head: global average or max pooling -> [Dropout] -> [Dense ``head_units`` -> Dropout] ->
  the task's output layer.

Only built-in Keras layers are used (no Lambda), so the model saves to ``.keras`` and loads
with ``safe_mode=True``. MixUp is not offered: it mixes labels as well as images, so it
belongs in the input pipeline, not in a model that only sees images.

Example:
    >>> from automl.data import InputSpec
    >>> spec = InputSpec(kind="image", input_shape=(32, 32, 1), task="multiclass", n_classes=10)
    >>> model = build_cnn({"n_blocks": 2, "filters": 16, "flip": "horizontal"}, spec)
    >>> model.output_shape
    (None, 10)
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import keras

from automl.data import InputSpec
from automl.exceptions import ConfigError
from automl.models._components import activation_name
from automl.models._components import get_choice
from automl.models._components import get_flag
from automl.models._components import get_number
from automl.models._components import make_initializer
from automl.models._components import make_regularizer
from automl.models._image_backbones import BACKBONES
from automl.models._image_backbones import backbone_features
from automl.models._image_backbones import check_backbone_weights
from automl.models._registry import register_builder
from automl.models._task import output_head

__all__ = ["CNN_DEFAULTS", "augmentation_layers", "block_filters", "build_cnn"]

CNN_DEFAULTS: dict[str, Any] = {
    "n_blocks": 3, "filters": 32, "filter_growth": 2.0, "kernel_size": 3, "convs_per_block": 1,
    "separable": False, "batch_norm": True, "pooling": "max", "residual": False,
    "global_pooling": "avg", "head_units": 0, "dropout": 0.0,
    "flip": "none", "rotation": 0.0, "zoom": 0.0, "translation": 0.0, "contrast": 0.0,
    "rand_augment": False, "rand_augment_ops": 2, "rand_augment_factor": 0.5,
    "backbone": "none", "pretrained": False, "weights_path": None, "fine_tune": "frozen",
}
"""The value of each ``cnn`` parameter when it is absent (shared ones as for ``mlp``)."""

POOLINGS = ("max", "average", "strided")
GLOBAL_POOLINGS = ("avg", "max")
FLIPS = ("none", "horizontal", "vertical", "horizontal_and_vertical")
MAX_FILTERS = 1024
MAX_DROPOUT = 0.95
MAX_AUGMENT = 1.0
BATCH_NORM_MOMENTUM = 0.9
"""Lower than Keras's 0.99: trials are short, and the moving statistics must catch up within a
few epochs for validation scores (inference mode) to mean anything."""


@register_builder("cnn")
def build_cnn(params: Mapping[str, Any], spec: InputSpec) -> keras.Model:
    """Builds the convolutional network that the parameters describe (uncompiled).

    Parameters read (defaults in :data:`CNN_DEFAULTS`): ``n_blocks``, ``filters``,
    ``filter_growth`` (filters multiply by it at each block), ``kernel_size``,
    ``convs_per_block``, ``separable``, ``batch_norm``, ``pooling`` (max | average | strided),
    ``residual``, ``activation``, ``initializer``, ``regularization``/``l1``/``l2``,
    ``global_pooling`` (avg | max), ``head_units`` (0: no hidden dense layer), ``dropout``;
    augmentation ``flip``, ``rotation``, ``zoom``, ``translation``, ``contrast``,
    ``rand_augment`` with ``rand_augment_ops`` and ``rand_augment_factor``; ``backbone``
    (none | mobilenet_v3_small | efficientnet_b0 | resnet50_v2) with ``pretrained``,
    ``weights_path`` and ``fine_tune`` (frozen | full | two_phase).

    Args:
        params: The trial's parameters; other keys (optimizer, batch size...) are ignored.
        spec: An image input spec (``input_shape=(height, width, channels)``).

    Returns:
        A functional ``keras.Model`` with named layers.

    Raises:
        ConfigError: If a parameter is unknown or out of range, the spec is not an image spec,
            or pretrained weights are asked for without a readable local weights file (checked
            before anything is built; weights are never downloaded).

    Example:
        >>> from automl.data import InputSpec
        >>> spec = InputSpec(kind="image", input_shape=(32, 32, 3), task="binary", n_classes=2)
        >>> build_cnn({"pooling": "strided", "residual": True}, spec).output_shape
        (None, 1)
    """
    options = {**CNN_DEFAULTS, **params}
    _check_image_spec(spec)
    backbone = get_choice(options, "backbone", ("none", *BACKBONES))
    check_backbone_weights(options, backbone)
    inputs = keras.Input(spec.input_shape, name="image")
    x = inputs
    for layer in augmentation_layers(options):
        x = layer(x)
    if backbone == "none":
        for index, filters in enumerate(block_filters(options)):
            x = _conv_block(x, index, filters, options)
    else:
        x = backbone_features(x, options, backbone)
    return keras.Model(inputs, output_head(_head(x, options), spec), name="cnn")


def block_filters(params: Mapping[str, Any]) -> list[int]:
    """Returns the number of filters of each convolution block.

    Args:
        params: ``n_blocks``, ``filters`` and ``filter_growth`` (defaults 3, 32, 2.0).

    Returns:
        ``round(filters * filter_growth ** i)`` for each block ``i``, at most 1024.

    Raises:
        ConfigError: If a value is out of range.

    Example:
        >>> block_filters({"n_blocks": 4, "filters": 16, "filter_growth": 1.5})
        [16, 24, 36, 54]
    """
    options = {**CNN_DEFAULTS, **params}
    n_blocks, filters = _positive_int(options, "n_blocks"), _positive_int(options, "filters")
    growth = get_number(options, "filter_growth", minimum=1.0, maximum=4.0)
    return [min(round(filters * growth**index), MAX_FILTERS) for index in range(n_blocks)]


def augmentation_layers(params: Mapping[str, Any]) -> list[keras.Layer]:
    """Returns the augmentation layers the parameters ask for (they act only in training).

    Args:
        params: ``flip``, ``rotation`` (fraction of a full turn), ``zoom``, ``translation``
            (fractions of the image size), ``contrast``, ``rand_augment``,
            ``rand_augment_ops``, ``rand_augment_factor``. A factor of 0 adds no layer.

    Returns:
        The layers, in the order they apply.

    Raises:
        ConfigError: If a value is out of range.

    Example:
        >>> [type(layer).__name__ for layer in augmentation_layers({"flip": "horizontal",
        ...                                                          "zoom": 0.1})]
        ['RandomFlip', 'RandomZoom']
    """
    options = {**CNN_DEFAULTS, **params}
    flip = get_choice(options, "flip", FLIPS)
    layers = [] if flip == "none" else [keras.layers.RandomFlip(flip, name="augment_flip")]
    factors = {key: get_number(options, key, maximum=MAX_AUGMENT)
               for key in ("rotation", "zoom", "translation", "contrast")}
    if factors["rotation"]:
        layers.append(keras.layers.RandomRotation(factors["rotation"], name="augment_rotation"))
    if factors["zoom"]:
        layers.append(keras.layers.RandomZoom(factors["zoom"], name="augment_zoom"))
    if factors["translation"]:
        layers.append(keras.layers.RandomTranslation(
            factors["translation"], factors["translation"], name="augment_translation"))
    if factors["contrast"]:
        layers.append(keras.layers.RandomContrast(
            factors["contrast"], value_range=(0, 1), name="augment_contrast"))
    if get_flag(options, "rand_augment"):
        layers.append(_rand_augment(options))
    return layers


def _rand_augment(options: Mapping[str, Any]) -> keras.Layer:
    return keras.layers.RandAugment(
        value_range=(0, 1), num_ops=_positive_int(options, "rand_augment_ops"),
        factor=get_number(options, "rand_augment_factor", maximum=1.0), name="augment_rand")


def _check_image_spec(spec: InputSpec) -> None:
    if spec.kind != "image" or len(spec.input_shape) != 3:
        raise ConfigError("Model builder 'cnn' needs an image InputSpec with input_shape "
                          "(height, width, channels). Received: "
                          f"kind={spec.kind!r}, input_shape={spec.input_shape}.")


def _positive_int(params: Mapping[str, Any], key: str) -> int:
    value = params[key]
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ConfigError(
            f"Invalid model parameter `{key}`: expected an integer >= 1. Received: {value!r}."
        )
    return int(value)


def _conv_block(x: keras.KerasTensor, index: int, filters: int, options: Mapping[str, Any]
                ) -> keras.KerasTensor:
    """Convolutions -> [residual add] -> [pooling]; a strided last convolution downsamples."""
    pooling = get_choice(options, "pooling", POOLINGS)
    n_convs = _positive_int(options, "convs_per_block")
    shortcut = x
    for step in range(n_convs):
        stride = 2 if pooling == "strided" and step == n_convs - 1 else 1
        x = _conv_unit(x, filters, stride, f"block{index}_conv{step}", options)
    if get_flag(options, "residual"):
        shortcut = _projection(shortcut, filters, 2 if pooling == "strided" else 1, index,
                               options)
        x = keras.layers.Add(name=f"block{index}_residual")([x, shortcut])
    if pooling == "max":
        return keras.layers.MaxPooling2D(2, padding="same", name=f"block{index}_pool")(x)
    if pooling == "average":
        return keras.layers.AveragePooling2D(2, padding="same", name=f"block{index}_pool")(x)
    return x


def _conv_unit(x: keras.KerasTensor, filters: int, stride: int, name: str,
               options: Mapping[str, Any]) -> keras.KerasTensor:
    """One convolution -> [BatchNorm] -> activation."""
    batch_norm = get_flag(options, "batch_norm")
    kernel_size = _positive_int(options, "kernel_size")
    common = {"strides": stride, "padding": "same", "use_bias": not batch_norm, "name": name}
    if get_flag(options, "separable"):
        layer = keras.layers.SeparableConv2D(
            filters, kernel_size, depthwise_initializer=make_initializer(options),
            pointwise_initializer=make_initializer(options),
            depthwise_regularizer=make_regularizer(options),
            pointwise_regularizer=make_regularizer(options), **common)
    else:
        layer = keras.layers.Conv2D(filters, kernel_size,
                                    kernel_initializer=make_initializer(options),
                                    kernel_regularizer=make_regularizer(options), **common)
    x = layer(x)
    if batch_norm:
        x = keras.layers.BatchNormalization(momentum=BATCH_NORM_MOMENTUM, name=f"{name}_bn")(x)
    return keras.layers.Activation(activation_name(options), name=f"{name}_act")(x)


def _projection(x: keras.KerasTensor, filters: int, stride: int, index: int,
                options: Mapping[str, Any]) -> keras.KerasTensor:
    """The residual shortcut: the input itself, or a 1x1 convolution when shapes differ."""
    if x.shape[-1] == filters and stride == 1:
        return x
    return keras.layers.Conv2D(filters, 1, strides=stride, padding="same",
                               kernel_initializer=make_initializer(options),
                               kernel_regularizer=make_regularizer(options),
                               name=f"block{index}_projection")(x)


def _head(x: keras.KerasTensor, options: Mapping[str, Any]) -> keras.KerasTensor:
    """Global pooling -> [Dropout] -> [Dense -> Dropout]."""
    if get_choice(options, "global_pooling", GLOBAL_POOLINGS) == "avg":
        x = keras.layers.GlobalAveragePooling2D(name="global_pool")(x)
    else:
        x = keras.layers.GlobalMaxPooling2D(name="global_pool")(x)
    rate = get_number(options, "dropout", maximum=MAX_DROPOUT)
    if rate > 0:
        x = keras.layers.Dropout(rate, name="head_dropout")(x)
    units = options["head_units"]
    if units in (0, None):
        return x
    x = keras.layers.Dense(_positive_int(options, "head_units"),
                           kernel_initializer=make_initializer(options),
                           kernel_regularizer=make_regularizer(options), name="head_dense")(x)
    x = keras.layers.Activation(activation_name(options), name="head_act")(x)
    if rate > 0:
        x = keras.layers.Dropout(rate, name="head_dense_dropout")(x)
    return x
