"""Each user mistake ends with one line naming what is wrong, exit code 2, and nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from automl.cli import main

ROWS = "a,b,y\n" + "".join(f"{i},{i % 3},{'p' if i % 2 else 'q'}\n" for i in range(60))

FILES = {
    "empty.csv": "",
    "header.csv": "a,b,y\n",
    "ok.csv": ROWS,
    "allmissing.csv": "a,b,y\n1,2,\n3,4,\n5,6,\n",
    "oneclass.csv": "a,b,y\n" + "".join(f"{i},{i * 2},x\n" for i in range(30)),
    "few.csv": "a,b,y\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(6)),
    "bad_space.yaml": "builder: mlp\nparams:\n  units: {type: int, low: 512, high: 16}\n",
    "broken.yaml": "builder: mlp\nparams:\n  units: {type: int, low: 5\n",
}

CASES = {
    "missing file": (["missing.csv", "--target", "y"], "'missing.csv' does not exist"),
    "empty file": (["empty.csv", "--target", "y"], "'empty.csv' is empty"),
    "header only": (["header.csv", "--target", "y"], "has a header but no data rows"),
    "target not found": (["ok.csv", "--target", "z"],
                         "Target column 'z' not found in 'ok.csv'. "
                         "Available columns: ['a', 'b', 'y']"),
    "target all missing": (["allmissing.csv", "--target", "y"], "has no values"),
    "one class": (["oneclass.csv", "--target", "y"], "has one distinct value"),
    "too few rows": (["few.csv", "--target", "y"], "at least 10 are needed"),
    "no target option": (["ok.csv"], "Missing option '--target'"),
    "unknown sampler": (["ok.csv", "--target", "y", "--sampler", "foo"],
                        "Invalid value for '--sampler': 'foo' is not one of"),
    "unknown pruner": (["ok.csv", "--target", "y", "--pruner", "x"],
                       "Invalid value for '--pruner'"),
    "unknown task": (["ok.csv", "--target", "y", "--task", "ranking"],
                     "Invalid value for '--task'"),
    "wrong metric": (["ok.csv", "--target", "y", "--metric", "rmse"],
                     "'rmse' is not a classification metric"),
    "zero trials": (["ok.csv", "--target", "y", "--n-trials", "0"],
                    "Invalid value for '--n-trials': expected an integer >= 1. Received: 0."),
    "invalid space": (["ok.csv", "--target", "y", "--space", "bad_space.yaml"],
                      "at `params.units`: `low` must be <= `high`. Received: low=512, high=16."),
    "invalid yaml": (["ok.csv", "--target", "y", "--space", "broken.yaml"],
                     "YAML syntax error at line"),
    "unknown space": (["ok.csv", "--target", "y", "--space", "nosuch"],
                      "Unknown search space 'nosuch'"),
    "grid on continuous": (["ok.csv", "--target", "y", "--sampler", "grid"],
                           "Grid search needs a finite search space"),
    "folder with a target": (["pics", "--target", "y"], "Option '--target' applies to CSV files"),
    "image option on a CSV": (["ok.csv", "--target", "y", "--image-size", "32"],
                              "Option '--image-size' applies to image folders"),
    "bad image size": (["pics", "--image-size", "4x"], "Invalid value for '--image-size'"),
    "one class folder": (["oneclass_pics"], "at least 2 are needed"),
    "unusable image, strict": (["bad_pics", "--strict"], "unusable file(s) (strict mode)"),
    "cv on images": (["pics", "--cv", "2"], "cross-validation applies to tabular data"),
    "stacking on images": (["pics", "--ensemble", "stacking"],
                           "stacking does not take image studies"),
    "tabular space on images": (["pics", "--space", "tabular_mlp"],
                                "builds 'mlp' models, which take tabular data"),
    "image space on a CSV": (["ok.csv", "--target", "y", "--space", "image_cnn"],
                             "builds 'cnn' models, which take image data"),
    "regression on images": (["pics", "--task", "regression"], "is a classification task"),
    "missing weights file": (["pics", "--weights", "mobilenetv3small_notop.h5"],
                             "Weights file"),
    "backbone without weights": (["pics", "--backbone", "resnet50_v2"],
                                 "Expected --weights PATH with it"),
    "bad study name": (["ok.csv", "--target", "y", "--study-name", "../x"],
                       "Invalid value for '--study-name'"),
}


def _write_pictures(folder: Path, classes: tuple[str, ...], per_class: int = 4) -> None:
    from PIL import Image

    for position, name in enumerate(classes):
        (folder / name).mkdir(parents=True)
        for index in range(per_class):
            Image.new("L", (12, 12), 40 * position + index).save(folder / name / f"{index}.png")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch) -> Path:
    for name, text in FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    _write_pictures(tmp_path / "pics", ("cat", "dog"))
    _write_pictures(tmp_path / "oneclass_pics", ("cat",))
    _write_pictures(tmp_path / "bad_pics", ("cat", "dog"))
    (tmp_path / "bad_pics" / "cat" / "empty.png").write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("case", sorted(CASES))
def test_user_mistake_gives_one_line_and_exit_2(case, workdir, capsys):
    args, expected = CASES[case]
    code = main(["search", *args, "--root", "store"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert expected in err[-1]
    assert err[-1].startswith("automl")
    assert not [line for line in err if line.startswith("Traceback")]
    assert not (workdir / "store").exists()  # nothing half-written


def test_gp_sampler_without_torch_names_the_extra(workdir, capsys, monkeypatch):
    import importlib.util

    real_find_spec = importlib.util.find_spec
    def find_spec(name, *args):  # as on a machine without PyTorch
        return None if name == "torch" else real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    code = main(["search", "ok.csv", "--target", "y", "--sampler", "gp", "--root", "store"])
    assert code == 2
    assert "pip install 'automl[gp]'" in capsys.readouterr().err
    assert not (workdir / "store").exists()


def test_predict_errors_are_one_line(workdir, capsys):
    assert main(["predict", "nowhere", "ok.csv"]) == 2
    assert "is not an automl model folder" in capsys.readouterr().err


def test_console_script_exit_code_and_single_line(workdir):
    automl = Path(sys.executable).with_name("automl")
    command = [str(automl)] if automl.exists() else [sys.executable, "-m", "automl"]
    done = subprocess.run([*command, "search", "ok.csv", "--target", "nope"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith("automl: error: Target column 'nope'")
    assert done.stdout == ""


def test_unknown_builder_in_a_space_is_refused_before_any_write(workdir, capsys):
    (workdir / "custom.yaml").write_text("builder: resnet\nparams:\n"
                                         "  units: {type: categorical, choices: [8]}\n")
    code = main(["search", "ok.csv", "--target", "y", "--space", "custom.yaml", "--root", "store"])
    assert code == 2
    assert "Unknown model builder 'resnet'" in capsys.readouterr().err
    assert not (workdir / "store").exists()


def test_unimportable_module_is_refused(workdir, capsys):
    code = main(["search", "ok.csv", "--target", "y", "--import", "no_such_module_x",
                 "--root", "store"])
    assert code == 2
    assert "Cannot import module 'no_such_module_x'" in capsys.readouterr().err


def test_builtin_builder_names_match_the_registry():
    from automl.cli._search import BUILTIN_BUILDERS
    from automl.models import get_builder
    from automl.models import list_builders

    shipped = [name for name in list_builders()  # other tests may register their own
               if get_builder(name).__module__.startswith("automl.models")]
    assert sorted(BUILTIN_BUILDERS) == sorted(shipped)
