"""Builders of synthetic studies for report tests: real journal storages holding trials shaped
like the ones a search records (worker, epochs, per-epoch values, start and end times)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.trial import FrozenTrial
from optuna.trial import TrialState

from automl.search._study import StudyPaths
from automl.search._study import open_storage

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_png(path: Path, min_bytes: int = 5_000) -> None:
    """The file is a PNG image of non-trivial size."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG file"
    assert len(data) > min_bytes, f"{path.name} has only {len(data)} bytes"


def write_test_outputs(folder: Path, label: str, y_true: np.ndarray, outputs: np.ndarray,
                       class_names: list[str], task: str) -> Path:
    """Writes ``<label>_test_outputs.npz`` as the final evaluation does."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{label}_test_outputs.npz"
    np.savez(path, y_true=y_true, outputs=outputs, class_names=np.asarray(class_names, dtype=str),
             task=np.asarray(task))
    return path


DISTRIBUTIONS = {"learning_rate": FloatDistribution(1e-4, 1e-1, log=True),
                 "optimizer": CategoricalDistribution(["adam", "sgd"])}
_T0 = datetime.datetime(2026, 1, 1, 12, 0, 0)


def make_trial(number: int, state: TrialState = TrialState.COMPLETE, *,
               value: float | None = None, curve: tuple[float, ...] = (),
               params: dict[str, Any] | None = None, pid: int = 100,
               seconds: float = 5.0) -> FrozenTrial:
    """A finished trial as a search records it (worker, epochs, per-epoch values, times)."""
    start = _T0 + datetime.timedelta(seconds=10 * number)
    params = params if params is not None else {"learning_rate": 0.001 * (number + 1),
                                                "optimizer": "adam" if number % 2 else "sgd"}
    attrs = {"automl.worker": {"host": "h", "pid": pid, "start": "1"}}
    if state == TrialState.COMPLETE:
        attrs["automl.n_epochs"] = len(curve)
    return FrozenTrial(
        number=number, state=state, value=value if state == TrialState.COMPLETE else None,
        datetime_start=start, datetime_complete=start + datetime.timedelta(seconds=seconds),
        params=params, distributions={k: DISTRIBUTIONS[k] for k in params},
        user_attrs=attrs, system_attrs={}, intermediate_values=dict(enumerate(curve)),
        trial_id=number)


def make_study(root: Path, name: str, trials: list[FrozenTrial],
               direction: str = "maximize") -> optuna.Study:
    """A study in a real journal file under ``<root>/studies/<name>/`` holding ``trials``."""
    paths = StudyPaths.for_study(root, name)
    study = optuna.create_study(storage=open_storage(f"journal:{paths.journal}"),
                                study_name=name, direction=direction)
    study.set_user_attr("automl.metric", "accuracy")
    for trial in trials:
        study.add_trial(trial)
    return study
