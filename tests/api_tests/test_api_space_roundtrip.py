"""Search spaces in Python and YAML: the two forms round-trip, built-in spaces included."""

from __future__ import annotations

import optuna
import pytest

import automl
from automl.exceptions import SearchSpaceError


def every_kind_of_parameter() -> automl.SearchSpace:
    return automl.SearchSpace(
        "mlp",
        {
            "n_layers": automl.Int(1, 4),
            "units": automl.Int(16, 256, log=True),
            "stride": automl.Int(2, 10, step=2),
            "dropout": automl.Float(0.0, 0.5, step=0.05),
            "learning_rate": automl.Float(1e-5, 1e-1, log=True),
            "optimizer": automl.Categorical(["adam", "sgd", "rmsprop"]),
            "momentum": automl.Float(0.0, 0.99, when={"optimizer": "sgd"}),
            "nesterov": automl.Categorical([False, True], when={"optimizer": ["sgd"]}),
            "loss": automl.Categorical(["mse", "huber"], when={"task": "regression"}),
            "batch_size": automl.Fixed(64),
        },
        fixed={"lr_schedule": "cosine", "layer_sizes": [64, 32], "note": "1e-5"},
        name="every_kind", description="All parameter types, conditions and constants.",
    )


def test_python_space_round_trips_through_yaml(tmp_path):
    space = every_kind_of_parameter()
    path = tmp_path / "space.yaml"
    automl.dump_space(space, path)
    loaded = automl.load_space(path)
    assert loaded == space and loaded.fingerprint() == space.fingerprint()
    assert (loaded.name, loaded.description) == (space.name, space.description)
    assert loaded.fixed["note"] == "1e-5"  # a string stays a string
    automl.dump_space(loaded, tmp_path / "again.yaml")
    assert (tmp_path / "again.yaml").read_text() == path.read_text()


def test_loaded_space_samples_like_the_python_one(tmp_path):
    space = every_kind_of_parameter()
    automl.dump_space(space, tmp_path / "space.yaml")
    loaded = automl.load_space(tmp_path / "space.yaml")
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(20):
        trial = study.ask()
        values = space.sample(trial, {"task": "binary"})
        replay = optuna.trial.FixedTrial(trial.params)
        assert loaded.sample(replay, {"task": "binary"}) == values
        assert ("momentum" in values) == (values["optimizer"] == "sgd")
        assert "loss" not in values


@pytest.mark.parametrize("name", list(automl.builtin_spaces()))
def test_builtin_spaces_round_trip(name, tmp_path):
    space = automl.load_space(name)
    automl.dump_space(space, tmp_path / f"{name}.yaml")
    assert automl.load_space(tmp_path / f"{name}.yaml") == space


def test_dict_form_equals_the_python_form():
    space = every_kind_of_parameter()
    assert automl.SearchSpace.from_dict(space.to_dict()) == space


def test_invalid_python_space_names_the_key():
    with pytest.raises(SearchSpaceError, match=r"^Invalid search space '<python>' at `Int`: "
                                               r"`low` must be <= `high`\. "
                                               r"Received: low=512, high=16\.$"):
        automl.SearchSpace("mlp", {"units": automl.Int(512, 16)})


def test_the_schema_document_shows_the_shipped_spaces():
    import yaml
    from api_testkit import EXAMPLES

    document = (EXAMPLES.parent / "docs" / "search_space_schema.md").read_text(encoding="utf-8")
    blocks = [block.split("```", 1)[0] for block in document.split("```yaml\n")[1:]]
    spaces = [automl.SearchSpace.from_dict(yaml.safe_load(block)) for block in blocks
              if block.startswith("name:")]
    assert spaces == [automl.load_space("tabular_mlp"),
                      automl.load_space(EXAMPLES / "wide_and_deep.yaml")]
