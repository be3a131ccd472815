"""The trial loop of a worker process: ask, sample, train, save, record, tell."""

from __future__ import annotations

import gc
import logging
import os
import signal
import time
import traceback
from pathlib import Path
from typing import Any, Mapping

import keras
import numpy as np
import optuna
from optuna.trial import TrialState

from automl import _faults
from automl.data import Dataset
from automl.exceptions import TrialError
from automl.search._factories import make_pruner
from automl.search._factories import make_sampler
from automl.search._study import ATTR_PREFIX
from automl.search._study import StudyPaths
from automl.search._study import open_storage
from automl.search._study import process_identity
from automl.space import SearchSpace
from automl.tracking import MlflowTracker
from automl.training import EpochLogger
from automl.training import PruningCallback
from automl.training import StopTrial
from automl.training import TrainingConfig
from automl.training import train_model

_LIVE_STATES = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL, TrialState.RUNNING)


class _StopFlag:
    """Set by SIGTERM: the running trial stops at the next batch and the worker exits."""

    requested = False

    def __call__(self) -> bool:
        return self.requested


def _install_sigterm(flag: _StopFlag) -> None:
    def handler(signum: int, frame: Any) -> None:
        flag.requested = True

    signal.signal(signal.SIGTERM, handler)


def _rss_mb() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class _FaultCallback(keras.callbacks.Callback):
    def __init__(self, trial_number: int) -> None:
        super().__init__()
        self._number = trial_number

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        _faults.maybe_fail(f"epoch_end:{epoch}", self._number)


class TrialRunner:
    """Runs trials of one study inside a worker process.

    Args:
        job: The search job (plain values written by the runner).
        index: Worker index (varies the sampler seed).
    """

    def __init__(self, job: Mapping[str, Any], index: int) -> None:
        self.job = job
        self.paths = StudyPaths(Path(job["study_folder"]))
        self.stop = _StopFlag()
        storage = open_storage(job["storage"])
        n_existing = len(storage.get_all_trials(
            storage.get_study_id_from_name(job["study_name"]), deepcopy=False))
        seed = job["seed"]
        sampler_seed = None if seed is None else (seed * 1_000_003 + n_existing + 7919 * index)
        self.study = optuna.load_study(
            study_name=job["study_name"],
            storage=storage,
            sampler=make_sampler(job["sampler"], seed=sampler_seed % 2**31 if seed is not None
                                 else None),
            pruner=make_pruner(job["pruner"], max_epochs=job["training"]["max_epochs"]),
        )
        self.dataset = Dataset.load(self.paths.search_dataset)
        self.space = SearchSpace.from_dict(job["space"])
        self.config = TrainingConfig(**job["training"])
        self.tracker = MlflowTracker(job["tracking_uri"], job["experiment_name"])

    def may_start_trial(self) -> bool:
        """True while the study's budget, the deadline and the stop flag allow a new trial."""
        if self.stop.requested:
            return False
        deadline = self.config.deadline
        if deadline is not None and time.time() >= deadline:
            return False
        started = len(self.study.get_trials(deepcopy=False, states=_LIVE_STATES))
        return started < self.job["n_trials"]

    def run_trial(self) -> None:
        """Asks the study for a trial, trains it, then records the outcome in Optuna and MLflow."""
        trial = self.study.ask()
        trial.set_user_attr(ATTR_PREFIX + "worker", process_identity())
        run, value = None, None
        state, reason, pruned_epoch = TrialState.COMPLETE, None, None
        try:
            params = self.space.sample(trial, self.job["context"])
            run = self.tracker.start_trial_run(
                self.job["parent_run_id"], trial.number, params,
                tags={"automl.study_name": self.job["study_name"]},
            )
            trial.set_user_attr(ATTR_PREFIX + "mlflow_run_id", run.run_id)
            value = self._train(trial, params, run)
        except optuna.TrialPruned:
            state, pruned_epoch = TrialState.PRUNED, self._last_step(trial)
        except StopTrial as stop:
            state = TrialState.PRUNED if stop.reason == "search_timeout" else TrialState.FAIL
            reason, pruned_epoch = stop.reason, self._last_step(trial)
        except TrialError as error:
            state, reason = TrialState.FAIL, f"{error.reason}: {error}"
        except Exception as error:  # a crashing trial must not kill the search
            state, reason = TrialState.FAIL, _describe(error)
            self._record_traceback(trial, run)
        finally:
            keras.backend.clear_session()
            gc.collect()
        self._record(trial, run, state, value, reason=reason, pruned_epoch=pruned_epoch)

    def _train(self, trial: optuna.Trial, params: dict[str, Any], run: Any) -> float:
        _faults.maybe_fail("build", trial.number)
        monitor = f"val_{self.config.metric}"
        result = train_model(
            params, self.dataset, self.config, builder=self.space.builder,
            seed=self.config.seed + trial.number, should_stop=self.stop,
            callbacks=[EpochLogger(run.log_epoch), _FaultCallback(trial.number),
                       PruningCallback(trial, monitor=monitor)],
        )
        _faults.maybe_fail("artifact_save", trial.number)
        self._save_outputs(trial.number, result)
        summary = {"best_epoch": result.best_epoch, "n_epochs": result.n_epochs,
                   "fit_seconds": round(result.fit_seconds, 3)}
        for key, value in summary.items():
            trial.set_user_attr(ATTR_PREFIX + key, value)
        run.log_metrics({f"best_{monitor}": result.best_value, **summary})
        return result.best_value

    def _last_step(self, trial: optuna.Trial) -> int | None:
        frozen = self.study._storage.get_trial(trial._trial_id)
        return max(frozen.intermediate_values) if frozen.intermediate_values else None

    def _save_outputs(self, number: int, result: Any) -> None:
        folder = self.paths.trial_folder(number)
        folder.mkdir(parents=True, exist_ok=True)
        model_tmp = folder / f".model.{os.getpid()}.keras"
        result.model.save(model_tmp)
        os.replace(model_tmp, folder / "model.keras")
        outputs_tmp = folder / f".val_outputs.{os.getpid()}.npy"
        with open(outputs_tmp, "wb") as handle:
            np.save(handle, np.asarray(result.val_outputs), allow_pickle=False)
        os.replace(outputs_tmp, folder / "val_outputs.npy")

    def _record(self, trial: optuna.Trial, run: Any, state: TrialState, value: float | None,
                *, reason: str | None, pruned_epoch: int | None) -> None:
        """Tells Optuna first (the source of truth), then closes the MLflow run to match."""
        if reason is not None:
            trial.set_user_attr(ATTR_PREFIX + "fail_reason", reason[:2000])
        if pruned_epoch is not None:
            trial.set_user_attr(ATTR_PREFIX + "pruned_epoch", pruned_epoch)
        if state == TrialState.COMPLETE:
            self.study.tell(trial, value)
        else:
            self.study.tell(trial, state=state)
        if run is not None:
            run.finish(state.name, reason=reason, pruned_epoch=pruned_epoch)

    def _record_traceback(self, trial: optuna.Trial, run: Any) -> None:
        folder = self.paths.trial_folder(trial.number)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "traceback.txt"
        path.write_text(traceback.format_exc(), encoding="utf-8")
        trial.set_user_attr(ATTR_PREFIX + "traceback", str(path))
        if run is not None:
            run.log_artifact(path)


def _describe(error: BaseException) -> str:
    name = type(error).__name__
    if isinstance(error, MemoryError) or name == "ResourceExhaustedError":
        return f"out_of_memory: {error}"
    return f"{name}: {error}"


def run_worker(job: Mapping[str, Any], index: int) -> int:
    """Runs trials until the budget is spent, the worker is due for recycling, or SIGTERM.

    Returns:
        The process exit code (0).
    """
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    logging.getLogger("automl").setLevel(logging.WARNING)
    runner = TrialRunner(job, index)
    _install_sigterm(runner.stop)
    for _ in range(int(job["trials_per_worker"])):
        if not runner.may_start_trial():
            break
        runner.run_trial()
        if _rss_mb() > float(job["worker_memory_mb"]):
            break
    return 0
