"""Fixtures for end-to-end searches: small CSV files, tiny search spaces, a CLI runner."""

from __future__ import annotations

import dataclasses
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from automl.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@dataclasses.dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys):
    """Runs ``automl <args>`` in this process and returns its exit code and output."""

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        sys.stdout.write(captured.out)  # keep it visible in pytest's report on failure
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A fresh local store (studies, MLflow database and artifacts)."""
    return tmp_path / "store"


def write_space(path: Path, params_yaml: str, builder: str = "mlp") -> Path:
    """Writes a search-space YAML with the given ``params:`` block."""
    body = textwrap.indent(textwrap.dedent(params_yaml).strip(), "  ")
    path.write_text(f"builder: {builder}\nparams:\n{body}\n", encoding="utf-8")
    return path


@pytest.fixture
def tiny_space(tmp_path: Path) -> Path:
    """A small space whose trials train in about a second."""
    return write_space(tmp_path / "tiny.yaml", """
        n_layers: {type: int, low: 1, high: 2}
        units: {type: categorical, choices: [8, 16]}
        learning_rate: {type: float, low: 1.0e-3, high: 1.0e-2, log: true}
        batch_size: {type: fixed, value: 64}
    """)


@pytest.fixture
def cancer_split(tmp_path: Path) -> tuple[Path, Path]:
    """breast_cancer.csv split into a training file and a held-out test file."""
    frame = pd.read_csv(EXAMPLES / "breast_cancer.csv")
    test = frame.sample(n=120, random_state=0)
    train_path, test_path = tmp_path / "train.csv", tmp_path / "test.csv"
    frame.drop(test.index).to_csv(train_path, index=False)
    test.to_csv(test_path, index=False)
    return train_path, test_path
