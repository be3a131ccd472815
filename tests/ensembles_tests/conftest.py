"""Fixtures of the ensemble tests: the example datasets and a CLI runner (helpers that test
modules import are in ``ensembles_testkit``)."""

from __future__ import annotations

import dataclasses
import sys

import pytest
from ensembles_testkit import EXAMPLES
from ensembles_testkit import TARGETS


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

