"""TabularPreprocessor: column typing, dropped columns, encodings and JSON round-trips."""

from __future__ import annotations

import json
import logging
import time
import zlib

import numpy as np
import pandas as pd
import pytest

from automl.data import TabularPreprocessor
from automl.exceptions import DataError
from automl.exceptions import NotFittedError


def fit(frame: pd.DataFrame) -> TabularPreprocessor:
    return TabularPreprocessor().fit(frame)


def test_column_types():
    frame = pd.DataFrame(
        {
            "number": [1.5, 2.5, 3.5, 1.5],
            "flag": [True, False, True, True],
            "answer": ["Yes", "no", "YES", None],
            "word": ["True", "false", "FALSE", "true"],
            "color": ["red", "blue", "red", "red"],
        }
    )
    assert fit(frame).column_types == {
        "number": "numeric",
        "flag": "boolean",
        "answer": "boolean",
        "word": "boolean",
        "color": "categorical",
    }


def test_constant_and_id_like_columns_are_dropped_with_a_warning(caplog):
    n_rows = 12
    frame = pd.DataFrame(
        {
            "row": np.arange(100, 100 + n_rows),
            "shuffled_range": np.random.default_rng(0).permutation(n_rows),
            "customerId": np.random.default_rng(1).permutation(n_rows) * 7.5,
            "uuid": [f"u-{i}" for i in range(n_rows)],
            "name": [f"person {i}" for i in range(n_rows)],
            "constant": [3.0] * n_rows,
            "empty": [np.nan] * n_rows,
            "x": np.linspace(0, 1, n_rows),
        }
    )
    with caplog.at_level(logging.WARNING, logger="automl.data"):
        preprocessor = fit(frame)
    assert preprocessor.required_columns == ["x"]
    assert preprocessor.feature_names == ["x"]
    dropped = preprocessor.dropped_columns
    assert set(dropped) == set(frame.columns) - {"x"}
    assert dropped["constant"] == "constant: one distinct value"
    assert dropped["empty"] == "all values missing"
    assert dropped["row"] == "ID-like: distinct integers in sequence"
    assert dropped["name"] == "ID-like: every text value is distinct"
    assert dropped["customerId"].startswith("ID-like: named like an identifier")
    assert "Dropping column 'row': ID-like" in caplog.text
    assert "Dropping column 'constant'" in caplog.text


def test_distinct_floats_and_sparse_integers_are_kept():
    price = [5, 90, 12, 400, 33, 71, 2, 150, 8, 64]
    frame = pd.DataFrame({"size": np.linspace(0.5, 9.5, 10), "price": price})
    assert fit(frame).required_columns == ["size", "price"]


def test_no_feature_left():
    frame = pd.DataFrame({"id": range(10), "c": [1] * 10})
    expected = r"No usable feature columns: every column was dropped .*'id': 'ID-like"
    with pytest.raises(DataError, match=expected):
        fit(frame)


def test_numeric_imputation_indicator_and_standardization():
    train = pd.DataFrame({"x": [1.0, 2.0, np.nan, 3.0, 10.0], "z": [1.0, 2.0, 3.0, 4.0, 4.0]})
    preprocessor = fit(train)
    assert preprocessor.feature_names == ["x", "x=<missing>", "z"]
    out = preprocessor.transform(train)
    filled = np.array([1.0, 2.0, 2.5, 3.0, 10.0])
    expected_x = (filled - filled.mean()) / filled.std()
    np.testing.assert_allclose(out[:, 0], expected_x, rtol=1e-6)
    assert out[:, 1].tolist() == [0, 0, 1, 0, 0]
    new = preprocessor.transform(pd.DataFrame({"x": [np.nan, np.inf], "z": ["oops", 2.0]}))
    np.testing.assert_allclose(new[:, 0], [expected_x[2]] * 2, rtol=1e-6)
    assert new[:, 1].tolist() == [1.0, 1.0]
    assert np.isfinite(new).all()


def test_numeric_without_missing_in_train_has_no_indicator_and_imputes_later():
    preprocessor = fit(pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]}))
    assert preprocessor.feature_names == ["x"]
    out = preprocessor.transform(pd.DataFrame({"x": [np.nan]}))
    assert out.tolist() == [[0.0]]  # the median 2.5 equals the mean


def test_huge_values_stay_finite_float32():
    preprocessor = fit(pd.DataFrame({"x": [1.0, 2.0, 3.0]}))
    out = preprocessor.transform(pd.DataFrame({"x": [1e300, -1e300]}))
    assert out.dtype == np.float32
    assert np.isfinite(out).all()


def test_boolean_encoding_with_missing_indicator():
    preprocessor = fit(pd.DataFrame({"member": ["yes", "No", None, "YES", "yes"]}))
    assert preprocessor.feature_names == ["member", "member=<missing>"]
    out = preprocessor.transform(pd.DataFrame({"member": ["no", "yes", None, "maybe"]}))
    assert out.tolist() == [[0, 0], [1, 0], [1, 1], [1, 1]]


def test_one_hot_with_other_and_missing_slots():
    preprocessor = fit(pd.DataFrame({"color": ["red", "blue", None, "red"]}))
    assert preprocessor.feature_names == [
        "color=blue", "color=red", "color=<other>", "color=<missing>"
    ]
    out = preprocessor.transform(pd.DataFrame({"color": ["red", "green", None, "blue"]}))
    assert out.tolist() == [[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [1, 0, 0, 0]]


def test_missing_value_goes_to_other_when_train_had_none():
    preprocessor = fit(pd.DataFrame({"color": ["red", "blue", "red"]}))
    out = preprocessor.transform(pd.DataFrame({"color": [None]}))
    assert out.tolist() == [[0, 0, 1]]


def test_high_cardinality_column_is_hashed_with_crc32():
    values = [f"v{i % 25}" for i in range(50)]
    preprocessor = fit(pd.DataFrame({"city": values}))
    assert preprocessor.feature_names == [f"city#hash{i:02d}" for i in range(32)]
    out = preprocessor.transform(pd.DataFrame({"city": ["Zürich", "v3", None]}))
    assert out[0].argmax() == zlib.crc32("Zürich".encode("utf-8")) % 32
    assert out[1].argmax() == zlib.crc32(b"v3") % 32
    assert out[:2].sum(axis=1).tolist() == [1.0, 1.0]
    assert out[2].sum() == 0.0


def test_twenty_categories_are_one_hot_twenty_one_are_hashed():
    twenty = fit(pd.DataFrame({"c": [f"v{i % 20}" for i in range(40)]}))
    twenty_one = fit(pd.DataFrame({"c": [f"v{i % 21}" for i in range(42)]}))
    assert len(twenty.feature_names) == 21
    assert len(twenty_one.feature_names) == 32


def test_transform_ignores_extra_columns_and_reports_missing_ones(mixed_frame):
    preprocessor = fit(mixed_frame.drop(columns=["label"]))
    with_extra = preprocessor.transform(mixed_frame)
    assert with_extra.shape == (120, len(preprocessor.feature_names))
    expected = (
        r"Missing required feature columns in 'new\.csv': \['age', 'member'\]\. Expected "
        r"columns: \['age', 'color', 'city', 'member'\]"
    )
    with pytest.raises(DataError, match=expected):
        preprocessor.transform(mixed_frame[["color", "city"]], source="new.csv")


def test_output_is_float32_without_nan(mixed_frame):
    preprocessor = fit(mixed_frame.drop(columns=["label"]))
    out = preprocessor.transform(mixed_frame)
    assert out.dtype == np.float32
    assert np.isfinite(out).all()
    assert preprocessor.column_types == {
        "age": "numeric", "color": "categorical", "city": "categorical", "member": "boolean"
    }


def test_json_round_trip_gives_identical_transforms(mixed_frame):
    preprocessor = fit(mixed_frame.drop(columns=["label"]))
    stored = json.loads(json.dumps(preprocessor.to_dict()))
    restored = TabularPreprocessor.from_dict(stored)
    probe = mixed_frame.copy()
    probe.loc[0, "color"] = "purple"
    probe.loc[1, "city"] = "nowhere"
    np.testing.assert_array_equal(restored.transform(probe), preprocessor.transform(probe))
    assert restored.feature_names == preprocessor.feature_names
    assert restored.dropped_columns == preprocessor.dropped_columns


def test_from_dict_rejects_unknown_format():
    with pytest.raises(DataError, match=r"Stored preprocessing has an unknown format"):
        TabularPreprocessor.from_dict({"format": "other"})


def test_not_fitted():
    with pytest.raises(NotFittedError, match=r"not fitted yet"):
        TabularPreprocessor().transform(pd.DataFrame({"x": [1]}))


def test_non_text_column_names_are_handled():
    frame = pd.DataFrame({0: [1.0, 2.0, 3.0], 1: ["a", "b", "a"]})
    preprocessor = fit(frame)
    assert preprocessor.required_columns == ["0", "1"]
    assert preprocessor.transform(frame).shape == (3, 4)


def test_transform_is_vectorized_fast_on_many_rows():
    rng = np.random.default_rng(0)
    n_rows = 100_000
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=n_rows),
            "c": rng.choice(["a", "b", "c"], n_rows),
            "h": pd.Series(rng.integers(0, 5000, n_rows)).map("k{}".format),
        }
    )
    preprocessor = fit(frame.head(1000))
    start = time.perf_counter()
    out = preprocessor.transform(frame)
    assert time.perf_counter() - start < 2.0
    assert out.shape == (n_rows, len(preprocessor.feature_names))
