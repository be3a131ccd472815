"""Text reports of a search: the top-trials table and the versions that make it reproducible."""

from __future__ import annotations

import importlib.metadata
import math
import platform
from typing import Any, Sequence

import optuna
from optuna.trial import TrialState

from automl.search._study import ATTR_PREFIX

_PACKAGES = ("automl", "tensorflow", "keras", "optuna", "mlflow", "scikit-learn", "pandas",
             "numpy")


def versions() -> dict[str, str]:
    """Versions of Python and the packages a search depends on (without importing them)."""
    found = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def ranked_trials(trials: Sequence[optuna.trial.FrozenTrial],
                  direction: str) -> list[optuna.trial.FrozenTrial]:
    """COMPLETE trials with a finite value, from best to worst.

    Ties on the objective (ROC AUC or accuracy often saturate on a small validation part) go to
    the lower validation loss (log loss, or RMSE for regression), then to the earlier trial.
    """
    sign = -1.0 if direction == "maximize" else 1.0
    complete = [t for t in trials if t.state == TrialState.COMPLETE and t.value is not None
                and math.isfinite(t.value)]

    def key(trial: optuna.trial.FrozenTrial) -> tuple[float, float, int]:
        loss = trial.user_attrs.get(ATTR_PREFIX + "tiebreak_loss")
        return sign * trial.value, loss if loss is not None else math.inf, trial.number

    return sorted(complete, key=key)


def top_trials_table(trials: Sequence[optuna.trial.FrozenTrial], direction: str, monitor: str,
                     k: int = 10) -> str:
    """A fixed-width table of the best ``k`` trials: rank, number, value, epochs, parameters."""
    rows = [("rank", "trial", monitor, "epochs", "parameters")]
    for rank, trial in enumerate(ranked_trials(trials, direction)[:k], start=1):
        params = ", ".join(f"{n}={_short(v)}" for n, v in trial.params.items())
        epochs = trial.user_attrs.get(ATTR_PREFIX + "n_epochs", "")
        rows.append((str(rank), str(trial.number), f"{trial.value:.5g}", str(epochs), params))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r[:4], widths, strict=True)) + "  " + r[4]
             for r in rows]
    return "\n".join(lines)


def _short(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
