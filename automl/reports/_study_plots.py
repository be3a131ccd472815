"""Plots of the whole study drawn by Optuna's matplotlib module: optimization history,
hyperparameter importance, parallel coordinates of the top trials, slice and contour plots.

Each function returns a matplotlib Figure, or raises :class:`PlotSkipped` when the study cannot
support the plot (for example importance with fewer than two completed trials).
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import optuna
from optuna.trial import FrozenTrial
from optuna.trial import TrialState
from optuna.visualization import matplotlib as optuna_plots

from automl.reports._figures import PlotSkipped
from automl.reports._figures import figure_of
from automl.search._report import ranked_trials

__all__ = [
    "TOP_TRIALS",
    "completed_trials",
    "important_params",
    "optimization_history",
    "param_importances",
    "parallel_coordinate",
    "slice_plot",
    "contour_plot",
]

TOP_TRIALS = 20


def completed_trials(study: optuna.Study) -> list[FrozenTrial]:
    """COMPLETE trials of the study with a finite objective value.

    Args:
        study: The study.

    Returns:
        The trials, in trial-number order.

    Example:
        >>> completed_trials(optuna.create_study())
        []
    """
    return [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            if t.value is not None and math.isfinite(t.value)]


def _require_completed(study: optuna.Study, at_least: int) -> list[FrozenTrial]:
    trials = completed_trials(study)
    if len(trials) < at_least:
        raise PlotSkipped(f"needs at least {at_least} completed trial(s), the study has "
                          f"{len(trials)}")
    return trials


def _varying_params(trials: Sequence[FrozenTrial]) -> list[str]:
    """Parameter names taking at least two distinct values among ``trials`` (first-seen order)."""
    seen: dict[str, set[str]] = {}
    for trial in trials:
        for name, value in trial.params.items():
            seen.setdefault(name, set()).add(repr(value))
    return [name for name, values in seen.items() if len(values) > 1]


def important_params(study: optuna.Study, k: int = 2) -> list[str]:
    """The ``k`` parameters that matter most: by Optuna's importance, or first varying ones.

    Args:
        study: The study.
        k: How many names to return at most.

    Returns:
        Parameter names, most important first; only parameters that vary among completed
        trials (empty if none does).

    Example:
        >>> important_params(optuna.create_study())
        []
    """
    trials = completed_trials(study)
    varying = _varying_params(trials)
    if len(varying) <= 1 or len({t.value for t in trials}) < 2:
        return varying[:k]
    return list(optuna.importance.get_param_importances(study, params=varying))[:k]


def optimization_history(study: optuna.Study, target_name: str) -> Any:
    """Objective of every completed trial with the best value so far.

    Args:
        study: The study.
        target_name: Name of the objective on the axes, e.g. ``"val_roc_auc"``.

    Returns:
        The figure.

    Raises:
        PlotSkipped: If no trial completed.

    Example:
        >>> optimization_history(study, "val_accuracy").savefig("history.png")  # doctest: +SKIP
    """
    _require_completed(study, 1)
    axes = optuna_plots.plot_optimization_history(study, target_name=target_name)
    axes.set_title(f"Optimization history ({study.direction.name.lower()} {target_name})")
    return figure_of(axes)


def param_importances(study: optuna.Study, target_name: str) -> Any:
    """Importance of each hyperparameter (Optuna's default evaluator, PED-ANOVA).

    Args:
        study: The study.
        target_name: Name of the objective on the axes.

    Returns:
        The figure.

    Raises:
        PlotSkipped: With fewer than 2 completed trials, or when no parameter or no objective
            value varies among them.

    Example:
        >>> param_importances(study, "val_rmse").savefig("importance.png")  # doctest: +SKIP
    """
    trials = _require_completed(study, 2)
    varying = _varying_params(trials)
    if not varying:
        raise PlotSkipped("no parameter takes two different values among the completed trials")
    if len({t.value for t in trials}) < 2:
        raise PlotSkipped("every completed trial has the same objective value")
    axes = optuna_plots.plot_param_importances(study, params=varying, target_name=target_name)
    axes.set_title(f"Hyperparameter importance for {target_name}", loc="left")
    return figure_of(axes)


def _top_study(study: optuna.Study, top: int) -> optuna.Study:
    """An in-memory copy of the study holding only its ``top`` best completed trials."""
    direction = study.direction.name.lower()
    best = ranked_trials(completed_trials(study), direction)[:top]
    copy = optuna.create_study(direction=direction, study_name=f"{study.study_name}-top{top}")
    copy.add_trials(sorted(best, key=lambda t: t.number))
    return copy


def parallel_coordinate(study: optuna.Study, target_name: str, top: int = TOP_TRIALS) -> Any:
    """Parameters of the ``top`` best trials side by side, lines colored by objective.

    Args:
        study: The study.
        target_name: Name of the objective on the axes.
        top: How many of the best completed trials to draw.

    Returns:
        The figure.

    Raises:
        PlotSkipped: With fewer than 2 completed trials or no parameters.

    Example:
        >>> parallel_coordinate(study, "val_f1", top=10).savefig("par.png")  # doctest: +SKIP
    """
    trials = _require_completed(study, 2)
    if not any(t.params for t in trials):
        raise PlotSkipped("the completed trials have no parameters")
    shown = min(top, len(trials))
    axes = optuna_plots.plot_parallel_coordinate(_top_study(study, top), target_name=target_name)
    figure = figure_of(axes)
    figure.set_size_inches(max(7.0, 1.6 * (len(_varying_params(trials)) + 2)), 5.0)
    axes.set_title(f"Parallel coordinates of the top {shown} of {len(trials)} completed trials")
    return figure


def slice_plot(study: optuna.Study, params: Sequence[str], target_name: str) -> Any:
    """Objective against each of ``params``, one panel per parameter.

    Args:
        study: The study.
        params: Parameter names (the most important ones).
        target_name: Name of the objective on the axes.

    Returns:
        The figure.

    Raises:
        PlotSkipped: With fewer than 2 completed trials or no varying parameter.

    Example:
        >>> slice_plot(study, ["units", "dropout"], "val_accuracy")  # doctest: +SKIP
    """
    _require_completed(study, 2)
    if not params:
        raise PlotSkipped("no parameter takes two different values among the completed trials")
    axes = optuna_plots.plot_slice(study, params=list(params), target_name=target_name)
    figure = figure_of(axes)
    figure.set_size_inches(4.0 * len(params) + 1.5, 4.5)
    title = f"{target_name} against the most important parameter(s)"
    if hasattr(axes, "flat"):
        figure.suptitle(title)
    else:
        axes.set_title(title)
    return figure


def contour_plot(study: optuna.Study, params: Sequence[str], target_name: str) -> Any:
    """Interpolated objective over the plane of two parameters, with the trials as dots.

    Args:
        study: The study.
        params: Exactly two parameter names.
        target_name: Name of the objective on the color bar.

    Returns:
        The figure.

    Raises:
        PlotSkipped: Without two varying parameters set together in at least 3 completed trials.

    Example:
        >>> contour_plot(study, ["units", "learning_rate"], "val_rmse")  # doctest: +SKIP
    """
    if len(params) < 2:
        raise PlotSkipped("needs two parameters that vary among the completed trials")
    both = [t for t in completed_trials(study) if all(name in t.params for name in params)]
    if len(both) < 3 or not set(params[:2]) <= set(_varying_params(both)):
        raise PlotSkipped(f"needs 3 completed trials varying both {params[0]!r} and "
                          f"{params[1]!r}, the study has {len(both)} with both set")
    axes = optuna_plots.plot_contour(study, params=list(params[:2]), target_name=target_name)
    axes.set_title(f"{target_name} over {params[0]} and {params[1]}")
    return figure_of(axes)
