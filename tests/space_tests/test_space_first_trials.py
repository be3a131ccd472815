"""``first_trials``: validated points that a new study tries before its sampler takes over."""

from __future__ import annotations

import optuna
import pytest

from automl.exceptions import SearchSpaceError
from automl.space import SearchSpace
from automl.space import dump_space
from automl.space import load_space

SPACE = {"builder": "mlp", "params": {
    "units": {"type": "int", "low": 8, "high": 64},
    "rate": {"type": "float", "low": 1.0e-4, "high": 1.0e-1, "log": True},
    "act": {"type": "categorical", "choices": ["relu", "tanh"]},
    "bn": {"type": "categorical", "choices": [False, True]},
}}


def test_points_round_trip_through_dict_and_yaml(tmp_path):
    space = SearchSpace.from_dict({**SPACE, "first_trials": [{"units": 32, "act": "relu"}]})
    assert space.first_trials == [{"units": 32, "act": "relu"}]
    assert SearchSpace.from_dict(space.to_dict()) == space
    dump_space(space, tmp_path / "s.yaml")
    assert load_space(tmp_path / "s.yaml").first_trials == space.first_trials
    plain = SearchSpace.from_dict(SPACE)
    assert "first_trials" not in plain.to_dict()  # older fingerprints are unchanged
    assert plain.fingerprint() != space.fingerprint()


@pytest.mark.parametrize("points, message", [
    ({"units": 32}, r"`first_trials` must be a list"),
    ([{}], r"`first_trials\[0\]`: expected a non-empty mapping"),
    ([{"unit": 32}], r"`first_trials\[0\]\.unit`: 'unit' is not a parameter .* Did you mean "
                     r"'units'\?"),
    ([{"units": 128}], r"`first_trials\[0\]\.units`: 128 is not a value of parameter 'units'"),
    ([{"units": 8.5}], r"8\.5 is not a value"),
    ([{"act": "gelu"}], r"'gelu' is not a value of parameter 'act'"),
    ([{"bn": 1}], r"1 is not a value of parameter 'bn'"),
    ([{"rate": "fast"}], r"'fast' is not a value"),
])
def test_invalid_points_name_the_key_path(points, message):
    with pytest.raises(SearchSpaceError, match=message):
        SearchSpace.from_dict({**SPACE, "first_trials": points}, source="my.yaml")


def test_a_study_samples_the_first_point_then_the_rest():
    space = SearchSpace.from_dict({**SPACE, "first_trials": [{"units": 17, "act": "tanh",
                                                              "bn": True}]})
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for point in space.first_trials:
        study.enqueue_trial(point)
    first = space.sample(study.ask(), {"task": "binary"})
    assert (first["units"], first["act"], first["bn"]) == (17, "tanh", True)
    assert 1.0e-4 <= first["rate"] <= 1.0e-1  # not named: sampled


def test_the_image_spaces_start_from_a_valid_baseline():
    for name in ("image_cnn", "image_backbones"):
        (point,) = load_space(name).first_trials
        assert point["optimizer"] == "adam" and point["backbone"] == "none"
