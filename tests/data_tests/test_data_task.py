"""infer_task and the checks of a task given by the user."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from automl.data import infer_task
from automl.data import load_csv
from automl.exceptions import ConfigError
from automl.exceptions import DataError


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["cat", "dog", "cat", None], "binary"),
        (["a", "b", "c", "a"], "multiclass"),
        ([True, False, True], "binary"),
        ([0, 1, 1, 0], "binary"),
        ([1.0, 2.0, 1.0, np.nan], "binary"),
        ([0, 1, 2] * 10, "multiclass"),
        ([0.5, 1.25, 3.0, 0.5], "regression"),
        (list(range(30)) * 3, "regression"),
        ([1, 2, 3, 4, 5, 6], "regression"),
        ([10, 20, 30, 10, 20, 30, 10], "multiclass"),
    ],
)
def test_infer_task(values, expected):
    assert infer_task(pd.Series(values)) == expected


def test_integer_target_with_21_classes_is_regression():
    assert infer_task(pd.Series(list(range(21)) * 5)) == "regression"
    assert infer_task(pd.Series(list(range(20)) * 5)) == "multiclass"


@pytest.fixture
def text_target_csv(write_frame):
    frame = pd.DataFrame({"x": np.arange(30) % 7 * 1.5, "y": ["a", "b", "c"] * 10})
    return write_frame(frame, "text.csv")


def test_unknown_task_lists_valid_ones(text_target_csv):
    expected = (
        r"Unknown task 'classification'\. Valid tasks: \['binary', 'multiclass', 'regression'\]\."
    )
    with pytest.raises(ConfigError, match=expected):
        load_csv(text_target_csv, target="y", task="classification")


def test_regression_on_text_target(text_target_csv):
    expected = (
        r"Target column 'y' in 'text\.csv' cannot be used for task 'regression': expected "
        r"numbers\. Received values such as \['a', 'b', 'c'\]\."
    )
    with pytest.raises(DataError, match=expected):
        load_csv(text_target_csv, target="y", task="regression")


def test_binary_on_three_classes(text_target_csv):
    expected = r"cannot be used for task 'binary': expected 2 classes\. Received: 3 classes"
    with pytest.raises(DataError, match=expected):
        load_csv(text_target_csv, target="y", task="binary")


def test_task_override_turns_integers_into_classes(write_frame):
    frame = pd.DataFrame({"x": np.linspace(0, 1, 90), "y": np.arange(90) % 30})
    assert load_csv(write_frame(frame), target="y").spec.task == "regression"
    data = load_csv(write_frame(frame), target="y", task="multiclass")
    assert data.spec.task == "multiclass"
    assert data.spec.n_classes == 30
    assert data.spec.class_names[:3] == ("0", "1", "2")


def test_task_override_regression_on_integer_classes(write_frame):
    frame = pd.DataFrame({"x": np.linspace(0, 1, 40), "y": np.arange(40) % 3})
    data = load_csv(write_frame(frame), target="y", task="regression")
    assert data.spec.task == "regression"
    assert data.spec.n_classes == 0
    assert data.y_train.dtype == np.float32
