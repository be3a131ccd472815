"""generate_report: write a study's plots as PNG and one self-contained HTML page, and log them
to the search's MLflow parent run under ``report/``.

A plot the study cannot support (importance with one completed trial, ROC with one class...) is
skipped with a logged note; so is a plot that fails while drawing, so one bad plot never costs
the rest of the report. Matplotlib and MLflow are imported when a report is built, so the search
can import :func:`report_after_search` cheaply.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any, Mapping

from automl.reports._model_plots import find_model_outputs
from automl.reports._source import StudySource
from automl.reports._source import open_study_source
from automl.reports._source import source_from_job

__all__ = ["ReportResult", "generate_report", "report_after_search", "build_report"]

logger = logging.getLogger("automl.reports")

REPORT_FOLDER = "report"
MLFLOW_FOLDER = "report"


@dataclasses.dataclass
class ReportResult:
    """What :func:`generate_report` wrote.

    Attributes:
        plots: Plot name -> PNG file, in display order.
        html: The HTML page, or None when not asked for.
        skipped: Plot name -> why it was not drawn.
        mlflow_run_id: The MLflow run the files were logged to (None if not logged).

    Example:
        >>> result = generate_report("my-study")  # doctest: +SKIP
        >>> sorted(result.plots)[:2]  # doctest: +SKIP
        ['best_confusion_matrix', 'best_pr_curve']
    """

    plots: dict[str, Path]
    html: Path | None
    skipped: dict[str, str] = dataclasses.field(default_factory=dict)
    mlflow_run_id: str | None = None


def generate_report(study_name: str, *, root: str | Path = "mlruns", storage: str | None = None,
                    tracking_uri: str | None = None, output_dir: str | Path | None = None,
                    html: bool = True, log_to_mlflow: bool = True) -> ReportResult:
    """Writes the plots (PNG) and the HTML page of a study, and logs them to MLflow.

    Args:
        study_name: The study.
        root: The local store holding ``studies/<study_name>/``.
        storage: Optuna storage URL (default: the study's job file, then its journal file).
        tracking_uri: MLflow tracking URI (default: the study's job file, then SQLite under
            ``root``).
        output_dir: Folder for the files (default: ``<root>/studies/<study_name>/report``).
        html: Also write ``report.html``.
        log_to_mlflow: Log the files to the search's MLflow parent run under ``report/``.

    Returns:
        The files written and the plots skipped.

    Raises:
        ConfigError: If no such study exists (the message lists the available ones).

    Example:
        >>> result = generate_report("my-study", root="mlruns")  # doctest: +SKIP
        >>> result.html  # doctest: +SKIP
        PosixPath('mlruns/studies/my-study/report/report.html')
    """
    source = open_study_source(study_name, root=root, storage=storage, tracking_uri=tracking_uri)
    return build_report(source, output_dir=output_dir, html=html, log_to_mlflow=log_to_mlflow)


def report_after_search(job: Mapping[str, Any]) -> None:
    """Writes the report of a search that just ended; a failure is logged, never raised.

    Args:
        job: The search's job dict (``study_name``, ``study_folder``, ``storage``,
            ``tracking_uri``, ``experiment_name``, ``parent_run_id``, ``metric``,
            ``direction``).

    Example:
        >>> report_after_search(json.load(open("mlruns/studies/s/job.json")))  # doctest: +SKIP
    """
    try:
        result = build_report(source_from_job(job))
    except Exception as error:  # plots must never fail a finished search
        logger.warning("The search report was not written: %s: %s", type(error).__name__, error)
        return
    logger.info("Report with %d plots written to %s", len(result.plots), result.html)


def build_report(source: StudySource, *, output_dir: str | Path | None = None,
                 html: bool = True, log_to_mlflow: bool = True) -> ReportResult:
    """Writes the report of an opened study (see :func:`generate_report`).

    Args:
        source: The study and its files.
        output_dir: Folder for the files (default: ``<study folder>/report``).
        html: Also write ``report.html``.
        log_to_mlflow: Log the files to the search's MLflow parent run.

    Returns:
        The files written and the plots skipped.

    Example:
        >>> build_report(open_study_source("my-study"), html=False)  # doctest: +SKIP
    """
    from automl.reports._page import write_page
    from automl.reports._plots import draw_plot
    from automl.reports._plots import plot_makers

    folder = Path(output_dir) if output_dir else source.paths.folder / REPORT_FOLDER
    models = find_model_outputs(source.paths.folder)
    plots, skipped = {}, {}
    for name, make in plot_makers(source, models).items():
        path, reason = draw_plot(name, make, folder)
        if path is not None:
            plots[name] = path
        else:
            skipped[name] = reason
    page = write_page(source, models, plots, skipped, folder) if html else None
    run_id = _log_to_mlflow(source, plots, page) if log_to_mlflow else None
    return ReportResult(plots=plots, html=page, skipped=skipped, mlflow_run_id=run_id)


def _log_to_mlflow(source: StudySource, plots: dict[str, Path], page: Path | None) -> str | None:
    if source.parent_run() is None:
        logger.warning("Report not logged to MLflow: the search run of study '%s' (%s) is not "
                       "in the tracking store.", source.name, source.parent_run_id or "none")
        return None
    files = [*plots.values(), *([page] if page else [])]
    source.tracker().log_search_results(source.parent_run_id, artifacts=files,
                                        artifact_path=MLFLOW_FOLDER)
    return source.parent_run_id
