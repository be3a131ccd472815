"""Reports of a search: plots (PNG), one self-contained HTML page, and the trials table.

``generate_report`` writes the plots of a study (optimization history, hyperparameter
importance, parallel coordinates, slice and contour plots, learning curves, a timeline per
worker, and the best model's confusion matrix and ROC/PR curves or predicted-versus-true and
residual plots) into ``<root>/studies/<study>/report/``, writes ``report.html`` beside them and
logs everything to the search's MLflow parent run under ``report/``.

Importing this package is cheap: Optuna, matplotlib and MLflow load on first use.

Example:
    >>> from automl.reports import generate_report, format_trials
    >>> result = generate_report("my-study", root="mlruns")  # doctest: +SKIP
    >>> print(format_trials("my-study", output_format="table"))  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from automl._lazy import lazy_exports

if TYPE_CHECKING:
    from automl.reports._generate import ReportResult
    from automl.reports._generate import generate_report
    from automl.reports._generate import report_after_search
    from automl.reports._image_plots import image_model_artifacts
    from automl.reports._image_plots import misclassified_indices
    from automl.reports._source import available_studies
    from automl.reports._trials import format_trials

__all__ = [
    "ReportResult",
    "available_studies",
    "format_trials",
    "generate_report",
    "image_model_artifacts",
    "misclassified_indices",
    "report_after_search",
]

_LAZY = {
    "ReportResult": "automl.reports._generate",
    "generate_report": "automl.reports._generate",
    "report_after_search": "automl.reports._generate",
    "available_studies": "automl.reports._source",
    "format_trials": "automl.reports._trials",
    "image_model_artifacts": "automl.reports._image_plots",
    "misclassified_indices": "automl.reports._image_plots",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
