"""Fixtures of the search-space tests: YAML files written in tmp_path."""

from __future__ import annotations

import pathlib
import textwrap
from collections.abc import Callable

import optuna
import pytest

optuna.logging.set_verbosity(optuna.logging.WARNING)


@pytest.fixture
def write_yaml(tmp_path: pathlib.Path) -> Callable[..., pathlib.Path]:
    """Returns a function that writes dedented YAML text to ``tmp_path / name``."""

    def write(text: str, name: str = "space.yaml") -> pathlib.Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def write_params(write_yaml: Callable[..., pathlib.Path]) -> Callable[[str], pathlib.Path]:
    """Returns a function that writes a space with ``builder: mlp`` and the given params block.

    The block is the YAML under ``params:``, one entry per line, without indentation.
    """

    def write(params_block: str) -> pathlib.Path:
        lines = textwrap.dedent(params_block).strip().splitlines()
        body = "\n".join(f"  {line}" for line in lines)
        return write_yaml(f"builder: mlp\nparams:\n{body}\n", name="x.yaml")

    return write
