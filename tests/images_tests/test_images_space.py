"""The built-in ``image_cnn`` space: contents, conditions, sampling into buildable models, and
its rewrite for a local weights file."""

from __future__ import annotations

import doctest
import importlib

import keras
import optuna
import pytest

from automl.data import InputSpec
from automl.exceptions import ConfigError
from automl.exceptions import SearchSpaceError
from automl.models import backbone_for_weights
from automl.models import build_model
from automl.models import compile_model
from automl.models import pretrained_space
from automl.space import SearchSpace
from automl.space import builtin_spaces
from automl.space import load_space

SPEC = InputSpec(kind="image", input_shape=(32, 32, 3), task="multiclass", n_classes=4)
BLOCK_PARAMS = ["n_blocks", "filters", "filter_growth", "kernel_size", "convs_per_block",
                "separable", "batch_norm", "residual", "pooling", "activation", "initializer"]


@pytest.fixture(scope="module")
def space() -> SearchSpace:
    return load_space("image_cnn")


def test_the_space_is_built_in_and_names_the_cnn_builder(space):
    assert builtin_spaces()["image_cnn"].name == "image_cnn.yaml"
    assert (space.builder, space.name) == ("cnn", "image_cnn")
    augmentation = ["flip", "rotation", "zoom", "translation", "contrast", "rand_augment"]
    head = ["global_pooling", "head_units", "dropout"]
    training = ["optimizer", "learning_rate", "batch_size", "lr_schedule", "label_smoothing",
                "class_weight", "regularization"]
    assert set(augmentation + ["backbone"] + BLOCK_PARAMS + head + training) <= set(space.names)
    for name in BLOCK_PARAMS:
        assert space.params[name].when == {"backbone": ("none",)}


def test_grid_search_is_refused_for_its_continuous_parameters(space):
    with pytest.raises(SearchSpaceError, match=r"^Grid search needs a finite search space"):
        space.grid_points({"task": "multiclass"})


def test_the_default_space_leaves_backbones_to_the_image_backbones_space(space):
    assert space.params["backbone"].to_dict()["choices"] == ["none"]
    wide = load_space("image_backbones")
    assert wide.params["backbone"].to_dict()["choices"] == [
        "none", "mobilenet_v3_small", "efficientnet_b0", "resnet50_v2"]
    assert set(wide.names) == set(space.names) and wide.builder == "cnn"


def test_sampled_parameters_build_and_compile():
    space = load_space("image_backbones")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=3))
    backbones = set()
    for _ in range(5):
        trial = study.ask()
        params = space.sample(trial, {"task": SPEC.task})
        model = build_model("cnn", params, SPEC)
        compile_model(model, params, SPEC, steps_per_epoch=2, max_epochs=2)
        assert model.output_shape == (None, 4)
        assert all((name in params) == (params["backbone"] == "none") for name in BLOCK_PARAMS)
        backbones.add(params["backbone"])
        study.tell(trial, 0.0)
        keras.backend.clear_session()
    assert "none" in backbones and len(backbones) >= 2


def test_a_local_weights_file_turns_the_space_into_a_fine_tuning_one(space, tmp_path):
    backbone = keras.applications.MobileNetV3Small(include_top=False, weights=None,
                                                   input_shape=(32, 32, 3))
    path = tmp_path / "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.weights.h5"
    backbone.save_weights(path)
    tuned = SearchSpace.from_dict(pretrained_space(space.to_dict(), path))
    assert tuned.params["backbone"].to_dict() == {"type": "fixed",
                                                  "value": "mobilenet_v3_small"}
    assert not set(BLOCK_PARAMS) & set(tuned.names)
    assert tuned.params["fine_tune"].choices == ("frozen", "full", "two_phase")
    assert tuned.fixed == {"weights_path": str(path)}
    trial = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0)).ask()
    params = tuned.sample(trial, {"task": SPEC.task})
    model = build_model("cnn", params, SPEC)
    assert model.get_layer("backbone").trainable == (params["fine_tune"] == "full")


def test_conditions_on_the_backbone_are_resolved(tmp_path):
    (tmp_path / "w.h5").write_bytes(b"")
    space = {"builder": "cnn", "params": {
        "backbone": {"type": "categorical", "choices": ["none", "resnet50_v2", "efficientnet_b0"]},
        "shared": {"type": "int", "low": 1, "high": 2,
                   "when": {"backbone": ["resnet50_v2", "efficientnet_b0"]}},
        "other": {"type": "int", "low": 1, "high": 2, "when": {"backbone": "efficientnet_b0"}},
        "after_other": {"type": "int", "low": 1, "high": 2, "when": {"other": 1}},
        "mixed": {"type": "int", "low": 1, "high": 2,
                  "when": {"backbone": "resnet50_v2", "task": "binary"}}}}
    params = pretrained_space(space, tmp_path / "w.h5", backbone="resnet50_v2")["params"]
    assert params == {
        "backbone": {"type": "fixed", "value": "resnet50_v2"},
        "shared": {"type": "int", "low": 1, "high": 2},
        "mixed": {"type": "int", "low": 1, "high": 2, "when": {"task": "binary"}},
        "fine_tune": {"type": "categorical", "choices": ["frozen", "full", "two_phase"]}}
    SearchSpace.from_dict({**space, "params": params})


def test_the_backbone_of_a_weights_file_is_told_by_its_name(space, tmp_path):
    assert backbone_for_weights("resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5") == (
        "resnet50_v2")
    assert backbone_for_weights("efficientnetb0_notop.h5") == "efficientnet_b0"
    assert backbone_for_weights("my_weights.h5") is None
    (tmp_path / "my_weights.h5").write_bytes(b"")
    with pytest.raises(ConfigError, match=r"^Cannot tell which backbone the weights file "
                                          r"'.*my_weights.h5' is for\."):
        pretrained_space(space.to_dict(), tmp_path / "my_weights.h5")
    with pytest.raises(ConfigError, match=r"^Weights file '.*missing.h5' for backbone "
                                          r"'resnet50_v2' not found\."):
        pretrained_space(space.to_dict(), tmp_path / "missing.h5", backbone="resnet50_v2")


@pytest.mark.parametrize("module", [
    "automl.data._image", "automl.data._image_dataset", "automl.data._image_decode",
    "automl.data._image_scan", "automl.data._image_stream", "automl.models.image",
    "automl.models._image_backbones"])
def test_docstring_examples_run(module):
    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0
