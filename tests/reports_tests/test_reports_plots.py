"""Plots of small and degenerate studies in real journal storages (no training): what is drawn,
what is skipped and why, pruned trials marked, one timeline row per worker, ensemble outputs."""

from __future__ import annotations

import logging
import subprocess
import sys

import numpy as np
import pytest
from optuna.trial import TrialState
from reports_testkit import assert_png
from reports_testkit import make_study
from reports_testkit import make_trial
from reports_testkit import write_test_outputs
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from automl.exceptions import ConfigError
from automl.reports import generate_report
from automl.reports import report_after_search
from automl.reports._curves import learning_curves
from automl.reports._curves import worker_timeline
from automl.reports._figures import PlotSkipped
from automl.reports._figures import plot_context
from automl.reports._study_plots import param_importances

STUDY_PLOTS = ["optimization_history", "param_importances", "parallel_coordinate", "slice",
               "contour", "learning_curves", "timeline"]


def report(tmp_path, name="s"):
    return generate_report(name, root=tmp_path, log_to_mlflow=False)


def test_a_varied_study_gets_every_study_plot(tmp_path):
    trials = [make_trial(n, value=0.5 + 0.1 * n, curve=(0.4, 0.5 + 0.1 * n)) for n in range(4)]
    make_study(tmp_path, "s", trials + [make_trial(4, TrialState.PRUNED, curve=(0.1,))])
    result = report(tmp_path)
    assert list(result.plots) == STUDY_PLOTS
    assert result.skipped == {}
    for path in result.plots.values():
        assert_png(path)
    assert result.html.is_file() and result.mlflow_run_id is None


def test_a_study_with_one_completed_trial_skips_what_needs_more(tmp_path, caplog):
    make_study(tmp_path, "s", [make_trial(0, value=0.7, curve=(0.6, 0.7))])
    with caplog.at_level(logging.INFO, logger="automl.reports"):
        result = report(tmp_path)
    assert list(result.plots) == ["optimization_history", "learning_curves", "timeline"]
    needs_two = "needs at least 2 completed trial(s), the study has 1"
    assert result.skipped == {
        "param_importances": needs_two, "parallel_coordinate": needs_two, "slice": needs_two,
        "contour": "needs two parameters that vary among the completed trials",
    }
    assert "Plot param_importances skipped: needs at least 2" in caplog.text
    page = result.html.read_text(encoding="utf-8")
    assert "<code>contour</code>: needs two parameters" in page


def test_an_empty_study_still_gets_a_page(tmp_path):
    make_study(tmp_path, "s", [])
    result = report(tmp_path)
    assert result.plots == {}
    assert set(result.skipped) == set(STUDY_PLOTS)
    assert result.skipped["timeline"] == "no trial has started"
    assert "No trial completed." in result.html.read_text(encoding="utf-8")


def test_a_study_without_mlflow_run_is_reported_but_not_logged(tmp_path, caplog):
    make_study(tmp_path, "s", [make_trial(0, value=0.7, curve=(0.7,))])
    with caplog.at_level(logging.WARNING, logger="automl.reports"):
        result = generate_report("s", root=tmp_path)
    assert result.html.is_file() and result.mlflow_run_id is None
    assert "Report not logged to MLflow: the search run of study 's' (none)" in caplog.text
    assert not (tmp_path / "mlflow.db").exists()


def test_constant_parameters_or_values_skip_importance(tmp_path):
    same = {"learning_rate": 0.01, "optimizer": "adam"}
    constant_params = make_study(tmp_path, "s", [make_trial(n, value=0.1 * n, params=same)
                                                 for n in range(3)])
    constant_values = make_study(tmp_path, "t", [make_trial(n, value=0.5) for n in range(3)])
    with pytest.raises(PlotSkipped, match="^no parameter takes two different values among "
                       "the completed trials$"):
        param_importances(constant_params, "val_accuracy")
    with pytest.raises(PlotSkipped, match="^every completed trial has the same objective"):
        param_importances(constant_values, "val_accuracy")


def test_a_stale_plot_is_removed_when_it_is_skipped_later(tmp_path):
    make_study(tmp_path, "s", [make_trial(n, value=0.1 * n, curve=(0.1,)) for n in range(3)])
    stale = tmp_path / "studies" / "s" / "report" / "best_roc_curve.png"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    write_test_outputs(stale.parents[1], "best", np.zeros(4, dtype=np.int64),
                       np.full((4, 2), 0.5), ["a", "b"], "binary")
    result = report(tmp_path)
    assert result.skipped["best_roc_curve"] == \
        "the test part holds a single class, so the curve is undefined"
    assert not stale.exists()
    assert "best_confusion_matrix" in result.plots


def test_pruned_trials_end_with_a_marker_on_the_learning_curves():
    trials = [make_trial(0, value=0.9, curve=(0.5, 0.8, 0.9)),
              make_trial(1, TrialState.PRUNED, curve=(0.2, 0.3)),
              make_trial(2, TrialState.FAIL, curve=(0.4,))]
    with plot_context() as plt:
        figure = learning_curves(trials, "val_accuracy", "maximize")
        axes = figure.axes[0]
        markers = [(line.get_marker(), tuple(line.get_xdata()), tuple(line.get_ydata()))
                   for line in axes.get_lines() if line.get_marker() == "X"]
        labels = [t.get_text() for t in axes.get_legend().get_texts()]
        plt.close(figure)
    assert markers == [("X", (1,), (0.3,))]
    assert labels == ["complete", "pruned (x: where it stopped)", "fail", "best (trial 0)"]


def test_the_timeline_has_one_row_per_worker_process():
    trials = [make_trial(n, value=0.5, pid=pid) for n, pid in enumerate((7, 8, 7, 8, 9))]
    with plot_context() as plt:
        figure = worker_timeline(trials)
        rows = [label.get_text() for label in figure.axes[0].get_yticklabels()]
        bars = len(figure.axes[0].patches)
        plt.close(figure)
    assert rows == ["pid 7", "pid 8", "pid 9"]
    assert bars == 5


def test_best_model_and_ensemble_outputs_get_their_own_plots_and_scores(tmp_path):
    x, y = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=500).fit(x[::2], y[::2])
    folder = tmp_path / "studies" / "s"
    names = ["setosa", "versicolor", "virginica"]
    write_test_outputs(folder, "best", y[1::2], model.predict_proba(x[1::2]), names, "multiclass")
    write_test_outputs(folder, "ensemble", y[1::2], np.full((75, 3), 1 / 3), names, "multiclass")
    make_study(tmp_path, "s", [make_trial(0, value=0.9, curve=(0.9,))])
    result = report(tmp_path)
    for label in ("best", "ensemble"):
        for kind in ("confusion_matrix", "roc_curve", "pr_curve"):
            assert_png(result.plots[f"{label}_{kind}"])
    page = result.html.read_text(encoding="utf-8")
    assert "<td>best model</td>" in page and "<td>ensemble</td>" in page
    assert '<td class="num">0.33333</td>' in page  # the uniform ensemble's accuracy


def test_regression_outputs_get_predicted_vs_true_and_residuals(tmp_path):
    rng = np.random.default_rng(0)
    y_true = rng.normal(100, 20, size=60)
    write_test_outputs(tmp_path / "studies" / "s", "best", y_true,
                       y_true + rng.normal(0, 5, size=60), [], "regression")
    make_study(tmp_path, "s", [make_trial(0, value=0.9)], direction="minimize")
    result = report(tmp_path)
    assert_png(result.plots["best_predicted_vs_true"])
    assert_png(result.plots["best_residuals"])
    assert "best_confusion_matrix" not in result.plots


def test_unknown_study_lists_the_available_ones(tmp_path):
    make_study(tmp_path, "alpha", [])
    make_study(tmp_path, "beta", [])
    with pytest.raises(ConfigError, match=r"Unknown study 'gamma' in '.*studies'\. Expected "
                       r"the name of an existing study\. Available studies: \['alpha', 'beta'\]"):
        generate_report("gamma", root=tmp_path)
    assert not (tmp_path / "studies" / "gamma").exists()


def test_report_after_search_logs_a_warning_instead_of_raising(tmp_path, caplog):
    job = {"study_name": "gone", "study_folder": str(tmp_path / "gone"),
           "storage": f"journal:{tmp_path / 'gone' / 'journal.log'}",
           "tracking_uri": "sqlite:///unused.db", "experiment_name": "gone",
           "parent_run_id": "0" * 32, "metric": "accuracy", "direction": "maximize"}
    with caplog.at_level(logging.WARNING, logger="automl.reports"):
        report_after_search(job)
    assert "The search report was not written: KeyError" in caplog.text


def test_importing_the_package_does_not_import_matplotlib():
    code = ("import sys, automl.reports; from automl.reports import report_after_search; "
            "print('matplotlib' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"
