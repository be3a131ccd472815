"""The built-in default space for CSV data: contents, sampling per task, and grid refusal."""

from __future__ import annotations

import doctest
import importlib
import re

import optuna
import pytest

from automl.exceptions import SearchSpaceError
from automl.space import Categorical
from automl.space import Float
from automl.space import Int
from automl.space import builtin_spaces
from automl.space import load_space

CLASSIFICATION = ["binary", "multiclass"]
EXPECTED_PARAMS = {
    "n_layers": Int(1, 4),
    "units": Int(16, 256, log=True),
    "layer_shape": Categorical(["constant", "funnel"]),
    "activation": Categorical(["relu", "gelu", "swish", "tanh", "elu", "selu"]),
    "residual": Categorical([False, True]),
    "batch_norm": Categorical([False, True]),
    "initializer": Categorical(["glorot_uniform", "glorot_normal", "he_uniform", "he_normal"]),
    "dropout": Float(0.0, 0.5, step=0.05),
    "regularization": Categorical(["none", "l1", "l2", "l1_l2"]),
    "l1": Float(1e-7, 1e-2, log=True, when={"regularization": ["l1", "l1_l2"]}),
    "l2": Float(1e-7, 1e-2, log=True, when={"regularization": ["l2", "l1_l2"]}),
    "optimizer": Categorical(["adam", "adamw", "sgd", "rmsprop", "adagrad", "nadam"]),
    "learning_rate": Float(1e-4, 3e-2, log=True),
    "momentum": Float(0.0, 0.99, when={"optimizer": "sgd"}),
    "nesterov": Categorical([False, True], when={"optimizer": "sgd"}),
    "weight_decay": Float(1e-6, 1e-2, log=True, when={"optimizer": "adamw"}),
    "batch_size": Categorical([16, 32, 64, 128]),
    "lr_schedule": Categorical(["constant", "cosine", "plateau"]),
    "label_smoothing": Float(0.0, 0.2, step=0.05, when={"task": CLASSIFICATION}),
    "class_weight": Categorical(["none", "balanced"], when={"task": CLASSIFICATION}),
    "loss": Categorical(["mse", "mae", "huber"], when={"task": "regression"}),
}


@pytest.fixture(scope="module")
def space():
    return load_space("tabular_mlp")


def test_builtin_space_is_listed_and_loads(space):
    path = builtin_spaces()["tabular_mlp"]
    assert path.name == "tabular_mlp.yaml" and path.is_file()
    assert load_space(path) == space
    assert (space.builder, space.name) == ("mlp", "tabular_mlp")
    assert space.source == str(path)


def test_contents_match_the_parameter_contract(space):
    assert dict(space.params) == EXPECTED_PARAMS
    assert list(space.params) == list(EXPECTED_PARAMS)
    assert dict(space.fixed) == {}


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_samples_respect_conditions(space, task):
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(60):
        params = space.sample(study.ask(), {"task": task})
        assert ("momentum" in params) is ("nesterov" in params) is (params["optimizer"] == "sgd")
        assert ("weight_decay" in params) is (params["optimizer"] == "adamw")
        assert ("l1" in params) is (params["regularization"] in ("l1", "l1_l2"))
        assert ("l2" in params) is (params["regularization"] in ("l2", "l1_l2"))
        assert ("loss" in params) is (task == "regression")
        assert ("label_smoothing" in params) is ("class_weight" in params) is (task != "regression")
        assert 0.0 <= params["dropout"] <= 0.5 and params["batch_size"] in (16, 32, 64, 128)
        assert isinstance(params["residual"], bool) and isinstance(params["units"], int)


def test_grid_search_is_refused_for_continuous_floats(space):
    message = (f"Grid search needs a finite search space, but 'l1', 'l2', 'learning_rate', "
               f"'momentum' and 'weight_decay' in '{space.source}' are continuous floats.")
    with pytest.raises(SearchSpaceError, match=re.escape(message)):
        space.grid_points({"task": "binary"})


@pytest.mark.parametrize("module", ["automl.space", "automl.space._params", "automl.space._parse",
                                    "automl.space._space", "automl.space._yaml",
                                    "automl.space._errors"])
def test_docstring_examples_run(module):
    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0
