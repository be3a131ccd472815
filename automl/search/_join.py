"""``automl worker``: join a running study's search from this or another host."""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import Any, TextIO

import optuna

from automl.data._image_dataset import IMAGE_DATASET_FILE
from automl.exceptions import ConfigError
from automl.search._progress import Progress
from automl.search._runner import failure_handler
from automl.search._study import ATTR_PREFIX
from automl.search._study import StudyPaths
from automl.search._study import open_storage
from automl.search._supervisor import Supervisor
from automl.tracking import MlflowTracker
from automl.tracking import redact_uri


def _load_job(study_name: str, storage_url: str) -> dict[str, Any]:
    storage = open_storage(storage_url)
    names = optuna.study.get_all_study_names(storage=storage)
    if study_name not in names:
        raise ConfigError(f"Study '{study_name}' not found in storage "
                          f"'{redact_uri(storage_url)}'. Available studies: {sorted(names)}.")
    study = optuna.load_study(study_name=study_name, storage=storage)
    job = study.user_attrs.get(ATTR_PREFIX + "job")
    if job is None:
        raise ConfigError(f"Study '{study_name}' was not made by 'automl search': it has no "
                          "search job to join. Start it with 'automl search' first.")
    return dict(job)


def _fetch_dataset(job: dict[str, Any], paths: StudyPaths) -> None:
    """Downloads the search dataset from the search's MLflow run unless it is here already."""
    if any((paths.search_dataset / name).exists() for name in ("arrays.npz", IMAGE_DATASET_FILE)):
        return
    tracker = MlflowTracker(job["tracking_uri"], job["experiment_name"])
    tracker.download_artifacts(job["parent_run_id"], paths.search_dataset.name, paths.folder)


def _check_image_files(job: dict[str, Any], paths: StudyPaths) -> None:
    """An image study lists its files by path: this host must see them at the same paths."""
    if not (paths.search_dataset / IMAGE_DATASET_FILE).exists():
        return
    from automl.data import load_saved_dataset

    dataset = load_saved_dataset(paths.search_dataset)
    missing = [path for path in dataset.files("train")[:1] + dataset.files("val")[:1]
               if not Path(path).is_file()]
    if missing:
        raise ConfigError(f"Study '{job['study_name']}' searches an image folder this host "
                          f"cannot see: '{missing[0]}' not found. Expected the images at the "
                          "same paths as on the host that started the search (a shared "
                          "file system).")


def join_study(study_name: str, storage_url: str, *, root: str = "mlruns",
               tracking_uri: str | None = None, n_workers: int = 1,
               devices: tuple[str, ...] = (), quiet: bool = False,
               stream: TextIO | None = None) -> str:
    """Runs worker processes on this host for a study that ``automl search`` started.

    The search job (space, training settings, tracking) is read from the study itself and
    the search dataset from the search's MLflow run, so the host needs only the storage URL
    and access to the tracking server. Trials count towards the study's one budget.

    Args:
        study_name: The study to join.
        storage_url: Its Optuna storage (a database every host can reach).
        root: Local folder for the dataset copy and the trials' files.
        tracking_uri: MLflow tracking URI, if it differs from the one the search uses.
        n_workers: Worker processes on this host.
        devices: GPU ids of this host for the worker slots (see :mod:`automl._devices`).
        quiet: Print no progress.
        stream: Where progress goes (standard error by default).

    Returns:
        The supervisor's final status (``"finished"``, ``"timeout"``, ...).
    """
    job = _load_job(study_name, storage_url)
    paths = StudyPaths.for_study(root, study_name)
    job.update(study_folder=str(paths.folder), storage=storage_url, n_workers=n_workers,
               devices=list(devices))
    if tracking_uri:
        job["tracking_uri"] = tracking_uri
    _fetch_dataset(job, paths)
    _check_image_files(job, paths)
    study = optuna.load_study(study_name=study_name, storage=open_storage(
        storage_url, heartbeat_interval=job.get("heartbeat_interval"),
        max_retries=int(job.get("max_retries", 2))))
    tracker = MlflowTracker(job["tracking_uri"], job["experiment_name"])
    progress = Progress(int(job["n_trials"]), f"val_{job['metric']}", job["direction"],
                        quiet=quiet, stream=stream or sys.stderr)
    progress.skip_existing(study.get_trials(deepcopy=False))
    progress.echo(f"Joined study '{study_name}' from {socket.gethostname()} with {n_workers} "
                  f"worker(s); files under {Path(paths.folder)}.")
    supervisor = Supervisor(
        job, study, progress,
        on_trial_failed=failure_handler(study, tracker, int(job["n_trials"]),
                                        int(job.get("max_retries", 2)), job["parent_run_id"]),
        deadline=job["training"].get("deadline"), max_consecutive_failures=5)
    return supervisor.run()
