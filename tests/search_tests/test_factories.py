"""Each sampler and pruner by name, on a real (in-memory) Optuna study."""

from __future__ import annotations

import importlib.util

import optuna
import pytest

from automl.exceptions import ConfigError
from automl.search._factories import make_pruner
from automl.search._factories import make_sampler
from automl.space import Categorical
from automl.space import Float
from automl.space import SearchSpace

SPACE = SearchSpace("mlp", {"x": Float(-3.0, 3.0), "kind": Categorical(["a", "b"])})


def run(sampler: optuna.samplers.BaseSampler, n_trials: int) -> optuna.Study:
    study = optuna.create_study(sampler=sampler)
    study.optimize(lambda t: SPACE.sample(t)["x"] ** 2, n_trials=n_trials)
    return study


@pytest.mark.parametrize("name", ["tpe", "random", "cmaes"])
def test_samplers_optimize_a_simple_function(name):
    study = run(make_sampler(name, seed=0), n_trials=25)
    assert study.best_value < 0.5
    assert run(make_sampler(name, seed=0), 8).trials[7].params == \
        run(make_sampler(name, seed=0), 8).trials[7].params  # seeded


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="PyTorch not installed")
def test_gp_sampler_runs_past_its_startup_trials():
    study = run(make_sampler("gp", seed=0), n_trials=13)
    assert len(study.trials) == 13 and study.best_value < 1.0


@pytest.mark.parametrize("name, kind", [("median", "MedianPruner"), ("hyperband",
                                        "HyperbandPruner"), ("sha", "SuccessiveHalvingPruner"),
                                        ("none", "NopPruner")])
def test_pruners_by_name(name, kind):
    assert type(make_pruner(name, max_epochs=20)).__name__ == kind


def test_unknown_names_are_config_errors():
    with pytest.raises(ConfigError, match="'--sampler'"):
        make_sampler("anneal", seed=0)
    with pytest.raises(ConfigError, match="'--pruner'"):
        make_pruner("always", max_epochs=3)
