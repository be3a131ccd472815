"""MLflow tracking: one experiment per study, a search run, and a child run per trial.

This is the only package of automl that imports MLflow. ``MlflowTracker`` and ``TrialRun`` load
MLflow (about 2 s) on first access; the URI helpers and ``ui_command`` do not.

Example:
    >>> from automl.tracking import MlflowTracker, default_tracking_uri
    >>> tracker = MlflowTracker(default_tracking_uri("mlruns"), "iris-mlp")
    >>> experiment_id = tracker.setup()  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from automl._lazy import lazy_exports
from automl.tracking._ui import run_ui
from automl.tracking._ui import ui_command
from automl.tracking._uri import default_tracking_uri
from automl.tracking._uri import redact_uri

if TYPE_CHECKING:
    from automl.tracking._mlflow import MlflowTracker
    from automl.tracking._trial import TrialRun

__all__ = [
    "MlflowTracker",
    "TrialRun",
    "default_tracking_uri",
    "redact_uri",
    "run_ui",
    "ui_command",
]

_LAZY = {
    "MlflowTracker": "automl.tracking._mlflow",
    "TrialRun": "automl.tracking._trial",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
