"""Validation of YAML search spaces: every mistake gives one line naming the file and key path."""

from __future__ import annotations

import re

import pytest

from automl.exceptions import SearchSpaceError
from automl.exceptions import UserInputError
from automl.space import Float
from automl.space import load_space

PARAM_ERRORS = [
    pytest.param(
        "units: {type: int, low: 512, high: 16}",
        "x.yaml' at `params.units`: `low` must be <= `high`. Received: low=512, high=16.",
        id="low-above-high",
    ),
    pytest.param(
        "lr: {type: float, low: 0.0, high: 0.1, log: true}",
        "at `params.lr`: `low` must be > 0 when `log` is true. Received: low=0.0, high=0.1",
        id="log-with-zero-low",
    ),
    pytest.param(
        "lr: {type: float, low: 1.0e-4, high: 0.1, log: true, step: 0.01}",
        "at `params.lr`: `step` cannot be used with `log: true` (Optuna refuses it)",
        id="float-log-with-step",
    ),
    pytest.param(
        "units: {type: int, low: 16, high: 256, log: true, step: 16}",
        "at `params.units`: `step` cannot be used with `log: true`",
        id="int-log-with-step",
    ),
    pytest.param(
        "dropout: {type: float, low: 0.0, high: 0.5, step: 0}",
        "at `params.dropout.step`: `step` must be > 0. Received: step=0.0.",
        id="zero-step",
    ),
    pytest.param(
        "n: {type: int, low: 1, high: 8, step: -2}",
        "at `params.n.step`: `step` must be > 0. Received: step=-2.",
        id="negative-step",
    ),
    pytest.param(
        "dropout: {type: float, low: 0.0, high: 0.5, step: 0.15}",
        "at `params.dropout`: `high - low` must be a multiple of `step`",
        id="step-does-not-fit",
    ),
    pytest.param(
        "n: {type: int, low: 1.5, high: 8}",
        "at `params.n.low`: `low` must be an integer. Received: 1.5.",
        id="int-with-fraction",
    ),
    pytest.param(
        "lr: {type: float, low: small, high: 0.1}",
        "at `params.lr.low`: `low` must be a number. Received: 'small'.",
        id="non-numeric-string",
    ),
    pytest.param(
        "lr: {type: float, low: .inf, high: 0.1}",
        "at `params.lr.low`: `low` must be a finite number. Received: inf.",
        id="infinite-bound",
    ),
    pytest.param(
        "lr: {type: float, low: 0.1, high: 0.2, log: yes please}",
        "at `params.lr.log`: `log` must be true or false. Received: 'yes please'.",
        id="log-not-a-bool",
    ),
    pytest.param(
        "opt: {type: categorical, choices: []}",
        "at `params.opt.choices`: `choices` must not be empty.",
        id="empty-choices",
    ),
    pytest.param(
        "opt: {type: categorical, choices: [adam, sgd, adam]}",
        "at `params.opt.choices`: `choices` must be distinct",
        id="duplicate-choices",
    ),
    pytest.param(
        "flag: {type: categorical, choices: [1, true]}",
        "Repeated: [True]",
        id="bool-equal-to-int-choice",
    ),
    pytest.param(
        "opt: {type: categorical, choices: [adam, [sgd, 0.9]]}",
        "at `params.opt.choices`: each choice must be null, a bool, an int, a float or a string."
        " Received: ['sgd', 0.9] (list).",
        id="non-scalar-choice",
    ),
    pytest.param(
        "opt: {type: categorical, choices: adam}",
        "at `params.opt.choices`: `choices` must be a list. Received: 'adam'.",
        id="choices-not-a-list",
    ),
    pytest.param(
        "units: {type: int, low: 16}",
        "at `params.units`: missing `high` for an int parameter",
        id="missing-high",
    ),
    pytest.param(
        "units: {type: int, high: 16}",
        "at `params.units`: missing `low` for an int parameter",
        id="missing-low",
    ),
    pytest.param(
        "opt: {type: categorical}",
        "at `params.opt`: missing `choices` for a categorical parameter",
        id="missing-choices",
    ),
    pytest.param(
        "head: {type: fixed}",
        "at `params.head`: missing `value` for a fixed parameter",
        id="missing-value",
    ),
    pytest.param(
        "units: {low: 1, high: 4}",
        "at `params.units`: missing `type`. Expected one of "
        "['int', 'float', 'categorical', 'fixed'].",
        id="missing-type",
    ),
    pytest.param(
        "units: {type: integer, low: 1, high: 4}",
        "at `params.units.type`: unknown `type` 'integer'. Expected one of "
        "['int', 'float', 'categorical', 'fixed']. Did you mean 'int'?",
        id="unknown-type",
    ),
    pytest.param(
        "units: {type: int, low: 1, hihg: 4}",
        "at `params.units.hihg`: unknown key 'hihg' for an int parameter. Expected one of "
        "['type', 'low', 'high', 'step', 'log', 'when']. Did you mean 'high'?",
        id="unknown-param-key",
    ),
    pytest.param(
        "opt: {type: categorical, choices: [a, b], log: true}",
        "at `params.opt.log`: unknown key 'log' for a categorical parameter",
        id="numeric-key-on-categorical",
    ),
    pytest.param(
        "units: 64",
        "at `params.units`: expected a mapping such as {type: int, low: 1, high: 8}. "
        "Received: 64 (int).",
        id="entry-not-a-mapping",
    ),
    pytest.param(
        "task: {type: categorical, choices: [binary, regression]}",
        "at `params.task`: 'task' is a context key (its value comes from the data), so it "
        "cannot be a parameter.",
        id="param-named-like-context-key",
    ),
]


@pytest.mark.parametrize(("params_block", "message"), PARAM_ERRORS)
def test_invalid_parameter_names_file_and_key_path(write_params, params_block, message):
    path = write_params(params_block)
    with pytest.raises(SearchSpaceError, match=re.escape(message)) as caught:
        load_space(path)
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


WHEN_ERRORS = [
    pytest.param(
        """
        optimizer: {type: categorical, choices: [adam, sgd]}
        momentum: {type: float, low: 0.0, high: 0.9, when: {optimzer: sgd}}
        """,
        "at `params.momentum.when.optimzer`: unknown `when` key 'optimzer'. Expected an "
        "earlier parameter or a context key, one of ['optimizer', 'task']. "
        "Did you mean 'optimizer'?",
        id="unknown-key",
    ),
    pytest.param(
        """
        momentum: {type: float, low: 0.0, high: 0.9, when: {optimizer: sgd}}
        optimizer: {type: categorical, choices: [adam, sgd]}
        """,
        "at `params.momentum.when.optimizer`: `when` refers to 'optimizer', which is declared "
        "after 'momentum'. Declare 'optimizer' before 'momentum'.",
        id="later-parameter",
    ),
    pytest.param(
        "momentum: {type: float, low: 0.0, high: 0.9, when: {momentum: 0.5}}",
        "at `params.momentum.when.momentum`: 'momentum' cannot depend on itself.",
        id="itself",
    ),
    pytest.param(
        """
        optimizer: {type: categorical, choices: [adam, sgd]}
        momentum: {type: float, low: 0.0, high: 0.9, when: {optimizer: sdg}}
        """,
        "at `params.momentum.when.optimizer`: value 'sdg' can never match 'optimizer'. "
        "Expected one of ['adam', 'sgd']. Received: 'sdg'.",
        id="value-not-a-choice",
    ),
    pytest.param(
        """
        residual: {type: categorical, choices: [false, true]}
        width: {type: int, low: 8, high: 64, when: {residual: 1}}
        """,
        "value 1 can never match 'residual'. Expected one of [False, True]. Received: 1.",
        id="int-does-not-match-bool-choice",
    ),
    pytest.param(
        "loss: {type: categorical, choices: [mse, mae], when: {task: regresion}}",
        "at `params.loss.when.task`: value 'regresion' can never match 'task'. Expected one of "
        "['binary', 'multiclass', 'regression']. Received: 'regresion'.",
        id="unknown-task",
    ),
    pytest.param(
        """
        n_layers: {type: int, low: 1, high: 4}
        units2: {type: int, low: 8, high: 64, when: {n_layers: 7}}
        """,
        "value 7 can never match 'n_layers'. Expected a number from 1 to 4. Received: 7.",
        id="number-out-of-range",
    ),
    pytest.param(
        """
        head: {type: fixed, value: 3}
        tail: {type: fixed, value: 1, when: {head: 4}}
        """,
        "value 4 can never match 'head'. Expected 3. Received: 4.",
        id="fixed-value-differs",
    ),
    pytest.param(
        "loss: {type: categorical, choices: [mse, mae], when: regression}",
        "at `params.loss.when`: `when` must be a non-empty mapping",
        id="not-a-mapping",
    ),
    pytest.param(
        "loss: {type: categorical, choices: [mse, mae], when: {}}",
        "at `params.loss.when`: `when` must be a non-empty mapping",
        id="empty-mapping",
    ),
    pytest.param(
        "loss: {type: categorical, choices: [mse, mae], when: {task: {a: 1}}}",
        "at `params.loss.when.task`: `when` values must be a scalar or a non-empty list",
        id="non-scalar-value",
    ),
    pytest.param(
        "loss: {type: categorical, choices: [mse, mae], when: {task: []}}",
        "at `params.loss.when.task`: `when` values must be a scalar or a non-empty list",
        id="empty-value-list",
    ),
]


@pytest.mark.parametrize(("params_block", "message"), WHEN_ERRORS)
def test_invalid_condition_is_refused_on_load(write_params, params_block, message):
    with pytest.raises(SearchSpaceError, match=re.escape(message)):
        load_space(write_params(params_block))


DOCUMENT_ERRORS = [
    pytest.param("- units\n- dropout\n", "': expected a mapping with `builder` and `params`. "
                 "Received: list ['units', 'dropout'].", id="list-document"),
    pytest.param("", "': expected a mapping with `builder` and `params`. Received: an empty "
                 "document.", id="empty-file"),
    pytest.param("builder: mlp\nparms: {}\n", "at `parms`: unknown top-level key 'parms'. "
                 "Expected one of ['name', 'description', 'builder', 'params', 'fixed', "
                 "'first_trials']. Did you "
                 "mean 'params'?", id="unknown-top-level-key"),
    pytest.param("builder: mlp\nparams: [units, dropout]\n", "at `params`: `params` must be a "
                 "mapping of names to entries such as {type: int, low: 1, high: 8}. Received: "
                 "list.", id="params-not-a-mapping"),
    pytest.param("builder: mlp\nparams: {}\n", "at `params`: the space is empty. Give at least "
                 "one entry under `params` or `fixed`.", id="empty-params-and-no-fixed"),
    pytest.param("builder: mlp\n", "at `params`: the space is empty.", id="no-params-key"),
    pytest.param("builder: ''\nparams: {n: {type: int, low: 1, high: 2}}\n", "at `builder`: "
                 "`builder` must be a non-empty string naming a model builder, such as 'mlp'. "
                 "Received: ''.", id="empty-builder"),
    pytest.param("name: [a]\nparams: {n: {type: int, low: 1, high: 2}}\n",
                 "at `name`: `name` must be a string. Received: ['a'].", id="name-not-text"),
    pytest.param("params: {n: {type: int, low: 1, high: 2}}\nfixed: [1]\n", "at `fixed`: "
                 "`fixed` must be a mapping of names to values. Received: list.",
                 id="fixed-not-a-mapping"),
    pytest.param("params: {n: {type: int, low: 1, high: 2}}\nfixed: {n: 3}\n", "at `fixed.n`: "
                 "'n' is also a parameter under `params`. Keep only one of them.",
                 id="fixed-repeats-a-parameter"),
    pytest.param("fixed: {task: binary}\n", "at `fixed.task`: 'task' is a context key",
                 id="fixed-named-like-context-key"),
    pytest.param("params:\n  7: {type: int, low: 1, high: 2}\n", "at `params`: names must be "
                 "non-empty strings. Received: 7 (int).", id="non-string-name"),
    pytest.param("params:\n  n: {type: int, low: 1, high: 2}\n  n: {type: int, low: 1, high: 3}"
                 "\n", "' at line 3: the key 'n' appears twice in the same mapping.",
                 id="duplicate-parameter"),
]


@pytest.mark.parametrize(("text", "message"), DOCUMENT_ERRORS)
def test_invalid_document_is_refused(write_yaml, text, message):
    with pytest.raises(SearchSpaceError, match=re.escape(message)):
        load_space(write_yaml(text, name="x.yaml"))


def test_yml_suffix_and_path_objects_are_accepted(write_yaml):
    path = write_yaml("params: {n: {type: int, low: 1, high: 3}}\n", name="small.yml")
    assert load_space(path).names == load_space(str(path)).names == ["n"]


def test_fixed_only_space_is_allowed(write_yaml):
    space = load_space(write_yaml("builder: mlp\nfixed: {epochs: 3}\n"))
    assert space.names == []
    assert space.fixed == {"epochs": 3}


def test_yaml_syntax_error_names_file_line_and_column(write_yaml):
    path = write_yaml("builder: mlp\nparams:\n  units: {type: int, low: 1, high: 4\n")
    message = f"Invalid search space '{path}': YAML syntax error at line 4, column 1:"
    with pytest.raises(SearchSpaceError, match=re.escape(message)):
        load_space(path)


def test_yaml_mapping_value_error_reports_position(write_yaml):
    path = write_yaml("builder: mlp: cnn\n")
    with pytest.raises(SearchSpaceError, match=r"at line 1, column 13: mapping values are not"):
        load_space(path)


def test_python_object_tag_is_refused_without_side_effect(write_yaml, tmp_path):
    marker = tmp_path / "created_by_yaml"
    path = write_yaml(f'builder: !!python/object/apply:os.system ["touch {marker}"]\n')
    with pytest.raises(SearchSpaceError, match=r"at line 1, column 10: YAML tags such as "
                                               r"!!python/object are not allowed"):
        load_space(path)
    assert not marker.exists()


def test_python_object_new_tag_is_refused(write_yaml):
    path = write_yaml("params: !!python/object/new:collections.OrderedDict [[]]\n")
    with pytest.raises(SearchSpaceError, match="python/object/new:collections.OrderedDict"):
        load_space(path)


def test_non_utf8_file_is_refused(tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(SearchSpaceError, match=r"expected UTF-8 text. Received byte 0xe9"):
        load_space(path)


def test_missing_file_and_unknown_builtin(tmp_path):
    with pytest.raises(SearchSpaceError, match=r"Search space file '.*nope.yaml' not found."):
        load_space(tmp_path / "nope.yaml")
    from automl.space import builtin_spaces

    names = sorted(builtin_spaces())
    assert "tabular_mlp" in names
    with pytest.raises(SearchSpaceError, match=re.escape(
            "Unknown search space 'tabular_mpl': no such file, and no built-in space of that "
            f"name. Built-in spaces: {names}. Did you mean 'tabular_mlp'?")):
        load_space("tabular_mpl")
    with pytest.raises(SearchSpaceError, match=r"is a directory. Expected a .yaml file."):
        load_space(tmp_path)


def test_numeric_strings_are_read_as_numbers(write_params):
    path = write_params("""
        lr: {type: float, low: 1e-5, high: 1e-1, log: true}
        dropout: {type: float, low: '0', high: '0.5', step: 5e-2}
        units: {type: int, low: '16', high: 1e3}
    """)
    space = load_space(path)
    assert space.params["lr"] == Float(1.0e-5, 0.1, log=True)
    assert space.params["dropout"].step == 0.05
    assert (space.params["units"].low, space.params["units"].high) == (16, 1000)
    assert isinstance(space.params["units"].high, int)


def test_errors_are_user_input_errors(write_params):
    with pytest.raises(UserInputError):
        load_space(write_params("units: {type: int, low: 9, high: 1}"))
