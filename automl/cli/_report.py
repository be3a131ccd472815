"""``automl report`` (plots and an HTML page of a study) and ``automl trials`` (its trials)."""

from __future__ import annotations

from pathlib import Path

import click

_FORMATS = ("table", "csv", "json")

_study_option = click.option("--study-name", required=True, help="The study to report on.")
_root_option = click.option("--root", default="mlruns", show_default=True,
                            help="Folder of the local store holding studies/<name>/.")
_storage_option = click.option("--storage", help="Optuna storage URL (default: the study's "
                               "own, as its last search used it).")


@click.command()
@_study_option
@_root_option
@_storage_option
@click.option("--tracking-uri", help="MLflow tracking URI (default: the study's own).")
@click.option("--output", "-o", type=click.Path(path_type=Path),
              help="Folder for the plots and report.html (default: <root>/studies/<name>/report).")
def report(study_name: str, root: str, storage: str | None, tracking_uri: str | None,
           output: Path | None) -> int:
    """Write the plots of a study as PNG and one self-contained HTML page.

    The plots (optimization history, importance, parallel coordinates, slice and contour,
    learning curves, timeline per worker, and the best model's test plots) are also logged to
    the search's MLflow run under report/.
    """
    from automl.reports import generate_report

    result = generate_report(study_name, root=root, storage=storage, tracking_uri=tracking_uri,
                             output_dir=output)
    folder = result.html.parent if result.html else output
    skipped = f" ({len(result.skipped)} skipped, see the log)" if result.skipped else ""
    click.echo(f"Wrote {len(result.plots)} plots to {folder}{skipped}")
    if result.mlflow_run_id:
        click.echo(f"Logged to MLflow run {result.mlflow_run_id} under report/")
    click.echo(f"Open in a browser: {result.html}")
    return 0


@click.command()
@_study_option
@click.option("--format", "output_format", type=click.Choice(_FORMATS), default="table",
              show_default=True, help="Aligned table, CSV or JSON.")
@_root_option
@_storage_option
def trials(study_name: str, output_format: str, root: str, storage: str | None) -> int:
    """Print the trials of a study: number, state, value, duration, epochs and parameters."""
    from automl.reports import format_trials

    click.echo(format_trials(study_name, root=root, storage=storage,
                             output_format=output_format))
    return 0
