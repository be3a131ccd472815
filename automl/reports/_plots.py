"""Which plots a report draws, with their captions, and how one plot is drawn and saved.

Importing this module imports matplotlib (through Optuna's plotting module).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable

from automl.reports._curves import learning_curves
from automl.reports._curves import worker_timeline
from automl.reports._figures import PlotSkipped
from automl.reports._figures import plot_context
from automl.reports._figures import save_figure
from automl.reports._model_plots import ModelOutputs
from automl.reports._model_plots import model_plot_makers
from automl.reports._source import StudySource
from automl.reports._study_plots import contour_plot
from automl.reports._study_plots import important_params
from automl.reports._study_plots import optimization_history
from automl.reports._study_plots import param_importances
from automl.reports._study_plots import parallel_coordinate
from automl.reports._study_plots import slice_plot

__all__ = ["CAPTIONS", "PlotMaker", "caption", "draw_plot", "plot_makers"]

logger = logging.getLogger("automl.reports")

PlotMaker = Callable[[], Any]

CAPTIONS = {
    "optimization_history": "Objective of each completed trial and the best so far: is the "
                            "search still improving?",
    "param_importances": "Which hyperparameters matter (Optuna's PED-ANOVA importance).",
    "parallel_coordinate": "Parameters of the best trials, colored by objective: where the good "
                           "region is.",
    "slice": "Objective against each of the two most important parameters.",
    "contour": "Objective over the two most important parameters (interpolated; dots are "
               "trials).",
    "learning_curves": "Validation objective after each epoch of every trial; pruned trials "
                       "end with an x, the best trial is black.",
    "timeline": "When each trial ran, one row per worker process, colored by outcome.",
    "confusion_matrix": "Test rows by true class (rows) and predicted class (columns).",
    "roc_curve": "True-positive against false-positive rate on the test part.",
    "pr_curve": "Precision against recall on the test part.",
    "predicted_vs_true": "True against predicted target values on the test part.",
    "residuals": "Errors on the test part against the prediction, and their distribution.",
}


def plot_makers(source: StudySource, models: list[ModelOutputs]) -> dict[str, PlotMaker]:
    """The report's plots by name, in display order, each a function making its figure.

    Args:
        source: The study.
        models: Test outputs of the best model (and of ensembles, if any).

    Returns:
        ``{name: make_figure}``; a maker raises :class:`PlotSkipped` when the study cannot
        support its plot.

    Example:
        >>> list(plot_makers(source, []))[:2]  # doctest: +SKIP
        ['optimization_history', 'param_importances']
    """
    study, target = source.study, source.target_name
    trials = study.get_trials(deepcopy=False)
    top: list[list[str]] = []

    def top_params() -> list[str]:  # importance is computed once, on first use
        if not top:
            top.append(important_params(study, k=2))
        return top[0]

    makers: dict[str, PlotMaker] = {
        "optimization_history": lambda: optimization_history(study, target),
        "param_importances": lambda: param_importances(study, target),
        "parallel_coordinate": lambda: parallel_coordinate(study, target),
        "slice": lambda: slice_plot(study, top_params(), target),
        "contour": lambda: contour_plot(study, top_params(), target),
        "learning_curves": lambda: learning_curves(trials, target, source.direction),
        "timeline": lambda: worker_timeline(trials),
    }
    for model in models:
        makers.update(model_plot_makers(model))
    return makers


def draw_plot(name: str, make: PlotMaker, folder: Path) -> tuple[Path | None, str]:
    """Draws one plot and saves it as ``<folder>/<name>.png``.

    A plot the study cannot support, or one that fails while drawing, is logged and skipped
    (its stale file from an earlier report is removed), so one bad plot never costs the rest.

    Args:
        name: The plot's name (file stem).
        make: Function making the figure.
        folder: Where the PNG goes.

    Returns:
        ``(path, "")`` when drawn, ``(None, reason)`` when skipped.

    Example:
        >>> draw_plot("timeline", lambda: worker_timeline([]), Path("report"))  # doctest: +SKIP
        (None, 'no trial has started')
    """
    target = folder / f"{name}.png"
    with plot_context() as plt:
        before = set(plt.get_fignums())
        try:
            return save_figure(make(), target), ""
        except PlotSkipped as skip:
            reason = str(skip)
            logger.info("Plot %s skipped: %s", name, reason)
        except Exception as error:  # one broken plot must not cost the rest of the report
            reason = f"failed: {type(error).__name__}: {error}"
            logger.warning("Plot %s %s", name, reason)
        for number in set(plt.get_fignums()) - before:
            plt.close(number)
    target.unlink(missing_ok=True)
    return None, reason


def caption(name: str) -> str:
    """What a plot answers, for the HTML page.

    Args:
        name: The plot's name, e.g. ``"timeline"`` or ``"best_roc_curve"``.

    Returns:
        The caption (empty for an unknown name).

    Example:
        >>> caption("best_pr_curve")
        'Best model: Precision against recall on the test part.'
    """
    for kind, text in CAPTIONS.items():
        if name == kind:
            return text
        if name.endswith("_" + kind):
            label = name.removesuffix("_" + kind)
            return f"{'Best model' if label == 'best' else label}: {text}"
    return ""
