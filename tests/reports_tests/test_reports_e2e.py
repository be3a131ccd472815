"""Reports of real short searches: every plot is a PNG logged to MLflow, the HTML page embeds
them with the tables, ``automl trials`` output parses, and the page renders in Chromium."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import optuna
import pandas as pd
import pytest
from PIL import Image
from reports_testkit import assert_png

from automl.reports._html import data_uri
from automl.search._study import open_storage
from automl.tracking import MlflowTracker

pytestmark = pytest.mark.slow

STUDY_PLOTS = {"optimization_history", "param_importances", "parallel_coordinate", "slice",
               "contour", "learning_curves", "timeline"}
CLASSIFICATION_PLOTS = {"best_confusion_matrix", "best_roc_curve", "best_pr_curve"}
REGRESSION_PLOTS = {"best_predicted_vs_true", "best_residuals"}
_CONSOLE_ERROR = re.compile(r":CONSOLE\(\d+\)|Uncaught|SyntaxError|ReferenceError|TypeError")


def logged_report_files(searched) -> set[str]:
    tracker = MlflowTracker(searched.job["tracking_uri"], searched.job["experiment_name"])
    listed = tracker.client.list_artifacts(searched.job["parent_run_id"], "report")
    return {Path(item.path).name for item in listed}


def load_study(searched) -> optuna.Study:
    return optuna.load_study(study_name=searched.name,
                             storage=open_storage(searched.job["storage"]))


@pytest.mark.parametrize("fixture, expected", [
    ("cancer_study", STUDY_PLOTS | CLASSIFICATION_PLOTS),
    ("diabetes_study", STUDY_PLOTS | REGRESSION_PLOTS),
])
def test_search_report_writes_every_plot_as_png_logged_to_mlflow(request, fixture, expected):
    searched = request.getfixturevalue(fixture)
    written = {path.stem for path in searched.report.glob("*.png")}
    assert written == expected
    for name in expected:
        assert_png(searched.report / f"{name}.png")
        with Image.open(searched.report / f"{name}.png") as image:
            assert min(image.size) >= 200
    assert logged_report_files(searched) == {f"{name}.png" for name in expected} | {"report.html"}


def test_report_page_embeds_every_plot_and_the_tables(cancer_study):
    page = (cancer_study.report / "report.html").read_text(encoding="utf-8")
    for png in cancer_study.report.glob("*.png"):
        assert data_uri(png) in page, f"{png.name} is not embedded"
    study = load_study(cancer_study)
    top = page[page.index('id="top-trials-table"'):]
    top = top[:top.index("</table>")]
    assert top.count("<tr>") == 1 + len(study.trials)  # header + one row per completed trial
    for trial in study.trials:
        assert f"learning_rate={trial.params['learning_rate']:.4g}" in top
    scores = json.loads((cancer_study.folder / "best_model" / "metadata.json").read_text())
    assert 'id="test-scores-table"' in page
    assert f'{scores["test_scores"]["roc_auc"]:.5g}' in page
    assert "<td>sampler</td><td>random</td>" in page  # search settings from the MLflow run
    assert "<td>target</td><td>diagnosis</td>" in page  # data summary
    assert "<td>keras</td>" in page  # versions
    assert "<script" not in page and 'src="http' not in page and "href=" not in page


def test_trials_command_prints_a_table_csv_and_json(cancer_study, run_cli):
    common = ["trials", "--study-name", cancer_study.name, "--root", cancer_study.store]
    study = load_study(cancer_study)

    table = run_cli(*common)
    assert table.code == 0, table.err
    lines = table.out.splitlines()
    assert lines[0].split() == ["number", "state", "value", "duration", "epochs", "params"]
    assert [line.split()[:2] for line in lines[1:]] == [[str(t.number), "COMPLETE"]
                                                        for t in study.trials]
    assert len({line.index("COMPLETE") for line in lines[1:]}) == 1  # aligned columns

    frame = pd.read_csv(io.StringIO(run_cli(*common, "--format", "csv").out))
    assert list(frame["number"]) == [t.number for t in study.trials]
    assert list(frame["value"]) == pytest.approx([t.value for t in study.trials])
    assert list(frame["params_units"]) == [t.params["units"] for t in study.trials]

    rows = json.loads(run_cli(*common, "--format", "json").out)
    assert [row["params"] for row in rows] == [t.params for t in study.trials]
    assert all(row["epochs"] == t.user_attrs["automl.n_epochs"] and row["duration_s"] > 0
               for row, t in zip(rows, study.trials))


def test_report_command_writes_the_page_to_the_output_folder(cancer_study, run_cli, tmp_path):
    result = run_cli("report", "--study-name", cancer_study.name, "--root", cancer_study.store,
                     "--output", tmp_path / "out")
    assert result.code == 0, result.err
    assert f"Wrote 10 plots to {tmp_path / 'out'}" in result.out
    assert {p.stem for p in (tmp_path / "out").glob("*.png")} == \
        STUDY_PLOTS | CLASSIFICATION_PLOTS
    assert (tmp_path / "out" / "report.html").is_file()


@pytest.mark.parametrize("command", ["trials", "report"])
def test_unknown_study_is_a_one_line_error_listing_the_studies(cancer_study, run_cli, command):
    result = run_cli(command, "--study-name", "cancr", "--root", cancer_study.store)
    assert result.code == 2
    assert re.fullmatch(r"automl: error: Unknown study 'cancr' in '.*studies'\. Expected the "
                        r"name of an existing study\. Available studies: \['cancer'\]\.\n",
                        result.err)


@pytest.fixture(scope="module")
def chromium() -> str:
    """Chromium's executable; outside CI its absence skips, in CI it fails (CI installs it)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail("CI is set but Chromium is not installed: .ci/run installs Debian's "
                    "'chromium' package.")
    pytest.skip("Chromium is not installed (apt-get install chromium); CI installs it.")


def screenshot(chromium: str, page: Path, shot: Path, profile: Path) -> str:
    """Renders ``page`` headless into ``shot``; returns Chromium's log (standard error)."""
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
               "--enable-logging=stderr", "--v=0", f"--screenshot={shot}",
               "--window-size=1280,2000", page.resolve().as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stderr


def test_report_page_renders_in_headless_chromium(chromium, cancer_study, tmp_path):
    broken = tmp_path / "broken.html"  # proves the log shows page errors when there are some
    broken.write_text("<html><body><script>undefinedFunction();</script></body></html>")
    log = screenshot(chromium, broken, tmp_path / "broken.png", tmp_path / "profile-1")
    assert _CONSOLE_ERROR.search(log), "Chromium's log does not show page errors"

    shot = tmp_path / "report.png"
    log = screenshot(chromium, cancer_study.report / "report.html", shot, tmp_path / "profile-2")
    errors = [line for line in log.splitlines() if _CONSOLE_ERROR.search(line)]
    assert errors == []
    assert_png(shot, min_bytes=50_000)
    with Image.open(shot) as image:
        assert image.size == (1280, 2000)
        assert len(image.convert("RGB").getcolors(maxcolors=1_000_000)) > 1000  # not blank
