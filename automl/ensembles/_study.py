"""What an ensemble reads from a finished (or resumed) study: its job, trials and files.

This is the only module of ``automl.ensembles`` that opens the Optuna study. Members are
rebuilt from their trials' parameters by replaying them through the search space
(``SearchSpace.sample(FixedTrial(params), context)``), so conditional parameters and the
space's constants resolve exactly as they did in the search.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import optuna

from automl.data import Dataset
from automl.data import ImageDataset
from automl.data import load_saved_dataset
from automl.data._image_dataset import is_image_dataset_folder
from automl.ensembles._config import check_image_method
from automl.exceptions import ConfigError
from automl.search._report import ranked_trials
from automl.search._study import ATTR_PREFIX
from automl.search._study import StudyPaths
from automl.search._study import open_storage
from automl.space import SearchSpace
from automl.training._cv import load_oof_outputs

__all__ = ["Member", "StudySource", "find_study_folder"]

_JOB = "job.json"
_PUBLISHED = "trial_outputs"
MAX_KEPT_MODELS = 20


def find_study_folder(root: str | os.PathLike, study_name: str) -> Path:
    """The folder of study ``study_name`` under the local store ``root``.

    Raises:
        ConfigError: If the study has no folder with a ``job.json`` there.

    Example:
        >>> find_study_folder("mlruns", "wine-20261122-101500")  # doctest: +SKIP
        PosixPath('/home/me/mlruns/studies/wine-20261122-101500')
    """
    folder = StudyPaths.for_study(root, study_name).folder
    if not (folder / _JOB).is_file():
        studies = sorted(p.parent.name for p in folder.parent.glob(f"*/{_JOB}"))
        raise ConfigError(
            f"Invalid value for '--study-name': no study '{study_name}' under "
            f"'{folder.parent}'. Expected a study folder with {_JOB}. Available studies: "
            f"{studies}."
        )
    return folder


@dataclasses.dataclass(frozen=True)
class Member:
    """A completed trial chosen as an ensemble member.

    Attributes:
        number: The trial number.
        value: Its validation objective (the mean over folds with ``--cv``).
        params: Its parameters replayed through the search space (the builder's dict); the
            raw trial parameters for a define-by-run study.
        run_id: Its MLflow run, or None.
        folder: Its folder (``model.keras``, ``val_outputs.npy``, ``oof_*.npy``).
    """

    number: int
    value: float
    params: dict[str, Any]
    run_id: str | None
    folder: Path

    @property
    def name(self) -> str:
        """File stem of its model inside an ensemble folder."""
        return f"trial-{self.number:05d}"

    @property
    def model_path(self) -> Path:
        """Its trained model."""
        return self.folder / "model.keras"

    def val_outputs(self) -> np.ndarray:
        """Its best epoch's outputs on the validation part (metric units)."""
        return np.load(self.folder / "val_outputs.npy", allow_pickle=False)

    def oof_outputs(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Its out-of-fold outputs and their pool rows, from a ``--cv`` search, or None."""
        return load_oof_outputs(self.folder)


class StudySource:
    """A study folder, read for ensembling.

    Args:
        folder: ``<root>/studies/<study_name>`` (holding ``job.json``).

    Raises:
        ConfigError: If the folder has no ``job.json``.
    """

    def __init__(self, folder: str | os.PathLike) -> None:
        self.paths = StudyPaths(Path(folder).resolve())
        job_file = self.paths.folder / _JOB
        if not job_file.is_file():
            raise ConfigError(f"'{self.paths.folder}' is not a study folder: expected {_JOB}.")
        self.job: dict[str, Any] = json.loads(job_file.read_text(encoding="utf-8"))
        self.space = SearchSpace.from_dict(self.job["space"]) if self.job.get("space") else None
        for module in self.job.get("imports") or ():  # custom builders, layers, losses
            importlib.import_module(module)

    @property
    def builder(self) -> str:
        """The search space's model builder (``"mlp"`` for a define-by-run study)."""
        return self.space.builder if self.space is not None else "mlp"

    @property
    def is_image(self) -> bool:
        """True for a study that searched an image folder (its dataset streams image files)."""
        return is_image_dataset_folder(self.paths.dataset)

    def check_method(self, method: str) -> None:
        """Refuses, before any work, a method that does not take this study.

        Raises:
            ConfigError: For stacking or bagging of an image study (one line).
        """
        if self.is_image:
            check_image_method(method, "--method", f"study '{self.job['study_name']}' "
                                                   "searched an image folder")

    @property
    def task(self) -> str:
        """The dataset's task."""
        return self.job["context"]["task"]

    @property
    def metric(self) -> str:
        """The objective metric's name."""
        return self.job["metric"]

    @property
    def direction(self) -> str:
        """``"maximize"`` or ``"minimize"``."""
        return self.job["direction"]

    @property
    def cv(self) -> int | None:
        """Folds of a ``--cv`` search, or None."""
        return self.job.get("cv")

    def ranked_members(self, top_k: int) -> list[Member]:
        """The best ``top_k`` COMPLETE trials, best first.

        Raises:
            ConfigError: If the study has no COMPLETE trial.
        """
        study = optuna.load_study(study_name=self.job["study_name"],
                                  storage=open_storage(self.job["storage"]))
        ranked = ranked_trials(study.get_trials(deepcopy=False), self.direction)[:top_k]
        if not ranked:
            raise ConfigError(f"Study '{self.job['study_name']}' has no completed trial: there "
                              "is nothing to ensemble. Run more trials first.")
        return [self._member(trial) for trial in ranked]

    def require_models(self, members: list[Member]) -> None:
        """Checks that each member's model file was kept.

        Raises:
            ConfigError: If one was deleted (only the best 20 trials keep their model).
        """
        for member in members:
            if not member.model_path.is_file():
                raise ConfigError(
                    f"Trial {member.number} of study '{self.job['study_name']}' has no saved "
                    f"model: expected {member.model_path}. Only the best {MAX_KEPT_MODELS} "
                    f"trials keep theirs; use --top-k {MAX_KEPT_MODELS} or less."
                )

    def dataset(self) -> Dataset | ImageDataset:
        """The full dataset, with the held-out test part (image files stay on disk)."""
        return load_saved_dataset(self.paths.dataset)

    def search_dataset(self) -> Dataset | ImageDataset:
        """The dataset trials saw (no test part), as refits must."""
        return load_saved_dataset(self.paths.search_dataset)

    def _member(self, trial: optuna.trial.FrozenTrial) -> Member:
        params = dict(trial.params) if self.space is None else self.space.sample(
            optuna.trial.FixedTrial(trial.params), self.job["context"])
        run_id = trial.user_attrs.get(ATTR_PREFIX + "mlflow_run_id")
        return Member(number=trial.number, value=float(trial.value), params=params,
                      run_id=run_id, folder=self._trial_files(trial.number, run_id))

    def _trial_files(self, number: int, run_id: str | None) -> Path:
        """The folder with the trial's model and validation predictions.

        A trial trained on another host (``automl worker``) published them to its MLflow run
        (``trial_outputs/``); they are fetched once into ``trials/<n>/trial_outputs/``.
        """
        local = self.paths.trial_folder(number)
        fetched = local / _PUBLISHED
        for folder in (local, fetched):
            if (folder / "val_outputs.npy").is_file():
                return folder
        if not run_id or not self.job.get("publish_trial_outputs"):
            return local
        from automl.tracking import MlflowTracker

        tracker = MlflowTracker(self.job["tracking_uri"], self.job["experiment_name"])
        return tracker.download_artifacts(run_id, _PUBLISHED, local)
