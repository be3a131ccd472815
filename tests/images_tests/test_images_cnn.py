"""The ``cnn`` builder: options, augmentation, learning on digits, backbones, weights files."""

from __future__ import annotations

import time

import keras
import numpy as np
import pytest

from automl.data import InputSpec
from automl.exceptions import ConfigError
from automl.models import build_model
from automl.models import compile_model
from automl.models import encode_targets
from automl.models import predict_outputs
from automl.models import unfreeze_backbone
from automl.models._contract import check_builder
from automl.models.image import augmentation_layers
from automl.models.image import block_filters

GREY = InputSpec(kind="image", input_shape=(16, 16, 1), task="multiclass", n_classes=10)
RGB = InputSpec(kind="image", input_shape=(32, 32, 3), task="binary", n_classes=2)
SMALL_RGB = InputSpec(kind="image", input_shape=(16, 16, 3), task="binary", n_classes=2)


def layer_types(model: keras.Model) -> list[str]:
    return [type(layer).__name__ for layer in model.layers]


@pytest.mark.parametrize(("spec", "params"), [
    (GREY, {"separable": True, "residual": True, "pooling": "strided", "n_blocks": 2,
            "filters": 8, "convs_per_block": 2, "flip": "horizontal", "rotation": 0.05,
            "zoom": 0.1, "translation": 0.1, "contrast": 0.2}),
    (SMALL_RGB, {"pooling": "average", "global_pooling": "max", "head_units": 16,
                 "dropout": 0.3, "batch_norm": False, "kernel_size": 5, "filters": 8,
                 "filter_growth": 1.5, "regularization": "l1_l2", "l1": 1e-5, "l2": 1e-4,
                 "activation": "gelu", "rand_augment": True, "rand_augment_ops": 2,
                 "rand_augment_factor": 0.3}),
])
def test_option_combinations_train_predict_and_reload_safely(spec, params):
    check_builder("cnn", spec, params=params)  # fit, predictions, .keras + safe_mode round trip


def test_the_layers_follow_the_parameters():
    plain = build_model("cnn", {"n_blocks": 3, "filters": 8}, GREY)
    assert layer_types(plain).count("Conv2D") == 3 and layer_types(plain).count(
        "MaxPooling2D") == 3
    assert "GlobalAveragePooling2D" in layer_types(plain)
    strided = build_model("cnn", {"n_blocks": 2, "filters": 8, "pooling": "strided",
                                  "residual": True, "separable": True}, GREY)
    assert "MaxPooling2D" not in layer_types(strided)
    assert layer_types(strided).count("SeparableConv2D") == 2
    assert strided.get_layer("block1_conv0").strides == (2, 2)
    assert layer_types(strided).count("Add") == 2
    assert strided.get_layer("block0_projection").strides == (2, 2)
    assert block_filters({"n_blocks": 5, "filters": 64, "filter_growth": 2.0}) == [
        64, 128, 256, 512, 1024]


def test_augmentation_acts_only_in_training():
    layers = augmentation_layers({"flip": "horizontal_and_vertical", "rotation": 0.2,
                                  "zoom": 0.2, "translation": 0.2, "contrast": 0.3,
                                  "rand_augment": True})
    assert [type(layer).__name__ for layer in layers] == [
        "RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast",
        "RandAugment"]
    x = np.random.default_rng(0).random((4, 16, 16, 3)).astype("float32")
    for layer in layers:
        assert np.array_equal(keras.ops.convert_to_numpy(layer(x, training=False)), x)
    assert not np.allclose(keras.ops.convert_to_numpy(layers[1](x, training=True)), x)
    assert augmentation_layers({}) == []


def test_the_cnn_learns_digits_from_streamed_batches(digits_data):
    params = {"n_blocks": 3, "filters": 16, "pooling": "strided", "learning_rate": 3e-3}
    model = build_model("cnn", params, digits_data.spec)
    compile_model(model, params, digits_data.spec, steps_per_epoch=36, max_epochs=3)
    targets = encode_targets(digits_data.labels("train"), digits_data.spec)
    model.fit(digits_data.batches("train", 32, shuffle=True, targets=targets), epochs=3,
              verbose=0, shuffle=False)
    x_val, y_val = digits_data.arrays("val")
    accuracy = (predict_outputs(model, x_val, digits_data.spec).argmax(axis=1) == y_val).mean()
    assert accuracy > 0.6  # chance is 0.1


def test_mobilenet_from_scratch_builds_and_runs_on_small_grey_images():
    # Fitting is left out: tracing MobileNet's training step takes about 40 s on 2 CPU cores.
    spec = InputSpec(kind="image", input_shape=(16, 16, 1), task="binary", n_classes=2)
    model = build_model("cnn", {"backbone": "mobilenet_v3_small", "flip": "horizontal"}, spec)
    assert {"backbone_rgb", "backbone_resize", "backbone_rescale"} <= {
        layer.name for layer in model.layers}
    assert model.get_layer("backbone").trainable
    x = np.random.default_rng(0).random((4, 16, 16, 1)).astype("float32")
    for training in (False, True):
        outputs = keras.ops.convert_to_numpy(model(x, training=training))
        assert outputs.shape == (4, 1) and np.all((outputs >= 0) & (outputs <= 1))


@pytest.mark.parametrize(("backbone", "n_features"), [("efficientnet_b0", 1280),
                                                      ("resnet50_v2", 2048)])
def test_larger_backbones_build_from_scratch(backbone, n_features):
    model = build_model("cnn", {"backbone": backbone}, RGB)
    assert model.get_layer("global_pool").output.shape == (None, n_features)
    assert model.output_shape == (None, 1)


@pytest.mark.parametrize(("params", "message"), [
    ({"backbone": "mobilenet_v3_small", "pretrained": True},
     r"^Pretrained weights for backbone 'mobilenet_v3_small' need a local weights file: automl "
     r"never downloads weights\. Expected --weights PATH \(parameter `weights_path`\)\. "
     r"Received: weights_path=None\.$"),
    ({"backbone": "resnet50_v2", "weights_path": "imagenet"},
     r"^Pretrained weights for backbone 'resnet50_v2' need a local weights file"),
    ({"backbone": "efficientnet_b0", "weights_path": "/no/such/file.h5"},
     r"^Weights file '/no/such/file.h5' for backbone 'efficientnet_b0' not found\."),
    ({"pretrained": True}, r"^Pretrained weights \(`pretrained`, `weights_path`\) need a "
                           r"`backbone`\."),
])
def test_pretrained_weights_without_a_local_file_fail_at_once(params, message):
    started = time.perf_counter()
    with pytest.raises(ConfigError, match=message):
        build_model("cnn", params, RGB)
    assert time.perf_counter() - started < 1.0  # refused before building, never downloading


@pytest.fixture(scope="module")
def mobilenet_weights(tmp_path_factory):
    """A local weights file for MobileNetV3Small without its top (random weights)."""
    backbone = keras.applications.MobileNetV3Small(include_top=False, weights=None,
                                                   input_shape=(32, 32, 3))
    path = tmp_path_factory.mktemp("weights") / "mobilenet_v3_small_notop.weights.h5"
    backbone.save_weights(path)
    return path, [np.asarray(w) for w in backbone.weights]


def test_a_local_weights_file_is_loaded_and_frozen_then_unfrozen(mobilenet_weights):
    path, expected = mobilenet_weights
    params = {"backbone": "mobilenet_v3_small", "weights_path": str(path)}
    model = build_model("cnn", {**params, "fine_tune": "two_phase"}, RGB)
    backbone = model.get_layer("backbone")
    assert all(np.array_equal(np.asarray(w), e) for w, e in zip(backbone.weights, expected,
                                                                 strict=True))
    assert not backbone.trainable and len(model.trainable_weights) == 2  # the output layer
    assert unfreeze_backbone(model) and len(model.trainable_weights) > 100
    assert not unfreeze_backbone(build_model("cnn", {"n_blocks": 1}, RGB))
    full = build_model("cnn", {**params, "fine_tune": "full"}, RGB)
    assert full.get_layer("backbone").trainable


def test_a_keras_applications_style_h5_file_loads_at_another_image_size(tmp_path):
    legacy = pytest.importorskip("keras.src.legacy.saving.legacy_h5_format")
    h5py = pytest.importorskip("h5py")
    original = keras.applications.MobileNetV3Small(include_top=False, weights=None,
                                                   input_shape=(96, 96, 3))
    path = tmp_path / "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5"
    with h5py.File(path, "w") as handle:  # the format of Keras's downloadable ImageNet files
        legacy.save_weights_to_hdf5_group(handle, original)
    model = build_model("cnn", {"backbone": "mobilenet_v3_small", "weights_path": str(path)},
                        RGB)
    loaded = model.get_layer("backbone").weights
    assert all(np.array_equal(np.asarray(w), np.asarray(e))
               for w, e in zip(loaded, original.weights, strict=True))


@pytest.mark.filterwarnings("ignore:Skipping nested container")
def test_a_weights_file_of_another_model_is_a_config_error(tmp_path):
    other = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    other.save_weights(tmp_path / "other.weights.h5")
    with pytest.raises(ConfigError, match=r"^Weights file '.*other.weights.h5' does not fit "
                                          r"backbone 'mobilenet_v3_small' \(include_top=False\)"):
        build_model("cnn", {"backbone": "mobilenet_v3_small",
                            "weights_path": str(tmp_path / "other.weights.h5")}, RGB)


@pytest.mark.parametrize(("params", "message"), [
    ({"pooling": "min"}, r"Invalid model parameter `pooling`: expected one of \['average', "
                         r"'max', 'strided'\]\. Received: 'min'\."),
    ({"n_blocks": 0}, r"Invalid model parameter `n_blocks`: expected an integer >= 1\."),
    ({"backbone": "vgg16"}, r"Invalid model parameter `backbone`: expected one of"),
    ({"rotation": 2.0}, r"Invalid model parameter `rotation`: expected a number in \[0.0, "
                        r"1.0\]\. Received: 2.0\."),
])
def test_invalid_parameters_are_config_errors(params, message):
    with pytest.raises(ConfigError, match=message):
        build_model("cnn", params, RGB)


def test_a_tabular_spec_is_refused():
    spec = InputSpec(kind="tabular", input_shape=(4,), task="binary", n_classes=2)
    with pytest.raises(ConfigError, match=r"^Model builder 'cnn' needs an image InputSpec"):
        build_model("cnn", {}, spec)
