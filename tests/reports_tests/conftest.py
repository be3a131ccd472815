"""Fixtures for report tests: real short searches (each run once per test session, even when
xdist spreads the tests over workers) and an in-process CLI runner."""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from automl.cli import main
from automl.search._study import StudyPaths

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TINY_SPACE = """\
builder: mlp
params:
  n_layers: {type: int, low: 1, high: 2}
  units: {type: categorical, choices: [8, 16]}
  learning_rate: {type: float, low: 1.0e-3, high: 1.0e-2, log: true}
  batch_size: {type: fixed, value: 64}
"""


@dataclasses.dataclass
class CliResult:
    code: int
    out: str
    err: str


@dataclasses.dataclass(frozen=True)
class SearchedStudy:
    """A finished search whose report was written by ``report_after_search``."""

    store: Path
    name: str
    job: dict[str, Any]

    @property
    def folder(self) -> Path:
        return StudyPaths.for_study(self.store, self.name).folder

    @property
    def report(self) -> Path:
        return self.folder / "report"


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Runs ``automl <args>`` in this process and returns its exit code and output."""

    def run(*args: Any) -> CliResult:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        sys.stdout.write(captured.out)  # keep it visible in pytest's report on failure
        return CliResult(code, captured.out, captured.err)

    return run


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _shared_folder(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A folder of this test run that every xdist worker sees (each search runs only once)."""
    base = tmp_path_factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / name


def _search_once(tmp_path_factory: pytest.TempPathFactory, name: str,
                 search_args: list[str]) -> SearchedStudy:
    folder = _shared_folder(tmp_path_factory, f"reports-{name}")
    done = folder / "done.json"
    with _locked(folder.with_suffix(".lock")):
        if not done.is_file():
            _run_search(folder, name, search_args)
            done.write_text("{}", encoding="utf-8")
    store = folder / "store"
    job = json.loads((StudyPaths.for_study(store, name).folder / "job.json").read_text())
    return SearchedStudy(store=store, name=name, job=job)


def _run_search(folder: Path, name: str, search_args: list[str]) -> None:
    from automl.reports import report_after_search

    folder.mkdir(parents=True, exist_ok=True)
    space = folder / "tiny.yaml"
    space.write_text(TINY_SPACE, encoding="utf-8")
    store = folder / "store"
    code = main(["search", *search_args, "--space", str(space), "--root", str(store),
                 "--study-name", name, "--max-epochs", "3", "--sampler", "random",
                 "--pruner", "none", "--quiet"])
    assert code == 0, f"the search for {name!r} failed with exit code {code}"
    job = json.loads((StudyPaths.for_study(store, name).folder / "job.json").read_text())
    report_after_search(job)


@pytest.fixture(scope="module")
def cancer_study(tmp_path_factory: pytest.TempPathFactory) -> SearchedStudy:
    """Binary classification: 3 trials of at most 3 epochs on breast_cancer.csv."""
    return _search_once(tmp_path_factory, "cancer", [
        str(EXAMPLES / "breast_cancer.csv"), "--target", "diagnosis", "--n-trials", "3",
        "--metric", "roc_auc"])


@pytest.fixture(scope="module")
def diabetes_study(tmp_path_factory: pytest.TempPathFactory) -> SearchedStudy:
    """Regression: 3 trials of at most 3 epochs on diabetes.csv."""
    return _search_once(tmp_path_factory, "diabetes", [
        str(EXAMPLES / "diabetes.csv"), "--target", "progression", "--n-trials", "3"])
