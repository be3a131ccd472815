"""Matplotlib plumbing shared by the report's plots: the Agg backend, a clean style, saving.

Matplotlib is imported on first use, not when :mod:`automl.reports` is imported.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any, Iterator

import optuna

__all__ = ["PlotSkipped", "pyplot", "plot_context", "figure_of", "new_figure", "save_figure"]

DPI = 110


class PlotSkipped(Exception):
    """Raised by a plot function when the study cannot support the plot (too few trials...).

    It never leaves :mod:`automl.reports`: the report records the reason and goes on.

    Args:
        reason: Why the plot was skipped, in one line.

    Example:
        >>> raise PlotSkipped("needs 2 completed trials, found 1")
        Traceback (most recent call last):
        ...
        automl.reports._figures.PlotSkipped: needs 2 completed trials, found 1
    """


def pyplot() -> ModuleType:
    """Returns ``matplotlib.pyplot``, choosing the file-only Agg backend if none is chosen yet.

    Returns:
        The ``matplotlib.pyplot`` module.

    Example:
        >>> plt = pyplot()
        >>> plt.get_backend().lower()
        'agg'
    """
    if "matplotlib.pyplot" not in sys.modules:
        import matplotlib

        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


@contextlib.contextmanager
def plot_context() -> Iterator[ModuleType]:
    """Draws with the default style, restoring matplotlib's settings and Optuna's log level after.

    Optuna's matplotlib plots switch the global style to ``ggplot`` and warn that they are
    experimental; both stay inside this block.

    Yields:
        ``matplotlib.pyplot``.

    Example:
        >>> with plot_context() as plt:
        ...     figure, axes = plt.subplots()
        >>> plt.close(figure)
    """
    plt = pyplot()
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        with plt.rc_context(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            plt.style.use("default")
            yield plt
    finally:
        optuna.logging.set_verbosity(verbosity)


def figure_of(axes: Any) -> Any:
    """Returns the figure of an Axes or of an array of Axes (Optuna returns either).

    Args:
        axes: A ``matplotlib.axes.Axes`` or a numpy array of them.

    Returns:
        The ``matplotlib.figure.Figure`` holding them.

    Example:
        >>> with plot_context() as plt:
        ...     figure, axes = plt.subplots(1, 2)
        >>> figure_of(axes) is figure
        True
    """
    first = axes.flat[0] if hasattr(axes, "flat") else axes
    return first.figure


def new_figure(width: float = 7.0, height: float = 4.5, ncols: int = 1) -> tuple[Any, Any]:
    """Creates a figure with ``ncols`` side-by-side Axes.

    Args:
        width: Width in inches.
        height: Height in inches.
        ncols: Number of Axes.

    Returns:
        ``(figure, axes)``; ``axes`` is one Axes when ``ncols`` is 1, else an array.

    Example:
        >>> with plot_context():
        ...     figure, axes = new_figure(ncols=2)
        >>> len(axes)
        2
    """
    return pyplot().subplots(1, ncols, figsize=(width, height), layout="constrained")


def save_figure(figure: Any, path: Path) -> Path:
    """Writes a figure as PNG (atomically) and closes it.

    Args:
        figure: A ``matplotlib.figure.Figure``.
        path: Target file; its folder is created if needed.

    Returns:
        ``path``.

    Example:
        >>> with plot_context():
        ...     figure, axes = new_figure()
        >>> save_figure(figure, Path(tmp) / "empty.png").name  # doctest: +SKIP
        'empty.png'
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.stem}.{os.getpid()}.tmp")
    try:
        figure.savefig(staging, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
        os.replace(staging, path)
    finally:
        pyplot().close(figure)
        staging.unlink(missing_ok=True)
    return path
