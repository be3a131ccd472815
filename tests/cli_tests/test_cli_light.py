"""`automl --help` must answer at once: the CLI imports no heavy library until a command runs."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("tensorflow", "keras", "optuna", "mlflow", "sklearn", "pandas")


def test_cli_module_imports_no_heavy_library():
    code = ("import sys, automl, automl.cli; "
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.strip() == "[]"


def test_help_lists_every_command(capsys):
    from automl.cli import main

    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("search", "predict", "ui"):
        assert command in out
    assert main(["search", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--target", "--sampler", "--pruner", "--n-trials", "--timeout", "--metric",
                   "--max-epochs", "--study-name", "--tracking-uri", "--output", "--quiet"):
        assert option in out
