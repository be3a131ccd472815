"""Parameters and spaces built in Python validate in __init__ with the same messages."""

from __future__ import annotations

import re

import numpy as np
import pytest

from automl.exceptions import SearchSpaceError
from automl.space import Categorical
from automl.space import Fixed
from automl.space import Float
from automl.space import Int
from automl.space import SearchSpace

PARAM_ERRORS = [
    pytest.param(lambda: Int(512, 16),
                 "Invalid search space '<python>' at `Int`: `low` must be <= `high`. "
                 "Received: low=512, high=16.", id="low-above-high"),
    pytest.param(lambda: Float(0.0, 1.0, log=True),
                 "'<python>' at `Float`: `low` must be > 0 when `log` is true.", id="log-zero"),
    pytest.param(lambda: Float(1e-5, 1e-1, step=1e-3, log=True),
                 "`step` cannot be used with `log: true`", id="log-and-step"),
    pytest.param(lambda: Float(0.0, 1.0, step=-0.5),
                 "'<python>' at `Float.step`: `step` must be > 0. Received: step=-0.5.",
                 id="negative-step"),
    pytest.param(lambda: Int(True, 4), "at `Int.low`: `low` must be an integer. Received: True.",
                 id="bool-bound"),
    pytest.param(lambda: Float(0.0, float("nan")), "`high` must be a finite number.",
                 id="nan-bound"),
    pytest.param(lambda: Categorical([]), "at `Categorical.choices`: `choices` must not be empty",
                 id="empty-choices"),
    pytest.param(lambda: Categorical("abc"), "`choices` must be a list. Received: 'abc'.",
                 id="string-choices"),
    pytest.param(lambda: Categorical([1, 1.0]), "`choices` must be distinct", id="duplicates"),
    pytest.param(lambda: Categorical([float("nan")]), "each choice must be null, a bool",
                 id="nan-choice"),
    pytest.param(lambda: Categorical([object()]), "each choice must be null, a bool",
                 id="object-choice"),
    pytest.param(lambda: Fixed({1, 2}), "at `Fixed.value`: `value` must be plain data",
                 id="set-value"),
    pytest.param(lambda: Fixed(1, when=["task"]), "at `Fixed.when`: `when` must be a non-empty "
                 "mapping", id="when-not-a-mapping"),
]


@pytest.mark.parametrize(("make", "message"), PARAM_ERRORS)
def test_python_parameters_validate_in_init(make, message):
    with pytest.raises(SearchSpaceError, match=re.escape(message)):
        make()


SPACE_ERRORS = [
    pytest.param(lambda: SearchSpace("mlp", {}),
                 "Invalid search space '<python>' at `params`: the space is empty.", id="empty"),
    pytest.param(lambda: SearchSpace("mlp", {"units": 64}),
                 "at `params.units`: expected Int, Float, Categorical or Fixed. "
                 "Received: 64 (int).", id="not-a-param"),
    pytest.param(lambda: SearchSpace(None, {"units": Int(1, 2)}),
                 "at `builder`: `builder` must be a non-empty string", id="no-builder"),
    pytest.param(lambda: SearchSpace("mlp", {"task": Categorical(["binary"])}),
                 "at `params.task`: 'task' is a context key", id="context-name"),
    pytest.param(lambda: SearchSpace("mlp", {"a": Int(1, 2)}, {"f": object()}),
                 "at `fixed.f`: expected plain data", id="fixed-object"),
    pytest.param(lambda: SearchSpace("mlp", {"a": Int(1, 2)}, source="mine.yaml",
                                     fixed={"b": float("inf")}),
                 "Invalid search space 'mine.yaml' at `fixed.b`: expected plain data",
                 id="fixed-infinite-named-source"),
    pytest.param(lambda: SearchSpace("mlp", {
        "momentum": Float(0.0, 0.9, when={"optimizer": "sgd"}),
        "optimizer": Categorical(["adam", "sgd"]),
    }), "'<python>' at `params.momentum.when.optimizer`: `when` refers to 'optimizer', which is "
        "declared after 'momentum'.", id="later-condition"),
]


@pytest.mark.parametrize(("make", "message"), SPACE_ERRORS)
def test_python_space_validates_in_init(make, message):
    with pytest.raises(SearchSpaceError, match=re.escape(message)):
        make()


def test_parameters_normalize_their_values():
    assert Int(np.int64(1), 8.0, step=np.int64(1)) == Int(1, 8)
    assert Float(0, 1) == Float(0.0, 1.0)
    assert Int(1, 4, step=None) == Int(1, 4)  # type: ignore[arg-type]
    assert Categorical(["a", "b"]).choices == ("a", "b")
    assert Float(0.0, 1.0, when={"opt": ["sgd"]}).when == {"opt": ("sgd",)}


def test_parameters_are_immutable():
    param = Int(1, 4)
    with pytest.raises(AttributeError):
        param.low = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        Float(0.0, 1.0, when={"a": 1}).when["a"] = (2,)  # type: ignore[index]


def test_parameter_dicts_omit_defaults():
    assert Int(1, 4).to_dict() == {"type": "int", "low": 1, "high": 4}
    assert Int(2, 8, step=2).to_dict()["step"] == 2
    assert Float(0.0, 0.5, step=1.0 / 2).to_dict() == {
        "type": "float", "low": 0.0, "high": 0.5, "step": 0.5}
    assert Categorical([1, 2], when={"a": ["x", "y"]}).to_dict() == {
        "type": "categorical", "choices": [1, 2], "when": {"a": ["x", "y"]}}
    assert Fixed([1, 2]).to_dict() == {"type": "fixed", "value": [1, 2]}


def test_repr_shows_arguments():
    assert repr(Float(1e-4, 1e-1, log=True)) == "Float(low=0.0001, high=0.1, log=True)"
    assert repr(Categorical(["a"], when={"task": "binary"})) == (
        "Categorical(choices=['a'], when={'task': 'binary'})")


def test_space_accessors_and_equality():
    params = {"n": Int(1, 4), "opt": Categorical(["adam", "sgd"])}
    space = SearchSpace("mlp", params, {"epochs": 2}, name="small", description="demo")
    assert space.names == ["n", "opt"]
    assert (space.builder, space.name, space.description) == ("mlp", "small", "demo")
    assert space.source is None and space.where == "<python>"
    assert dict(space.fixed) == {"epochs": 2}
    assert space == SearchSpace("mlp", dict(params), {"epochs": 2})
    assert space != SearchSpace("mlp", {"n": Int(1, 5), "opt": params["opt"]}, {"epochs": 2})
    assert "SearchSpace(name='small', builder='mlp', params=['n', 'opt']" in repr(space)
    with pytest.raises(TypeError):
        space.params["x"] = Int(1, 2)  # type: ignore[index]


def test_space_copies_its_inputs():
    params = {"n": Int(1, 4)}
    fixed = {"layers": [8, 8], "shape": (2, 3)}
    space = SearchSpace("mlp", params, fixed)
    params["m"] = Int(1, 2)
    fixed["layers"].append(4)
    assert space.names == ["n"]
    assert dict(space.fixed) == {"layers": [8, 8], "shape": [2, 3]}
    assert Fixed((1, (2, 3))).value == [1, [2, 3]]
