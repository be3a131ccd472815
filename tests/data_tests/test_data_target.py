"""TargetEncoder: class order, decoding to original labels, regression scaling."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from automl.data import TargetEncoder
from automl.exceptions import ConfigError
from automl.exceptions import DataError
from automl.exceptions import NotFittedError


def round_trip(encoder: TargetEncoder) -> TargetEncoder:
    return TargetEncoder.from_dict(json.loads(json.dumps(encoder.to_dict())))


def test_numbers_sort_numerically_and_decode_as_int():
    y = pd.Series([10, 2, 1, 2, 10])
    encoder = TargetEncoder().fit(y, "multiclass")
    assert encoder.classes == ["1", "2", "10"]
    assert encoder.encode(y).tolist() == [2, 1, 0, 1, 2]
    assert encoder.encode(y).dtype == np.int64
    decoded = encoder.decode(np.array([0, 2]))
    assert decoded.tolist() == [1, 10]
    assert np.issubdtype(decoded.dtype, np.integer)


def test_integer_valued_floats_decode_as_int():
    encoder = TargetEncoder().fit(pd.Series([1.0, 0.0, 1.0]), "binary")
    assert encoder.classes == ["0", "1"]
    assert encoder.decode([1]).tolist() == [1]


def test_strings_sort_lexicographically_and_stay_strings():
    y = pd.Series(["malignant", "benign", "benign"])
    encoder = round_trip(TargetEncoder().fit(y, "binary"))
    assert encoder.classes == ["benign", "malignant"]
    assert encoder.encode(y).tolist() == [1, 0, 0]
    assert encoder.decode([1, 0]).tolist() == ["malignant", "benign"]


def test_boolean_labels():
    encoder = round_trip(TargetEncoder().fit(pd.Series([True, False, True]), "binary"))
    assert encoder.classes == ["False", "True"]
    assert encoder.encode(pd.Series([True, False])).tolist() == [1, 0]
    assert encoder.decode([1]).tolist() == [True]


def test_unknown_label_is_a_data_error():
    encoder = TargetEncoder().fit(pd.Series(["a", "b"]), "binary")
    expected = (
        r"Target in 'test\.csv' has labels not seen in the training data: \['c'\]\. Known "
        r"classes: \['a', 'b'\]\."
    )
    with pytest.raises(DataError, match=expected):
        encoder.encode(pd.Series(["a", "c"]), source="test.csv")


def test_regression_standardizes_and_decodes_to_original_units():
    y = pd.Series([10.0, 20.0, 30.0, 40.0])
    encoder = round_trip(TargetEncoder().fit(y, "regression"))
    encoded = encoder.encode(y)
    assert encoded.dtype == np.float32
    assert abs(float(encoded.mean())) < 1e-6
    assert abs(float(encoded.std()) - 1.0) < 1e-6
    np.testing.assert_allclose(encoder.decode(encoded), y.to_numpy(), rtol=1e-6)
    assert encoder.classes == []
    assert encoder.n_classes == 0


def test_constant_regression_target_keeps_scale_one():
    encoder = TargetEncoder().fit(pd.Series([5.0, 5.0]), "regression")
    assert encoder.encode(pd.Series([6.0])).tolist() == [1.0]


def test_decode_rejects_fractional_indices():
    encoder = TargetEncoder().fit(pd.Series(["a", "b"]), "binary")
    with pytest.raises(ValueError, match=r"whole numbers"):
        encoder.decode([0.5])


def test_unknown_task_and_not_fitted():
    with pytest.raises(ConfigError, match=r"Unknown task 'ranking'"):
        TargetEncoder().fit(pd.Series([1, 2]), "ranking")
    with pytest.raises(NotFittedError, match=r"TargetEncoder is not fitted yet"):
        TargetEncoder().encode(pd.Series([1]))
