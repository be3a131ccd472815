"""Fixtures of the ensemble tests: the example datasets, tiny member models, a CLI runner."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TARGETS = {"binary": ("breast_cancer.csv", "diagnosis"), "multiclass": ("wine.csv", "cultivar"),
           "regression": ("diabetes.csv", "progression")}


@dataclasses.dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys):
    """Runs ``automl <args>`` in this process and returns its exit code and output."""
    from automl.cli import main

    def run(*args: object) -> CliResult:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        sys.stdout.write(captured.out)  # visible in pytest's report on failure
        sys.stderr.write(captured.err)
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def datasets():
    """The three example CSV files loaded as datasets, by task (cached for the session)."""
    from automl.data import load_csv

    return {task: load_csv(EXAMPLES / name, target, seed=0)
            for task, (name, target) in TARGETS.items()}


def tiny_models(spec, n_members: int = 3):
    """Untrained one-layer MLPs of different seeds: valid, different member outputs."""
    import keras

    from automl.models import build_model

    models = []
    for seed in range(n_members):
        keras.utils.set_random_seed(seed)
        models.append(build_model("mlp", {"n_layers": 1, "units": 8}, spec))
    return models
