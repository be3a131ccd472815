"""The trial loop of a worker process: ask, sample, train, save, record, tell."""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import logging
import os
import signal
import threading
import time
import traceback
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import keras
import numpy as np
import optuna
from optuna.trial import TrialState

from automl import _faults
from automl._process import rss_mb
from automl import metrics as metrics_lib
from automl.data import load_saved_dataset
from automl.exceptions import TrialError
from automl.registry import resolve_reference
from automl.search._background import BackgroundTracking
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
from automl.training import decode_outputs
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


class _Heartbeat:
    """Records a running trial's heartbeat in an RDB storage from a thread, until stopped."""

    def __init__(self, storage: optuna.storages.BaseStorage, trial_id: int) -> None:
        interval = storage.get_heartbeat_interval() if isinstance(
            storage, optuna.storages.RDBStorage) else None
        self._done = threading.Event()
        self._thread = None
        if interval:
            self._thread = threading.Thread(target=self._beat, args=(storage, trial_id, interval),
                                            name="automl-heartbeat", daemon=True)
            self._thread.start()

    def _beat(self, storage: Any, trial_id: int, interval: float) -> None:
        while not self._done.is_set():
            try:
                storage.record_heartbeat(trial_id)
            except Exception as error:  # a missed beat is retried; the trial goes on
                logging.getLogger("automl").warning("Heartbeat not recorded: %s", error)
            self._done.wait(interval)

    def stop(self) -> None:
        """Stops the heartbeat thread."""
        self._done.set()
        if self._thread is not None:
            self._thread.join()


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with open(path, "a", encoding="ascii") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class _FaultCallback(keras.callbacks.Callback):
    def __init__(self, trial_number: int) -> None:
        super().__init__()
        self._number = trial_number

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        _faults.maybe_fail(f"epoch_end:{epoch}", self._number, model=self.model)


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
        storage = open_storage(job["storage"], heartbeat_interval=job.get("heartbeat_interval"),
                               max_retries=int(job.get("max_retries", 2)))
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
        for module in job.get("imports", ()):  # modules registering custom builders, losses...
            importlib.import_module(module)
        self.dataset = load_saved_dataset(self.paths.search_dataset)
        self.space = SearchSpace.from_dict(job["space"]) if job.get("space") else None
        self.model_fn = (resolve_reference(job["model_fn"], "model function")
                         if job.get("model_fn") else None)
        self.prebuilt_model: keras.Model | None = None
        self.config = TrainingConfig(**job["training"])
        self.tracker = BackgroundTracking(MlflowTracker(job["tracking_uri"],
                                                        job["experiment_name"]))

    def _budget_lock(self) -> contextlib.AbstractContextManager:
        """Serializes "count, then ask" between the workers of this host (journal storages).

        Without it, two workers can both see one trial left and both start one. RDB storages
        are shared by hosts that share no file; there the budget may be overshot by at most
        the number of workers minus one.
        """
        if not self.job["storage"].startswith("journal:"):
            return contextlib.nullcontext()
        return _file_lock(self.paths.folder / "ask.lock")

    def may_start_trial(self) -> bool:
        """True while the study's budget, the deadline and the stop flag allow a new trial."""
        if self.stop.requested:
            return False
        deadline = self.config.deadline
        if deadline is not None and time.time() >= deadline:
            return False
        started = len(self.study.get_trials(deepcopy=False, states=_LIVE_STATES))
        return started < self.job["n_trials"]

    def run_trial(self) -> bool:
        """Asks the study for a trial, trains it, then records the outcome in Optuna and MLflow.

        Returns:
            False, without starting a trial, once the budget, the deadline or a stop forbid it.
        """
        with self._budget_lock():
            if not self.may_start_trial():
                return False
            trial = self.study.ask()
        trial.set_user_attr(ATTR_PREFIX + "worker", process_identity())
        heartbeat = _Heartbeat(self.study._storage, trial._trial_id)
        run, value = None, None
        state, reason, pruned_epoch = TrialState.COMPLETE, None, None
        try:
            if self.job.get("mixed_precision"):  # clear_session() resets it after each trial
                keras.mixed_precision.set_global_policy("mixed_float16")
            params = self._sample(trial)
            run = self.tracker.start_trial_run(
                self.job["parent_run_id"], trial.number, params,
                tags={"automl.study_name": self.job["study_name"]},
                on_started=lambda run_id: trial.set_user_attr(ATTR_PREFIX + "mlflow_run_id",
                                                              run_id),
            )
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
        except KeyboardInterrupt:  # in-process mode: record the trial, then stop
            self._record(trial, run, TrialState.FAIL, None, reason="interrupted",
                         pruned_epoch=None)
            raise
        finally:  # without the forced full gc.collect (0.4 s with TensorFlow's object graph);
            keras.backend.clear_session(free_memory=False)  # workers are recycled instead
            heartbeat.stop()
        self._record(trial, run, state, value, reason=reason, pruned_epoch=pruned_epoch)
        return True

    def _sample(self, trial: optuna.Trial) -> dict[str, Any]:
        """Samples the trial's parameters; a define-by-run function also builds the model here."""
        self.prebuilt_model = None
        if self.model_fn is None:
            return self.space.sample(trial, self.job["context"])
        self.prebuilt_model = self.model_fn(trial, self.dataset.spec)
        if not isinstance(self.prebuilt_model, keras.Model):
            raise TypeError(f"The model function {self.job['model_fn']} must return a "
                            f"keras.Model. Received: {type(self.prebuilt_model).__name__}.")
        return dict(trial.params)

    def _train(self, trial: optuna.Trial, params: dict[str, Any], run: Any) -> float:
        from automl.training import _cv  # --cv: K folds, each reported to the pruner (step=fold)

        _faults.maybe_fail("build", trial.number)
        monitor = f"val_{self.config.metric}"
        builder = self.space.builder if self.space else "mlp"
        if self.job.get("cv"):
            max_epochs, spec = self.config.max_epochs, self.dataset.spec
            result = _cv.train_cv(
                params, self.dataset, self.config, n_folds=int(self.job["cv"]), builder=builder,
                model_factory=(lambda fold: self.prebuilt_model if fold == 0
                               else self.model_fn(trial, spec)) if self.model_fn else None,
                seed=self.config.seed + trial.number, should_stop=self.stop,
                callbacks=lambda fold: [EpochLogger(_cv.fold_logger(run.log_epoch, fold,
                                                                    max_epochs)),
                                        _FaultCallback(trial.number)],
                on_fold_end=_cv.report_fold(trial, run.log_epoch, monitor),
            )
        else:
            result = train_model(
                params, self.dataset, self.config, model=self.prebuilt_model, builder=builder,
                seed=self.config.seed + trial.number, should_stop=self.stop,
                callbacks=[EpochLogger(run.log_epoch), _FaultCallback(trial.number),
                           PruningCallback(trial, monitor=monitor)],
            )
        _faults.maybe_fail("artifact_save", trial.number)
        self._save_outputs(trial.number, result)
        if self.job.get("cv"):  # out-of-fold predictions, beside val_outputs.npy
            _cv.save_oof_outputs(self.paths.trial_folder(trial.number), result)
        summary = {"best_epoch": result.best_epoch, "n_epochs": result.n_epochs,
                   "fit_seconds": round(result.fit_seconds, 3),
                   "tiebreak_loss": self._tiebreak_loss(result.val_outputs)}
        summary = {key: value for key, value in summary.items() if value is not None}
        for key, value in summary.items():
            trial.set_user_attr(ATTR_PREFIX + key, value)
        run.log_metrics({f"best_{monitor}": result.best_value, **summary})
        return result.best_value

    def _tiebreak_loss(self, outputs: Any) -> float | None:
        """Validation log loss (RMSE for regression): decides between trials that tie."""
        data = self.dataset
        if outputs is None or len(outputs) != len(data.y_val):
            return None
        if data.spec.task == "regression":
            truth = decode_outputs(data.y_val, data)
            return metrics_lib.score("rmse", truth, outputs, "regression")
        return metrics_lib.score("log_loss", data.y_val, outputs, data.spec.task)

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
        if run is not None:
            run.wait_started()  # its id goes on the trial, which is read-only once told
        if reason is not None:
            trial.set_user_attr(ATTR_PREFIX + "fail_reason", reason[:2000])
        if pruned_epoch is not None:
            trial.set_user_attr(ATTR_PREFIX + "pruned_epoch", pruned_epoch)
        if state == TrialState.COMPLETE:
            self.study.tell(trial, value)
            if run is not None and self.job.get("publish_trial_outputs"):  # for other hosts
                folder = self.paths.trial_folder(trial.number)
                for name in ("model.keras", "val_outputs.npy"):
                    run.log_artifact(folder / name, "trial_outputs")
        else:
            self.study.tell(trial, state=state)
        _faults.maybe_fail("after_tell", trial.number)
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


def run_in_process(job: Mapping[str, Any], after_trial: Callable[[], bool]) -> None:
    """Runs the trials in the calling process (``--workers 0``): no isolation, no start-up cost.

    Args:
        job: The search job.
        after_trial: Called after each trial; returning True stops the loop.
    """
    runner = TrialRunner(job, index=0)
    try:
        while runner.run_trial():
            runner.tracker.close_pending()
            if after_trial():
                return
    finally:
        runner.tracker.close()


def run_worker(job: Mapping[str, Any], index: int) -> int:
    """Runs trials until the budget is spent, the worker is due for recycling, or SIGTERM.

    Returns:
        The process exit code (0).
    """
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    logging.getLogger("automl").setLevel(logging.WARNING)
    runner = TrialRunner(job, index)
    _install_sigterm(runner.stop)
    try:
        for _ in range(int(job["trials_per_worker"])):
            if not runner.run_trial() or rss_mb() > float(job["worker_memory_mb"]):
                break
    finally:
        runner.tracker.close()
    return 0
