"""Sampling with Optuna, FixedTrial replay, conditions, grids, round trips and fingerprints."""

from __future__ import annotations

import re

import optuna
import pytest

from automl.exceptions import SearchSpaceError
from automl.space import MAX_GRID_POINTS
from automl.space import Categorical
from automl.space import Fixed
from automl.space import Float
from automl.space import Int
from automl.space import SearchSpace
from automl.space import dump_space
from automl.space import load_space


def conditional_space() -> SearchSpace:
    return SearchSpace("mlp", {
        "n_layers": Int(1, 4),
        "units": Int(16, 256, log=True),
        "optimizer": Categorical(["adam", "sgd"]),
        "momentum": Float(0.0, 0.99, when={"optimizer": "sgd"}),
        "nesterov": Categorical([False, True], when={"optimizer": "sgd"}),
        "accelerate": Fixed(True, when={"nesterov": True}),
        "loss": Categorical(["mse", "mae"], when={"task": "regression"}),
    }, fixed={"epochs": 3})


def test_sample_suggests_active_parameters_in_order():
    space = conditional_space()
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    for _ in range(30):
        trial = study.ask()
        params = space.sample(trial, {"task": "binary"})
        sgd = params["optimizer"] == "sgd"
        assert ("momentum" in params) is sgd and ("nesterov" in params) is sgd
        assert ("accelerate" in params) is (params.get("nesterov") is True)
        assert "loss" not in params and params["epochs"] == 3
        assert list(params)[:3] == ["n_layers", "units", "optimizer"]
        assert 16 <= params["units"] <= 256 and 1 <= params["n_layers"] <= 4
        assert set(trial.params) == set(params) - {"epochs", "accelerate"}


def test_fixed_trial_replays_the_same_dict():
    space = conditional_space()
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=2))
    for _ in range(20):
        trial = study.ask()
        params = space.sample(trial, {"task": "regression"})
        assert space.sample(optuna.trial.FixedTrial(trial.params), {"task": "regression"}) == (
            params)
        assert space.sample(optuna.trial.FixedTrial(params), {"task": "regression"}) == params


def test_sample_returns_a_fresh_copy_of_fixed_values():
    space = SearchSpace("mlp", {"n": Int(1, 2)}, fixed={"layers": [8, 8]})
    first = space.sample(optuna.trial.FixedTrial({"n": 1}))
    first["layers"].append(4)
    assert space.sample(optuna.trial.FixedTrial({"n": 1}))["layers"] == [8, 8]


def test_tpe_with_group_sampling_respects_conditions():
    space = conditional_space()
    sampler = optuna.samplers.TPESampler(seed=0, group=True, n_startup_trials=4)
    study = optuna.create_study(sampler=sampler)
    seen: list[dict] = []

    def objective(trial: optuna.trial.Trial) -> float:
        params = space.sample(trial, {"task": "regression"})
        seen.append(params)
        return params.get("momentum", 1.0) + params["n_layers"]

    study.optimize(objective, n_trials=12)
    assert all(("momentum" in p) is (p["optimizer"] == "sgd") for p in seen)
    assert all(p["loss"] in ("mse", "mae") for p in seen)


def test_is_active_reads_earlier_values_and_context():
    space = conditional_space()
    assert space.is_active("momentum", {"optimizer": "sgd"}, {"task": "binary"})
    assert not space.is_active("momentum", {"optimizer": "adam"})
    assert not space.is_active("accelerate", {"optimizer": "adam"})
    assert space.is_active("loss", {}, {"task": "regression"})
    assert not space.is_active("loss", {}, {"task": "multiclass"})
    with pytest.raises(KeyError, match="Unknown parameter 'lr'"):
        space.is_active("lr", {})


def test_missing_context_key_is_an_error():
    message = ("Parameter 'loss' of search space '<python>' depends on the context key 'task', "
               "but the context has no 'task'. Pass context={'task': ...}.")
    with pytest.raises(SearchSpaceError, match=re.escape(message)):
        conditional_space().sample(optuna.trial.FixedTrial({"n_layers": 1, "units": 16,
                                                            "optimizer": "adam"}))


def test_when_lists_match_any_listed_value():
    space = SearchSpace(params={
        "regularization": Categorical(["none", "l1", "l2", "l1_l2"]),
        "l1": Float(1e-7, 1e-2, log=True, when={"regularization": ["l1", "l1_l2"]}),
        "smoothing": Float(0.0, 0.2, step=0.1, when={"task": ["binary", "multiclass"]}),
    })
    keys = {choice: set(space.sample(optuna.trial.FixedTrial({
        "regularization": choice, "l1": 1e-3, "smoothing": 0.1}), {"task": "binary"}))
        for choice in ["none", "l1", "l2", "l1_l2"]}
    assert keys["l1"] == keys["l1_l2"] == {"regularization", "l1", "smoothing"}
    assert keys["none"] == keys["l2"] == {"regularization", "smoothing"}


def test_grid_points_resolve_conditions_without_duplicates():
    space = SearchSpace(params={
        "optimizer": Categorical(["adam", "sgd"]),
        "momentum": Categorical([0.0, 0.9], when={"optimizer": "sgd"}),
        "nesterov": Categorical([False, True], when={"momentum": 0.9}),
        "head": Fixed("dense", when={"optimizer": "adam"}),
        "loss": Categorical(["mse", "mae"], when={"task": "regression"}),
    })
    assert space.grid_points({"task": "binary"}) == [
        {"optimizer": "adam"},
        {"optimizer": "sgd", "momentum": 0.0},
        {"optimizer": "sgd", "momentum": 0.9, "nesterov": False},
        {"optimizer": "sgd", "momentum": 0.9, "nesterov": True},
    ]
    assert len(space.grid_points({"task": "regression"})) == 8


def test_grid_points_replay_through_fixed_trial():
    space = SearchSpace(params={
        "n": Int(1, 5, step=2),
        "dropout": Float(0.0, 0.3, step=0.1),
        "act": Categorical(["relu", "tanh"], when={"n": [3, 5]}),
    }, fixed={"epochs": 1})
    points = space.grid_points()
    assert len(points) == 4 * (1 + 2 + 2)
    assert sorted({p["dropout"] for p in points}) == [0.0, 0.1, 0.2, 0.3]
    for point in points:
        assert space.sample(optuna.trial.FixedTrial(point)) == {**point, "epochs": 1}


def test_grid_rejects_continuous_parameters():
    space = SearchSpace(params={
        "optimizer": Categorical(["adam", "sgd"]),
        "learning_rate": Float(1e-4, 1e-1, log=True),
        "momentum": Float(0.0, 0.9, when={"optimizer": "sgd"}),
        "only_for_regression": Float(0.0, 1.0, when={"task": "regression"}),
    }, source="x.yaml")
    message = ("Grid search needs a finite search space, but 'learning_rate' and 'momentum' in "
               "'x.yaml' are continuous floats. Give them a `step`, make them categorical, or "
               "use another sampler.")
    with pytest.raises(SearchSpaceError, match=re.escape(message)):
        space.grid_points({"task": "binary"})
    single = SearchSpace(params={"learning_rate": Float(1e-4, 1e-1, log=True)}, source="x.yaml")
    with pytest.raises(SearchSpaceError, match=re.escape(
            "but 'learning_rate' in 'x.yaml' is a continuous float. Give it a `step`")):
        single.grid_points()


def test_grid_accepts_a_float_without_step_when_low_equals_high():
    assert SearchSpace(params={"x": Float(0.5, 0.5)}).grid_points() == [{"x": 0.5}]


def test_grid_refuses_too_many_points():
    space = SearchSpace(params={"a": Int(1, 400), "b": Int(1, 400)})
    message = (f"needs more than {MAX_GRID_POINTS:,} points (exceeded at parameter 'b'). Give "
               "parameters coarser steps or fewer choices, or use another sampler.")
    with pytest.raises(SearchSpaceError, match=re.escape(message)):
        space.grid_points()
    with pytest.raises(SearchSpaceError, match="exceeded at parameter 'x'"):
        SearchSpace(params={"x": Float(0.0, 1.0, step=1e-6)}).grid_points()


def test_grid_without_needed_context_is_an_error():
    space = SearchSpace(params={"loss": Categorical(["mse"], when={"task": "regression"})})
    with pytest.raises(SearchSpaceError, match="depends on the context key 'task'"):
        space.grid_points()


def test_dump_and_load_round_trip(tmp_path):
    space = SearchSpace("mlp", {
        **conditional_space().params,
        "with space": Categorical([None, 1, 2.5, "x: y", "yes", "1e-5"]),
        "dropout": Float(0.0, 0.5, step=0.05),
        "l2": Float(1e-7, 1e-2, log=True, when={"task": ["binary", "multiclass"]}),
    }, {"epochs": 3, "layers": [8, 4], "nested": {"a": None}}, name="demo",
        description="A space: with 'quotes' and\na second line.")
    path = tmp_path / "dumped.yaml"
    dump_space(space, path)
    loaded = load_space(path)
    assert loaded == space
    assert loaded.to_dict() == space.to_dict()
    assert (loaded.name, loaded.description) == (space.name, space.description)
    assert loaded.source == str(path)
    assert "  dropout: {type: float, low: 0.0, high: 0.5, step: 0.05}\n" in path.read_text()


def test_dict_round_trip_and_source_in_messages():
    space = conditional_space()
    assert SearchSpace.from_dict(space.to_dict()) == space
    with pytest.raises(SearchSpaceError, match=re.escape(
            "Invalid search space '<dict>' at `params.n.step`: `step` must be > 0.")):
        SearchSpace.from_dict({"params": {"n": {"type": "int", "low": 1, "high": 4, "step": 0}}})


def test_fingerprint_is_stable_and_tracks_content(tmp_path):
    space = conditional_space()
    path = tmp_path / "a.yaml"
    dump_space(space, path)
    assert load_space(path).fingerprint() == space.fingerprint()
    assert conditional_space().fingerprint() == space.fingerprint()
    renamed = SearchSpace(space.builder, space.params, space.fixed, name="other")
    assert renamed.fingerprint() == space.fingerprint()
    wider = SearchSpace(space.builder, {**space.params, "units": Int(16, 512, log=True)},
                        space.fixed)
    assert wider.fingerprint() != space.fingerprint()
    recondition = SearchSpace(space.builder, {
        **space.params, "loss": Categorical(["mse", "mae"], when={"task": "binary"})},
        space.fixed)
    assert recondition.fingerprint() != space.fingerprint()
    assert re.fullmatch(r"[0-9a-f]{64}", space.fingerprint())
    assert hash(space) == hash(conditional_space())
