"""load_csv: target checks, splits, the summary and the input spec."""

from __future__ import annotations

import json
import logging

import numpy as np
import pandas as pd
import pytest

from automl.data import load_csv
from automl.data import read_table
from automl.exceptions import ConfigError
from automl.exceptions import DataError


def test_target_not_found_lists_columns(write_file):
    path = write_file("train.csv", "a,b,y\n1,2,3\n")
    expected = (
        r"^Target column 'label' not found in 'train\.csv'\. Available columns: \['a', 'b', "
        r"'y'\]\.$"
    )
    with pytest.raises(DataError, match=expected):
        load_csv(path, target="label")


def test_target_not_found_suggests_close_name(write_file):
    path = write_file("train.csv", "a,Label\n1,2\n")
    with pytest.raises(DataError, match=r"Did you mean 'Label'\?"):
        load_csv(path, target="label")


def test_target_only_file(write_file):
    with pytest.raises(DataError, match=r"has no feature columns besides the target 'y'"):
        load_csv(write_file("t.csv", "y\n1\n2\n"), target="y")


def test_rows_with_missing_target_are_dropped_with_a_warning(mixed_frame, write_frame, caplog):
    frame = mixed_frame.copy()
    frame.loc[[3, 50, 99], "label"] = None
    with caplog.at_level(logging.WARNING, logger="automl.data"):
        data = load_csv(write_frame(frame), target="label")
    assert "Dropped 3 of 120 rows of 'data.csv' with a missing target 'label'" in caplog.text
    assert data.summary["n_rows"] == 120
    assert data.summary["n_rows_dropped_missing_target"] == 3
    assert sum(data.summary["split_sizes"].values()) == 117


def test_target_all_missing(write_file):
    expected = r"Target column 'y' in 't\.csv' has no values: all 2 rows are missing it"
    with pytest.raises(DataError, match=expected):
        load_csv(write_file("t.csv", "x,y\n1,\n2,\n"), target="y")


def test_single_class_target(write_file):
    text = "x,y\n" + "".join(f"{i},same\n" for i in range(20))
    expected = r"Target column 'y' in 't\.csv' has one distinct value \('same'\)"
    with pytest.raises(DataError, match=expected):
        load_csv(write_file("t.csv", text), target="y")


def test_too_few_rows(write_file):
    text = "x,y\n" + "".join(f"{i},{i % 2}\n" for i in range(7))
    expected = (
        r"'small\.csv' has 7 rows with a target; at least 10 are needed to split it into train, "
        r"validation and test parts\."
    )
    with pytest.raises(DataError, match=expected):
        load_csv(write_file("small.csv", text), target="y")


def test_too_few_rows_of_a_class(write_file):
    labels = ["a"] * 20 + ["b"] * 2
    text = "x,y\n" + "".join(f"{i},{label}\n" for i, label in enumerate(labels))
    expected = r"Class 'b' has 2 rows in 'rare\.csv'; at least 3 rows per class are needed"
    with pytest.raises(DataError, match=expected):
        load_csv(write_file("rare.csv", text), target="y")


@pytest.mark.parametrize(
    ("option", "value"), [("test_size", 0.0), ("val_size", 1.5), ("test_size", "0.2")]
)
def test_invalid_split_fraction(mixed_frame, write_frame, option, value):
    with pytest.raises(ConfigError, match=rf"`{option}` must be a number between 0 and 1"):
        load_csv(write_frame(mixed_frame), target="label", **{option: value})


def test_splits_are_stratified_seeded_and_disjoint(mixed_frame, write_frame):
    path = write_frame(mixed_frame)
    data = load_csv(path, target="label", seed=3)
    again = load_csv(path, target="label", seed=3)
    other = load_csv(path, target="label", seed=4)
    assert data.summary["split_sizes"] == {"train": 77, "val": 19, "test": 24}
    np.testing.assert_array_equal(data.x_train, again.x_train)
    assert data.summary["split_sha256"] == again.summary["split_sha256"]
    assert data.summary["split_sha256"] != other.summary["split_sha256"]
    overall = (mixed_frame["label"] == "good").mean()
    for y in (data.y_train, data.y_val, data.y_test):
        assert abs(y.mean() - overall) < 0.05
    rows = np.vstack([data.x_train, data.x_val, data.x_test])
    assert len(np.unique(rows, axis=0)) == len(mixed_frame)


def test_preprocessing_is_fitted_on_the_training_part_only(write_frame):
    rng = np.random.default_rng(0)
    train = pd.DataFrame({"x": rng.normal(size=60), "c": rng.choice(["a", "b"], 60),
                          "y": rng.choice(["p", "q"], 60)})
    test = pd.DataFrame({"x": [1e6, np.nan, 2.0, 3.0], "c": ["zzz", None, "a", "b"],
                         "y": ["p", "q", "p", "q"]})
    data = load_csv(write_frame(train, "train.csv"), target="y",
                    test_data=write_frame(test, "test.csv"))
    assert data.preprocessor.feature_names == ["x", "c=a", "c=b", "c=<other>"]
    np.testing.assert_allclose(data.x_train[:, 0].mean(), 0.0, atol=1e-6)
    np.testing.assert_allclose(data.x_train[:, 0].std(), 1.0, atol=1e-5)
    assert data.x_test[0, 3] == 1.0 and data.x_test[1, 3] == 1.0
    assert data.summary["split_sizes"] == {"train": 48, "val": 12, "test": 4}
    assert data.summary["test_source"].endswith("test.csv")
    assert len(data.summary["test_data_sha256"]) == 64


def test_test_data_without_target(mixed_frame, write_frame):
    test_path = write_frame(mixed_frame.drop(columns=["label"]), "test.csv")
    with pytest.raises(DataError, match=r"Target column 'label' not found in 'test\.csv'"):
        load_csv(write_frame(mixed_frame), target="label", test_data=test_path)


def test_test_data_with_unseen_label(mixed_frame, write_frame):
    test = mixed_frame.head(5).assign(label=["good", "bad", "ugly", "good", "bad"])
    expected = r"Target in 'test\.csv' has labels not seen in the training data: \['ugly'\]"
    with pytest.raises(DataError, match=expected):
        load_csv(write_frame(mixed_frame), target="label", test_data=write_frame(test, "test.csv"))


def test_test_data_missing_a_feature_column(mixed_frame, write_frame):
    test = mixed_frame.head(5).drop(columns=["age"])
    expected = r"Missing required feature columns in 'test\.csv': \['age'\]"
    with pytest.raises(DataError, match=expected):
        load_csv(write_frame(mixed_frame), target="label", test_data=write_frame(test, "test.csv"))


def test_summary_spec_and_arrays(mixed_frame, write_frame):
    frame = mixed_frame.assign(id=range(120), const="k")
    data = load_csv(write_frame(frame, "mixed.csv"), target="label")
    summary = json.loads(json.dumps(data.summary))
    assert summary["source"].endswith("mixed.csv")
    assert summary["n_columns"] == 7
    assert summary["column_types"]["member"] == "boolean"
    assert set(summary["dropped_columns"]) == {"id", "const"}
    assert summary["task"] == "binary" and summary["target"] == "label"
    assert summary["class_counts"] == mixed_frame["label"].value_counts().sort_index().to_dict()
    assert summary["n_features"] == len(data.preprocessor.feature_names)
    spec = data.spec
    assert spec.kind == "tabular" and spec.task == "binary"
    assert spec.input_shape == (summary["n_features"],)
    assert spec.class_names == ("bad", "good") and spec.n_classes == 2
    assert spec.feature_names == tuple(data.preprocessor.feature_names)
    assert data.x_train.dtype == np.float32 and data.y_train.dtype == np.int64
    assert all(np.isfinite(x).all() for x in (data.x_train, data.x_val, data.x_test))


def test_regression_target_is_standardized_on_train(write_frame):
    x = np.linspace(0, 10, 50)
    data = load_csv(write_frame(pd.DataFrame({"x": x, "y": 3 * x + 100.5})), target="y")
    assert data.spec.task == "regression" and data.spec.n_classes == 0
    assert data.y_train.dtype == np.float32
    assert abs(float(data.y_train.mean())) < 1e-5
    assert data.summary["class_counts"] == {}
    decoded = data.target_encoder.decode(data.y_test)
    assert decoded.min() >= 100.5 and decoded.max() <= 130.5


def test_semicolon_file_with_bom(write_file):
    rows = "".join(f"{i * 1.5};{'ab'[i % 2]};{i % 2}\n" for i in range(30))
    data = load_csv(write_file("eu.csv", "\ufeffx;c;y\n" + rows), target="y")
    assert data.summary["column_types"] == {"x": "numeric", "c": "categorical"}
    assert read_table(data.summary["source"]).columns[0] == "x"
