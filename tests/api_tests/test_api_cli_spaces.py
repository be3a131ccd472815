"""``automl spaces list|show|validate`` through the command line's ``main``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import automl
from automl.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run_cli(capsys):
    def run(*args):
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_list_shows_every_builtin_space(run_cli):
    code, out, _ = run_cli("spaces", "list")
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["name", "builder", "params", "description"]
    assert [line.split()[0] for line in lines[1:]] == list(automl.builtin_spaces())
    tabular = next(line for line in lines if line.startswith("tabular_mlp "))
    assert tabular.split()[:4] == ["tabular_mlp", "mlp", "21", "Multilayer"]


def test_show_prints_the_commented_yaml(run_cli):
    code, out, _ = run_cli("spaces", "show", "tabular_mlp")
    assert code == 0
    assert out.startswith("# Default search space for tabular (CSV) data")
    assert "  n_layers:        {type: int, low: 1, high: 4}" in out
    assert out.rstrip().endswith("# builder 'mlp', 21 parameters (8 conditional), 0 fixed values")


def test_show_an_unknown_name_is_one_line(run_cli):
    code, out, err = run_cli("spaces", "show", "tabular")
    assert (code, out) == (2, "")
    assert err == ("automl: error: Unknown search space 'tabular': no such file, and no built-in "
                   f"space of that name. Built-in spaces: {list(automl.builtin_spaces())}. Did "
                   "you mean 'tabular_mlp'?\n")


@pytest.mark.parametrize("name", list(automl.builtin_spaces()))
def test_validate_every_builtin_space_without_a_note(run_cli, name):
    code, out, _ = run_cli("spaces", "validate", automl.builtin_spaces()[name])
    assert code == 0 and out.startswith("OK: ") and "Note" not in out


def test_validate_a_good_and_a_bad_file(run_cli, tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("builder: mlp\nparams:\n  units: {type: int, low: 8, high: 64}\n"
                    "  momentum: {type: float, low: 0.0, high: 0.9, when: {units: 8}}\n"
                    "fixed: {batch_size: 32}\n", encoding="utf-8")
    code, out, _ = run_cli("spaces", "validate", good)
    assert code == 0
    assert out == (f"OK: '{good}' is a valid search space: builder 'mlp', 2 parameters "
                   "(1 conditional), 1 fixed values.\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("builder: mlp\nparams:\n  units: {type: int, low: 512, high: 16}\n",
                   encoding="utf-8")
    code, out, err = run_cli("spaces", "validate", bad)
    assert (code, out) == (2, "")
    assert err == (f"automl: error: Invalid search space '{bad}' at `params.units`: `low` must "
                   "be <= `high`. Received: low=512, high=16.\n")


def test_validate_checks_a_custom_builder_with_import(run_cli, tmp_path):
    space = tmp_path / "custom.yaml"
    space.write_text("builder: api_tiny_net\nparams:\n  width: {type: int, low: 4, high: 8}\n",
                     encoding="utf-8")
    code, out, _ = run_cli("spaces", "validate", space)
    assert code == 0 and "Note: builder 'api_tiny_net' is not built in" in out
    code, out, _ = run_cli("spaces", "validate", space, "--import", "api_testkit")
    assert code == 0 and out.startswith("OK: ") and "Note" not in out
    space.write_text("builder: api_missing\nparams:\n  width: {type: int, low: 4, high: 8}\n",
                     encoding="utf-8")
    code, _, err = run_cli("spaces", "validate", space, "--import", "api_testkit")
    assert code == 2 and err.startswith("automl: error: Unknown model builder 'api_missing'.")
    code, _, err = run_cli("spaces", "validate", space, "--import", "no_such_module_xyz")
    assert code == 2 and "cannot import 'no_such_module_xyz'" in err


def test_spaces_commands_answer_without_heavy_imports(tmp_path):
    code = ("import sys\nfrom automl.cli import main\n"
            "assert main(['spaces', 'validate', 'search_spaces/tabular_mlp.yaml']) == 0\n"
            "print([m for m in ('tensorflow', 'keras', 'optuna', 'mlflow') if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
