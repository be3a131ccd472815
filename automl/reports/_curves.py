"""Plots drawn by hand because no library has them: the learning curves of all trials with the
pruned ones marked, and a timeline of the trials run by each worker process.

Both read only Optuna's frozen trials (intermediate values are the validation objective after
each epoch, step = epoch; the worker is the trial's ``automl.worker`` user attribute).
"""

from __future__ import annotations

import datetime
from typing import Any, Sequence

from optuna.trial import FrozenTrial
from optuna.trial import TrialState

from automl.reports._figures import PlotSkipped
from automl.reports._figures import new_figure
from automl.search._progress import best_trial

__all__ = ["STATE_COLORS", "learning_curves", "worker_timeline"]

STATE_COLORS = {"COMPLETE": "tab:blue", "PRUNED": "tab:orange", "FAIL": "tab:red",
                "RUNNING": "tab:green", "WAITING": "tab:gray"}
_MAX_LABELLED_BARS = 60


def learning_curves(trials: Sequence[FrozenTrial], target_name: str, direction: str) -> Any:
    """The validation objective per epoch of every trial; a pruned trial ends with an ``x``.

    Args:
        trials: The study's trials.
        target_name: Name of the objective, e.g. ``"val_roc_auc"``.
        direction: ``"maximize"`` or ``"minimize"``; the best trial is drawn in black.

    Returns:
        The figure.

    Raises:
        PlotSkipped: If no trial reported a value after an epoch.

    Example:
        >>> learning_curves(study.trials, "val_accuracy", "maximize")  # doctest: +SKIP
    """
    curves = [t for t in trials if t.intermediate_values]
    if not curves:
        raise PlotSkipped("no trial reported a validation value after an epoch")
    figure, axes = new_figure(8.0, 5.0)
    for trial in curves:
        _draw_curve(axes, trial)
    best = best_trial(trials, direction)
    if best is not None and best.intermediate_values:
        steps, values = _curve(best)
        axes.plot(steps, values, color="black", linewidth=2.5, marker="o", markersize=4,
                  label=f"best (trial {best.number})", zorder=5)
    _learning_legend(axes, curves)
    pruned = sum(t.state == TrialState.PRUNED for t in curves)
    better = "higher" if direction == "maximize" else "lower"
    axes.set_title(f"Learning curves of {len(curves)} trials ({pruned} pruned); "
                   f"{better} is better")
    axes.set_xlabel("epoch")
    axes.set_ylabel(target_name)
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.grid(alpha=0.3)
    return figure


def _curve(trial: FrozenTrial) -> tuple[list[int], list[float]]:
    steps = sorted(trial.intermediate_values)
    return steps, [trial.intermediate_values[step] for step in steps]


def _draw_curve(axes: Any, trial: FrozenTrial) -> None:
    steps, values = _curve(trial)
    color = STATE_COLORS.get(trial.state.name, "tab:gray")
    style = ":" if trial.state == TrialState.FAIL else "-"
    axes.plot(steps, values, color=color, linestyle=style, linewidth=1.2, alpha=0.75)
    if trial.state == TrialState.PRUNED:
        axes.plot(steps[-1], values[-1], marker="X", markersize=9, color=color,
                  markeredgecolor="black", linestyle="none", zorder=4)


def _learning_legend(axes: Any, curves: Sequence[FrozenTrial]) -> None:
    from matplotlib.lines import Line2D

    present = {t.state.name for t in curves}
    handles = [Line2D([], [], color=STATE_COLORS.get(name, "tab:gray"),
                      linestyle=":" if name == "FAIL" else "-",
                      marker="X" if name == "PRUNED" else None, markeredgecolor="black",
                      label=name.lower() if name != "PRUNED" else "pruned (x: where it stopped)")
               for name in STATE_COLORS if name in present]
    handles += [h for h in axes.get_lines() if not h.get_label().startswith("_")]
    axes.legend(handles=handles, loc="best", fontsize="small")


def worker_timeline(trials: Sequence[FrozenTrial]) -> Any:
    """When each trial ran, one row per worker process, bars colored by the trial's state.

    Args:
        trials: The study's trials.

    Returns:
        The figure.

    Raises:
        PlotSkipped: If no trial has started.

    Example:
        >>> worker_timeline(study.trials).savefig("timeline.png")  # doctest: +SKIP
    """
    started = [t for t in trials if t.datetime_start is not None]
    if not started:
        raise PlotSkipped("no trial has started")
    labels = _worker_labels(started)
    rows = list(dict.fromkeys(labels[t.number] for t in
                              sorted(started, key=lambda t: t.datetime_start)))
    origin = min(t.datetime_start for t in started)
    figure, axes = new_figure(9.0, max(2.6, 0.55 * len(rows) + 1.6))
    for trial in started:
        _draw_bar(axes, trial, rows.index(labels[trial.number]), origin,
                  show_number=len(started) <= _MAX_LABELLED_BARS)
    axes.set_yticks(range(len(rows)), rows)
    axes.invert_yaxis()
    axes.set_xlabel("seconds since the first trial started")
    axes.set_title(f"Timeline of {len(started)} trials on {len(rows)} worker process(es)")
    _state_legend(axes, {t.state.name for t in started})
    axes.grid(axis="x", alpha=0.3)
    return figure


def _worker_labels(trials: Sequence[FrozenTrial]) -> dict[int, str]:
    """Trial number -> ``"pid 123"`` (``"host pid 123"`` when trials ran on several hosts)."""
    owners = {t.number: t.user_attrs.get("automl.worker") or {} for t in trials}
    hosts = {owner.get("host") for owner in owners.values() if owner}
    labels = {}
    for number, owner in owners.items():
        if not owner:
            labels[number] = "unknown worker"
            continue
        host = f"{owner.get('host')} " if len(hosts) > 1 else ""
        labels[number] = f"{host}pid {owner.get('pid')}"
    return labels


def _draw_bar(axes: Any, trial: FrozenTrial, row: int, origin: datetime.datetime, *,
              show_number: bool) -> None:
    start = trial.datetime_start
    end = trial.datetime_complete or datetime.datetime.now(start.tzinfo)
    left = (start - origin).total_seconds()
    width = max((end - start).total_seconds(), 0.05)
    axes.barh(row, width, left=left, height=0.6, edgecolor="white",
              color=STATE_COLORS.get(trial.state.name, "tab:gray"))
    if show_number:
        axes.text(left + width / 2, row, str(trial.number), ha="center", va="center",
                  fontsize="x-small", color="white", fontweight="bold")


def _state_legend(axes: Any, states: set[str]) -> None:
    from matplotlib.patches import Patch

    handles = [Patch(color=color, label=name.lower()) for name, color in STATE_COLORS.items()
               if name in states]
    axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
