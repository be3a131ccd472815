"""Everything a report reads about one study: the Optuna study, its folder, its job file, its
MLflow parent run and its data summary. Finding a study by name lives here too.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Mapping

import optuna

from automl.data._dataset import METADATA_FILE
from automl.exceptions import ConfigError
from automl.search._study import ATTR_PREFIX
from automl.search._study import StudyPaths
from automl.search._study import default_storage_url
from automl.search._study import open_storage
from automl.tracking import default_tracking_uri
from automl.tracking._uri import sqlite_db_path

__all__ = ["StudySource", "available_studies", "open_study_source", "source_from_job"]

JOB_FILE = "job.json"


@dataclasses.dataclass
class StudySource:
    """A study and where its files, storage and MLflow runs are.

    Args:
        study: The loaded Optuna study.
        paths: Its folder under ``<root>/studies/``.
        job: The last search's ``job.json`` (empty if the folder has none).
        tracking_uri: MLflow tracking URI of the search.
        parent_run_id: The search's MLflow parent run, or None if unknown.
        metric: Objective metric name (``"roc_auc"``...).

    Example:
        >>> source = open_study_source("my-study", root="mlruns")  # doctest: +SKIP
        >>> source.target_name  # doctest: +SKIP
        'val_roc_auc'
    """

    study: optuna.Study
    paths: StudyPaths
    job: dict[str, Any]
    tracking_uri: str
    parent_run_id: str | None
    metric: str

    @property
    def name(self) -> str:
        """The study name (also the MLflow experiment name unless the job says otherwise)."""
        return self.study.study_name

    @property
    def direction(self) -> str:
        """``"maximize"`` or ``"minimize"``."""
        return self.study.direction.name.lower()

    @property
    def target_name(self) -> str:
        """The objective as logged: ``val_<metric>``."""
        return f"val_{self.metric}"

    @property
    def experiment_name(self) -> str:
        """The MLflow experiment of the search."""
        return str(self.job.get("experiment_name") or self.name)

    def tracker(self) -> Any:
        """An ``MlflowTracker`` on the search's tracking store and experiment."""
        from automl.tracking import MlflowTracker

        return MlflowTracker(self.tracking_uri, self.experiment_name)

    def parent_run(self) -> Any:
        """The search's MLflow parent run, or None if none is recorded or the store lacks it.

        A SQLite store that does not exist is not created.
        """
        from automl.tracking._runs import get_run_or_none

        database = sqlite_db_path(self.tracking_uri)
        if not self.parent_run_id or (database is not None and not database.is_file()):
            return None
        return get_run_or_none(self.tracker().client, self.parent_run_id)

    def data_summary(self) -> dict[str, Any]:
        """The data summary of ``dataset/dataset.json`` (empty if the folder has none)."""
        path = self.paths.dataset / METADATA_FILE
        if not path.is_file():
            return {}
        return dict(json.loads(path.read_text(encoding="utf-8")).get("summary", {}))


def available_studies(root: str | Path) -> list[str]:
    """Names of the studies kept under ``<root>/studies/`` (folders with a journal or job file).

    Args:
        root: The local store.

    Returns:
        The names, sorted.

    Example:
        >>> available_studies("/nonexistent")
        []
    """
    folder = Path(root) / "studies"
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir()
                  if (p / "journal.log").is_file() or (p / JOB_FILE).is_file())


def _read_job(paths: StudyPaths) -> dict[str, Any]:
    path = paths.folder / JOB_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _unknown_study(study_name: str, where: str, names: list[str]) -> ConfigError:
    return ConfigError(f"Unknown study '{study_name}' in {where}. Expected the name of an "
                       f"existing study. Available studies: {names}.")


def _load_study(study_name: str, storage_url: str, root: str | Path) -> optuna.Study:
    storage = open_storage(storage_url)
    try:
        return optuna.load_study(study_name=study_name, storage=storage)
    except KeyError:
        where = f"storage '{storage_url}'" if "://" in storage_url else f"'{root}/studies'"
        names = sorted(optuna.get_all_study_names(storage=storage))
        raise _unknown_study(study_name, where, names) from None


def open_study_source(study_name: str, *, root: str | Path = "mlruns",
                      storage: str | None = None,
                      tracking_uri: str | None = None) -> StudySource:
    """Finds a study by name and what a report needs about it.

    Args:
        study_name: The study.
        root: The local store holding ``studies/<study_name>/``.
        storage: Optuna storage URL; defaults to the study's ``job.json``, then its journal file.
        tracking_uri: MLflow tracking URI; defaults to the study's ``job.json``, then SQLite
            under ``root``.

    Returns:
        The study source.

    Raises:
        ConfigError: If no such study exists, with the names of the available ones.

    Example:
        >>> open_study_source("my-study", root="mlruns").direction  # doctest: +SKIP
        'maximize'
    """
    paths = StudyPaths.for_study(root, study_name)
    job = _read_job(paths)
    storage_url = storage or job.get("storage") or default_storage_url(paths)
    if storage_url == default_storage_url(paths) and not paths.journal.is_file():
        raise _unknown_study(study_name, f"'{Path(root) / 'studies'}'", available_studies(root))
    study = _load_study(study_name, storage_url, root)
    uri = tracking_uri or job.get("tracking_uri") or default_tracking_uri(root)
    return _source(study, paths, job, uri)


def source_from_job(job: Mapping[str, Any]) -> StudySource:
    """The study source of a search that just ran, from its job dict.

    Args:
        job: The search's job (``study_name``, ``study_folder``, ``storage``,
            ``tracking_uri``, ``parent_run_id``, ``metric`` and ``direction`` are used).

    Returns:
        The study source.

    Example:
        >>> source = source_from_job(json.load(open("studies/s/job.json")))  # doctest: +SKIP
    """
    study = optuna.load_study(study_name=job["study_name"],
                              storage=open_storage(job["storage"]))
    return _source(study, StudyPaths(Path(job["study_folder"])), dict(job), job["tracking_uri"])


def _source(study: optuna.Study, paths: StudyPaths, job: dict[str, Any],
            tracking_uri: str) -> StudySource:
    attrs = study.user_attrs
    parent = attrs.get(ATTR_PREFIX + "mlflow_parent_run_id") or job.get("parent_run_id")
    metric = attrs.get(ATTR_PREFIX + "metric") or job.get("metric") or "objective"
    return StudySource(study=study, paths=paths, job=job, tracking_uri=tracking_uri,
                       parent_run_id=parent, metric=str(metric))
