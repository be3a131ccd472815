"""``automl worker --study-name NAME --storage URL``: add this host's workers to a search."""

from __future__ import annotations

import click


@click.command()
@click.option("--study-name", required=True, help="The study to join.")
@click.option("--storage", required=True,
              help="Optuna storage URL of the study, e.g. postgresql://user@db-host/automl.")
@click.option("--root", default="mlruns", show_default=True,
              help="Local folder for the dataset copy and the trials' files.")
@click.option("--tracking-uri", help="MLflow tracking URI, if it differs from the search's.")
@click.option("--workers", type=int,
              help="Worker processes on this host (default: one per visible GPU, else 1).")
@click.option("--gpus", help="GPUs for the workers: 'all' (default), 'none', or ids like '0,1'.")
@click.option("--quiet", "-q", is_flag=True, help="Print no progress.")
def worker(study_name: str, storage: str, root: str, tracking_uri: str | None,
           workers: int | None, gpus: str | None, quiet: bool) -> int:
    """Run trials of a study that `automl search` started, from this or another host.

    The search job and its dataset are read from the storage and the MLflow tracking server,
    so every host needs only these two addresses. Stops when the study's budget is spent.
    """
    from automl._devices import plan_devices
    from automl._devices import visible_gpus
    from automl.exceptions import ConfigError
    from automl.search._join import join_study

    plan = plan_devices(workers, gpus, visible_gpus() if gpus != "none" else [])
    if plan.n_workers < 1:
        raise ConfigError(f"Invalid value for '--workers': expected an integer >= 1. "
                          f"Received: {workers}.")
    status = join_study(study_name, storage, root=root, tracking_uri=tracking_uri,
                        n_workers=plan.n_workers, devices=plan.devices, quiet=quiet)
    return {"interrupted": 130, "terminated": 143, "failing": 1}.get(status, 0)
