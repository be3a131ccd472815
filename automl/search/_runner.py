"""run_search: prepare a study, run its trials in worker processes, evaluate the best model.

Everything that can be wrong with the user's input is checked before the first write, so a
mistake leaves nothing half-written behind.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence, TextIO

import numpy as np
import optuna
from optuna.trial import TrialState

from automl import metrics as metrics_lib
from automl.config import SearchConfig
from automl.config import TrainingConfig
from automl.reports import report_after_search
from automl.exceptions import ConfigError
from automl.search._data_kind import check_fits_data
from automl.search._data_kind import describe_data
from automl.search._data_kind import image_params
from automl.search._factories import make_pruner
from automl.search._factories import make_sampler
from automl.search._finalize import finalize
from automl.search._progress import Progress
from automl.search._progress import best_trial
from automl.search._report import top_trials_table
from automl.search._report import versions
from automl.search._result import SearchResult
from automl.search._study import ATTR_PREFIX
from automl.search._study import StudyPaths
from automl.search._study import check_resume
from automl.search._study import count_trials
from automl.search._study import default_storage_url
from automl.search._study import fail_orphaned_trials
from automl.search._study import open_storage
from automl.search._study import retry_crashed_trial
from automl.search._supervisor import Supervisor
from automl.search._supervisor import consecutive_failures
from automl.tracking import MlflowTracker
from automl.tracking import default_tracking_uri
from automl.tracking import redact_uri

_RUN_STATUS = {"finished": "FINISHED", "timeout": "FINISHED", "interrupted": "KILLED",
               "terminated": "KILLED", "failing": "FAILED"}


def default_study_name(prefix: str = "search") -> str:
    """A new study name: ``<prefix>-<YYYYmmdd-HHMMSS>``."""
    return f"{prefix}-{datetime.datetime.now():%Y%m%d-%H%M%S}"


@dataclasses.dataclass
class _Plan:
    """Everything resolved and validated before the first write."""

    config: SearchConfig
    metric: metrics_lib.Metric
    study_name: str
    paths: StudyPaths
    storage_url: str
    tracking_uri: str
    context: dict[str, Any]
    grid: list[dict[str, Any]] | None
    n_trials: int
    model_fn: str | None = None
    imports: tuple[str, ...] = ()

    def space_fingerprint(self, space: Any) -> str:
        """Fingerprint of the search space, or of the define-by-run function's name."""
        if space is not None:
            return space.fingerprint()
        return hashlib.sha256(str(self.model_fn).encode("utf-8")).hexdigest()


def _plan(dataset: Any, space: Any, config: SearchConfig, model_fn: str | None,
          imports: Sequence[str]) -> _Plan:
    if (space is None) == (model_fn is None):
        raise ConfigError("Give either a search space or a model function (define-by-run), "
                          f"not both or neither. Received: space={space!r}, "
                          f"model_fn={model_fn!r}.")
    if model_fn is not None and config.sampler == "grid":
        raise ConfigError("The grid sampler needs a declared search space; a define-by-run "
                          "model function has none. Use another sampler.")
    check_fits_data(space, dataset, config)
    task = dataset.spec.task
    metric = metrics_lib.get_metric(config.metric or metrics_lib.default_metric(task), task)
    study_name = config.study_name or default_study_name()
    paths = StudyPaths.for_study(config.root, study_name)
    context = {"task": task}
    grid = space.grid_points(context) if config.sampler == "grid" else None
    make_sampler(config.sampler, seed=config.seed)  # a missing optional dependency fails here
    n_trials = min(config.n_trials, len(grid)) if grid is not None else config.n_trials
    return _Plan(config, metric, study_name, paths,
                 config.storage or default_storage_url(paths),
                 config.tracking_uri or default_tracking_uri(config.root),
                 context, grid, n_trials, model_fn, tuple(imports))


def _open_study(plan: _Plan, space: Any, dataset: Any) -> optuna.Study:
    config = plan.config
    study = optuna.create_study(
        storage=open_storage(plan.storage_url, heartbeat_interval=config.heartbeat_interval,
                             max_retries=config.max_retries),
        study_name=plan.study_name,
        direction=plan.metric.direction, load_if_exists=True,
        sampler=make_sampler(config.sampler, seed=config.seed),
        pruner=make_pruner(config.pruner, max_epochs=config.max_epochs),
    )
    if study.direction.name.lower() != plan.metric.direction:
        raise ConfigError(
            f"Cannot resume study '{plan.study_name}' with --metric {plan.metric.name}: it "
            f"{study.direction.name.lower()}s its objective. Use another --study-name."
        )
    check_resume(study, {"space_fingerprint": plan.space_fingerprint(space),
                         "data_fingerprint": dataset.fingerprint(),
                         "metric": plan.metric.name}, force=config.force)
    return study


def _search_params(plan: _Plan, space: Any, dataset: Any) -> dict[str, Any]:
    summary, config = dataset.summary, plan.config
    split = summary.get("split_sizes", {})
    return {
        "sampler": config.sampler, "pruner": config.pruner, "n_trials": plan.n_trials,
        "timeout": config.timeout, "metric": plan.metric.name, "direction": plan.metric.direction,
        "max_epochs": config.max_epochs, "patience": config.patience, "seed": config.seed,
        "n_workers": config.n_workers,
        "space": (space.name or "custom") if space is not None else f"function {plan.model_fn}",
        "builder": space.builder if space is not None else "define-by-run",
        "space_fingerprint": plan.space_fingerprint(space),
        "storage": redact_uri(plan.storage_url),
        "data_source": summary.get("source"), "data_sha256": summary.get("data_sha256"),
        "split_sha256": summary.get("split_sha256"), "target": summary.get("target"),
        "task": dataset.spec.task, "n_rows": summary.get("n_rows"),
        "n_columns": summary.get("n_columns"), "n_features": summary.get("n_features"),
        "n_train": split.get("train"), "n_val": split.get("val"), "n_test": split.get("test"),
        **image_params(summary),
        **{f"version_{name}": version for name, version in versions().items()},
    }


def _start_parent_run(plan: _Plan, study: optuna.Study, tracker: MlflowTracker, space: Any,
                      dataset: Any) -> str:
    known = study.user_attrs.get(ATTR_PREFIX + "mlflow_parent_run_id")
    run_id = tracker.start_search_run(
        plan.study_name, _search_params(plan, space, dataset),
        tags={"automl.study_name": plan.study_name}, run_id=known,
    )
    if run_id != known:
        study.set_user_attr(ATTR_PREFIX + "mlflow_parent_run_id", run_id)
    tracker.log_search_results(run_id, text={
        "data_summary.json": json.dumps(dataset.summary, indent=2, default=str),
        "search_space.json": json.dumps(space.to_dict() if space is not None
                                        else {"model_fn": plan.model_fn}, indent=2, default=str),
    })
    return run_id


def _save_datasets(plan: _Plan, dataset: Any) -> None:
    """The whole dataset for the final evaluation; the workers' copy has no test part."""
    for folder in (plan.paths.dataset, plan.paths.search_dataset):  # no file of another kind
        shutil.rmtree(folder, ignore_errors=True)                   # (tabular/image) remains
    dataset.save(plan.paths.dataset)
    if hasattr(dataset, "without_test"):  # images: the copy lists files, it holds no pixels
        dataset.without_test().save(plan.paths.search_dataset)
        return
    empty_x = np.zeros((0,) + tuple(dataset.x_test.shape[1:]), dtype=dataset.x_test.dtype)
    empty_y = np.zeros((0,), dtype=dataset.y_test.dtype)
    dataclasses.replace(dataset, x_test=empty_x, y_test=empty_y).save(plan.paths.search_dataset)


def _enqueue_grid(study: optuna.Study, grid: list[dict[str, Any]] | None) -> None:
    if not grid:
        return
    present = [t.params for t in study.get_trials(deepcopy=False)]
    present += [t.system_attrs.get("fixed_params", {}) for t in
                study.get_trials(deepcopy=False, states=(TrialState.WAITING,))]
    for point in grid:
        if point not in present:
            study.enqueue_trial(point, skip_if_exists=False)


def _job(plan: _Plan, space: Any, parent_run_id: str, output: Path) -> dict[str, Any]:
    config = plan.config
    deadline = time.time() + config.timeout if config.timeout else None
    training = TrainingConfig(metric=plan.metric.name, max_epochs=config.max_epochs,
                              patience=config.patience, seed=config.seed, deadline=deadline,
                              trial_timeout=config.trial_timeout)
    return {
        "study_name": plan.study_name, "study_folder": str(plan.paths.folder),
        "storage": plan.storage_url, "space": space.to_dict() if space is not None else None,
        "model_fn": plan.model_fn, "imports": list(plan.imports), "context": plan.context,
        "training": training.to_dict(), "sampler": config.sampler, "pruner": config.pruner,
        "seed": config.seed, "n_trials": plan.n_trials, "n_workers": config.n_workers,
        "devices": list(config.devices), "mixed_precision": config.mixed_precision,
        "tracking_uri": plan.tracking_uri, "experiment_name": plan.study_name,
        "parent_run_id": parent_run_id, "trials_per_worker": config.trials_per_worker,
        "worker_memory_mb": config.worker_memory_mb, "metric": plan.metric.name,
        "direction": plan.metric.direction, "output": str(output), "cv": config.cv,
        "heartbeat_interval": config.heartbeat_interval, "max_retries": config.max_retries,
        "publish_trial_outputs": not plan.storage_url.startswith("journal:"),
    }


def _write_json_atomically(path: Path, values: dict[str, Any]) -> None:
    staging = path.with_name(f".{path.name}.tmp")
    staging.write_text(json.dumps(values, indent=2, default=str), encoding="utf-8")
    staging.replace(path)


def failure_handler(study: optuna.Study, tracker: MlflowTracker, n_trials: int,
                    max_retries: int, parent_run_id: str) -> Callable[[Any, str], str]:
    """What to do with a trial about to be failed by reconciliation: retry a crash, close its
    MLflow run (or record one, if its worker died before creating it); returns the reason."""

    def handle(trial: Any, reason: str) -> str:
        started = sum(t.state != TrialState.WAITING for t in study.get_trials(deepcopy=False))
        if started < n_trials:  # the crashed trial holds a slot; a retry needs another
            reason = retry_crashed_trial(study, trial, reason, 1 + max_retries)
        run_id = trial.user_attrs.get(ATTR_PREFIX + "mlflow_run_id")
        if run_id:
            tracker.close_stale_trial_run(run_id, reason)
        else:
            run = tracker.start_trial_run(parent_run_id, trial.number, dict(trial.params),
                                          tags={"automl.study_name": study.study_name})
            run.finish("FAIL", reason=reason)
        return reason

    return handle


def _publish_for_remote_workers(study: optuna.Study, job: dict[str, Any],
                                tracker: MlflowTracker, paths: StudyPaths) -> None:
    """Puts what ``automl worker`` needs where another host can read it.

    The job goes into the study itself; with an RDB storage, which other hosts may share, the
    search dataset (never the test part) goes to the search's MLflow run as artifacts.
    """
    study.set_user_attr(ATTR_PREFIX + "job", job)
    if job["publish_trial_outputs"]:
        tracker.log_artifacts_to_run(job["parent_run_id"], paths.search_dataset)


def _close_runs_of_finished_trials(study: optuna.Study, tracker: MlflowTracker,
                                   parent_run_id: str) -> None:
    """Makes each MLflow run agree with its finished trial: a worker may die after telling
    Optuna and before ending the run (one query lists the search's trial runs)."""
    finished = {trial.number: trial for trial in study.get_trials(deepcopy=False)
                if trial.state.is_finished()}
    for row in tracker.trial_runs(parent_run_id):
        trial = finished.get(row["trial_number"])
        if row["status"] != "RUNNING" or trial is None:
            continue
        reason = trial.user_attrs.get(ATTR_PREFIX + "fail_reason", "worker_died")
        tracker.close_stale_trial_run(row["run_id"], reason, state=trial.state.name)


def run_search(dataset: Any, space: Any, config: SearchConfig, *,
               model_fn: str | None = None, imports: Sequence[str] = (),
               stream: TextIO | None = None, quiet: bool = False) -> SearchResult:
    """Runs (or resumes) a search and evaluates its best model on the held-out test part.

    Args:
        dataset: A :class:`automl.data.Dataset`.
        space: A :class:`automl.space.SearchSpace`, or ``None`` with ``model_fn``.
        config: Search settings.
        model_fn: Define-by-run alternative to ``space``: ``"module:function"`` naming a
            function ``(trial, spec) -> keras.Model`` that samples with the Optuna trial.
        imports: Modules each worker imports first (for example, one registering builders).
        stream: Where progress lines go (standard error by default).
        quiet: Print no progress.

    Returns:
        A :class:`SearchResult`.

    Raises:
        UserInputError: For an invalid metric, space, option or resume (before any write).
    """
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    plan = _plan(dataset, space, config, model_fn, imports)
    study = _open_study(plan, space, dataset)
    tracker = MlflowTracker(plan.tracking_uri, plan.study_name)
    tracker.setup()
    job, on_trial_failed = _prepare(plan, study, tracker, space, dataset)
    progress = Progress(plan.n_trials, f"val_{plan.metric.name}", plan.metric.direction,
                        quiet=quiet, stream=stream or sys.stderr)
    progress.skip_existing(study.get_trials(deepcopy=False))
    progress.echo(describe_data(dataset))
    _announce(progress, plan, study)
    status, message = _run_trials(job, study, progress, config, on_trial_failed)
    result = _result(plan, study, status, job["parent_run_id"], message)
    try:
        if status not in ("interrupted", "terminated") and result.best_trial is not None:
            final = finalize(job)
            result.test_scores, result.model_path = final["test_scores"], final["model_path"]
            if config.report:
                report_after_search(job)
    finally:
        _close_runs_of_finished_trials(study, tracker, job["parent_run_id"])
        tracker.end_search_run(job["parent_run_id"], _RUN_STATUS[status])
    progress.echo(top_trials_table(study.get_trials(deepcopy=False), plan.metric.direction,
                                   f"val_{plan.metric.name}", k=5))
    return result


def _prepare(plan: _Plan, study: optuna.Study, tracker: MlflowTracker, space: Any,
             dataset: Any) -> tuple[dict[str, Any], Callable[[Any, str], str]]:
    """Opens the search's MLflow run, stores the data and the job, reconciles the study."""
    parent_run_id = _start_parent_run(plan, study, tracker, space, dataset)
    _save_datasets(plan, dataset)
    on_trial_failed = failure_handler(study, tracker, plan.n_trials, plan.config.max_retries,
                                      parent_run_id)
    fail_orphaned_trials(study, "worker_died: found running with no live worker at start-up",
                         on_trial_failed)
    _close_runs_of_finished_trials(study, tracker, parent_run_id)
    _enqueue_grid(study, plan.grid)
    if plan.grid is None and space is not None and not study.get_trials(deepcopy=False):
        for point in space.first_trials:  # a new study only: a resumed one has its own
            study.enqueue_trial(point, skip_if_exists=True)
    config = plan.config
    output = Path(config.output) if config.output else plan.paths.best_model
    job = _job(plan, space, parent_run_id, output)
    _write_json_atomically(plan.paths.folder / "job.json", job)
    _publish_for_remote_workers(study, job, tracker, plan.paths)
    return job, on_trial_failed


def _run_trials(job: dict[str, Any], study: optuna.Study, progress: Progress,
                config: SearchConfig, on_trial_failed: Callable[[Any, str], str],
                ) -> tuple[str, str]:
    if config.n_workers == 0:
        return _run_in_process(job, study, progress, config.max_consecutive_failures)
    supervisor = Supervisor(job, study, progress, on_trial_failed=on_trial_failed,
                            deadline=job["training"]["deadline"],
                            max_consecutive_failures=config.max_consecutive_failures)
    return supervisor.run(), supervisor.failure_message


def _run_in_process(job: dict[str, Any], study: optuna.Study, progress: Progress,
                    max_failures: int) -> tuple[str, str]:
    from automl._quiet import import_keras

    import_keras()
    from automl.search._trial_loop import run_in_process

    message = ""

    def after_trial() -> bool:
        nonlocal message
        trials = study.get_trials(deepcopy=False)
        progress.update(trials)
        message = consecutive_failures(trials, max_failures)
        return bool(message)

    try:
        run_in_process(job, after_trial)
    except KeyboardInterrupt:
        progress.update(study.get_trials(deepcopy=False))
        return "interrupted", ""
    deadline = job["training"]["deadline"]
    timed_out = deadline is not None and time.time() >= deadline
    return ("failing" if message else "timeout" if timed_out else "finished"), message


def _announce(progress: Progress, plan: _Plan, study: optuna.Study) -> None:
    done = sum(t.state.is_finished() for t in study.get_trials(deepcopy=False))
    resumed = f", resuming with {done} trials done" if done else ""
    progress.echo(f"Study '{plan.study_name}': {plan.n_trials} trials, metric "
                  f"val_{plan.metric.name} ({plan.metric.direction}), sampler "
                  f"{plan.config.sampler}, pruner {plan.config.pruner}{resumed}.")
    if plan.grid is not None and plan.config.n_trials > len(plan.grid):
        progress.echo(f"The grid has {len(plan.grid)} combinations: running "
                      f"{len(plan.grid)} trials, not {plan.config.n_trials}.")


def _result(plan: _Plan, study: optuna.Study, status: str, parent_run_id: str,
            message: str) -> SearchResult:
    best = best_trial(study.get_trials(deepcopy=False), plan.metric.direction)
    return SearchResult(
        study_name=plan.study_name, storage=plan.storage_url, status=status,
        metric=plan.metric.name, direction=plan.metric.direction,
        best_trial=best.number if best else None, best_value=best.value if best else None,
        best_params=dict(best.params) if best else {}, counts=count_trials(study),
        tracking_uri=plan.tracking_uri, parent_run_id=parent_run_id, message=message,
    )
