"""``automl.load_data``: CSV files, DataFrames, (X, y) arrays and Datasets, one-line errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from api_testkit import EXAMPLES

import automl
from automl.exceptions import ConfigError
from automl.exceptions import DataError


def test_csv_path_needs_a_target_and_lists_the_columns():
    with pytest.raises(DataError, match=r"^Missing `target`: name the column to predict\. "
                                        r"Columns in 'wine\.csv': \['alcohol', "):
        automl.load_data(EXAMPLES / "wine.csv")
    data = automl.load_data(str(EXAMPLES / "wine.csv"), "cultivar")
    assert data.spec.task == "multiclass" and data.summary["source"].endswith("wine.csv")


def test_an_image_folder_loads_as_images_and_refuses_a_target(tmp_path):
    from PIL import Image

    for label in ("cat", "dog", "owl"):
        (tmp_path / label).mkdir()
        for index in range(5):
            Image.new("RGB", (20, 16), (60 * index, 0, 0)).save(tmp_path / label / f"{index}.png")
    data = automl.load_data(tmp_path, image_size=16, channels=1)
    assert isinstance(data, automl.data.ImageDataset)
    assert data.class_names == ("cat", "dog", "owl") and data.spec.input_shape == (16, 16, 1)
    assert automl.load_data(data) is data
    with pytest.raises(ConfigError, match=r"`target` applies to CSV files and DataFrames; .* is "
                                          r"an image folder"):
        automl.load_data(tmp_path, target="label")
    with pytest.raises(ConfigError, match=r"is a classification task"):
        automl.load_data(tmp_path, task="regression")


def test_dataframe_with_mixed_columns(mixed_frame):
    data = automl.load_data(mixed_frame, "label", seed=3)
    assert data.spec.task == "binary" and data.spec.class_names == ("no", "yes")
    assert data.summary["column_types"] == {"size": "numeric", "color": "categorical",
                                            "flag": "boolean"}
    assert sum(data.summary["split_sizes"].values()) == 120
    assert data.summary["source"] == "<DataFrame>"
    same = automl.load_data(mixed_frame.set_axis(range(500, 620)), "label", seed=3)
    assert same.fingerprint() == data.fingerprint()  # the index does not count
    changed = mixed_frame.assign(size=mixed_frame["size"] + 1)
    assert automl.load_data(changed, "label", seed=3).fingerprint() != data.fingerprint()


def test_dataframe_errors_name_the_frame(mixed_frame):
    with pytest.raises(DataError, match=r"^Target column 'lable' not found in '<DataFrame>'\. "
                                        r"Available columns: \['size', 'color', 'flag', "
                                        r"'label'\]\. Did you mean 'label'\?$"):
        automl.load_data(mixed_frame, "lable")
    with pytest.raises(DataError, match=r"^Missing `target`: name the column to predict\. "
                                        r"Columns in the DataFrame: \['size'"):
        automl.load_data(mixed_frame)
    with pytest.raises(DataError, match=r"repeats column names: \['a'\]"):
        automl.load_data(pd.DataFrame([[1, 2, 3]], columns=["a", "a", "y"]), "y")


def test_dataframe_with_a_separate_test_part(mixed_frame):
    data = automl.load_data(mixed_frame[:90], "label", test_data=mixed_frame[90:])
    assert data.summary["split_sizes"]["test"] == 30
    assert data.summary["test_source"] == "<DataFrame> (test_data)"


def test_arrays_and_infinities():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3))
    x[0, 1] = np.inf  # counts as missing, like in a CSV file
    data = automl.load_data((x, x[:, 0] * 3.0 + 1.0))
    assert data.spec.task == "regression"
    assert data.spec.feature_names == ("x0", "x1", "x1=<missing>", "x2")
    assert np.isfinite(data.x_train).all()


def test_array_shape_errors():
    with pytest.raises(DataError, match=r"^Features must be a 2-D array of shape "
                                        r"\(n_rows, n_features\)\. Received shape: \(5,\)\.$"):
        automl.load_data((np.zeros(5), np.zeros(5)))
    with pytest.raises(DataError, match=r"different numbers of rows\. Expected equal lengths\. "
                                        r"Received: 12 feature rows and 11 targets\.$"):
        automl.load_data((np.zeros((12, 2)), np.zeros(11)))
    with pytest.raises(ConfigError, match=r"apply to CSV files and DataFrames"):
        automl.load_data((np.zeros((12, 2)), np.zeros(12)), target="y")


def test_nothing_held_out_repeats_the_validation_part(mixed_frame):
    data = automl.load_data(mixed_frame, "label", test_size=None)
    assert data.summary["split_sizes"]["test"] == 0
    assert data.summary["test_source"] == "validation part (no held-out test part)"
    np.testing.assert_array_equal(data.x_test, data.x_val)
    assert sum(data.summary["class_counts"].values()) == 120
    with pytest.raises(ConfigError, match=r"`test_size=None` applies to in-memory data"):
        automl.load_data(EXAMPLES / "wine.csv", "cultivar", test_size=None)


def test_a_dataset_passes_through_and_other_types_are_refused(mixed_frame):
    data = automl.load_data(mixed_frame, "label")
    assert automl.load_data(data) is data
    with pytest.raises(DataError, match=r"^Unsupported data: expected a CSV file path, a "
                                        r"pandas DataFrame with target=\.\.\., or a pair "
                                        r"\(X, y\) of arrays\. Received: int\.$"):
        automl.load_data(42)
