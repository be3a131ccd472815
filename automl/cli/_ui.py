"""``automl ui``: the MLflow UI on the local store, bound to 127.0.0.1."""

from __future__ import annotations

import click


@click.command()
@click.option("--root", default="mlruns", show_default=True, help="Folder of the local store.")
@click.option("--tracking-uri", help="MLflow tracking URI (default: SQLite under --root).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; the UI has no authentication, so keep it local.")
@click.option("--port", type=int, default=5000, show_default=True)
def ui(root: str, tracking_uri: str | None, host: str, port: int) -> int:
    """Start the MLflow UI (one lean server process) on the search store."""
    from automl.tracking import default_tracking_uri
    from automl.tracking import redact_uri
    from automl.tracking import run_ui

    uri = tracking_uri or default_tracking_uri(root)
    click.echo(f"MLflow UI for {redact_uri(uri)} at http://{host}:{port}  (Ctrl+C to stop)",
               err=True)
    return run_ui(uri, host=host, port=port)
