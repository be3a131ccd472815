"""MlflowTracker: one experiment per study, one search run, one child run per trial.

Every call names its run explicitly (``MlflowClient``), never MLflow's global active run, because
trials run in worker processes and several processes write into one store.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import Any

from automl.exceptions import ConfigError
from automl.tracking._client import NONFINITE_TAG
from automl.tracking._client import MlflowClient
from automl.tracking._client import MlflowException
from automl.tracking._client import join_artifact_path
from automl.tracking._client import log_batch_chunked
from automl.tracking._client import log_path
from automl.tracking._client import now_ms
from automl.tracking._client import param_entities
from automl.tracking._client import split_finite
from automl.tracking._client import tag_entities
from automl.tracking._runs import PARENT_TAG
from automl.tracking._runs import ROLE_TAG
from automl.tracking._runs import TRIAL_NUMBER_TAG
from automl.tracking._runs import find_trial_runs
from automl.tracking._runs import get_run_or_none
from automl.tracking._runs import reopen_run
from automl.tracking._runs import tag_dict
from automl.tracking._trial import TrialRun
from automl.tracking._uri import redact_uri
from automl.tracking._uri import safe_folder_name
from automl.tracking._uri import sqlite_db_path

__all__ = ["MlflowTracker"]

RUN_END_STATUSES = ("FINISHED", "FAILED", "KILLED")


class MlflowTracker:
    """Log a search to MLflow: an experiment named after the study, a parent run, a run per trial.

    The constructor does no I/O. Call :meth:`setup` once in the parent process before starting
    workers (a brand-new SQLite database opened by several processes at once fails while
    migrating). The tracker pickles without its client, so it can be handed to worker processes.

    Args:
        tracking_uri: MLflow tracking URI, for example ``default_tracking_uri()``
            (``sqlite:///<abs>/mlruns/mlflow.db``), ``postgresql://...`` or ``http://host:5000``.
        experiment_name: The experiment (the study name).

    Example:
        >>> tracker = MlflowTracker(default_tracking_uri("mlruns"), "iris-mlp")  # doctest: +SKIP
        >>> tracker.setup()  # doctest: +SKIP
        '1'
        >>> parent = tracker.start_search_run("search", {"sampler": "tpe"}, {})  # doctest: +SKIP
        >>> run = tracker.start_trial_run(parent, 0, {"units": 64})  # doctest: +SKIP
        >>> run.log_epoch(0, {"val_loss": 0.4})  # doctest: +SKIP
        >>> run.finish("COMPLETE")  # doctest: +SKIP
        >>> tracker.end_search_run(parent)  # doctest: +SKIP
    """

    def __init__(self, tracking_uri: str, experiment_name: str) -> None:
        self._tracking_uri = tracking_uri
        self._experiment_name = experiment_name
        self._experiment_id: str | None = None
        self._client: MlflowClient | None = None

    def __repr__(self) -> str:
        uri = redact_uri(self._tracking_uri)
        return f"MlflowTracker(tracking_uri={uri!r}, experiment_name={self._experiment_name!r})"

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_client": None}

    @property
    def tracking_uri(self) -> str:
        """The tracking URI, as given."""
        return self._tracking_uri

    @property
    def experiment_name(self) -> str:
        """The experiment name, as given."""
        return self._experiment_name

    @property
    def client(self) -> MlflowClient:
        """The ``MlflowClient`` of this tracker (created on first use)."""
        if self._client is None:
            self._client = MlflowClient(tracking_uri=self._tracking_uri)
        return self._client

    @property
    def experiment_id(self) -> str:
        """The experiment's id; looked up (or created, see :meth:`setup`) on first use."""
        return self._experiment_id or self.setup()

    def setup(self) -> str:
        """Create the store (SQLite folder and schema) and the experiment if missing.

        For SQLite URIs the experiment's artifacts go to ``<database folder>/<experiment>/``;
        otherwise MLflow's default location is used. A deleted experiment of the same name is
        restored. Safe to call again, and from several processes once the database exists.

        Returns:
            The experiment id.

        Example:
            >>> MlflowTracker("sqlite:///mlruns/mlflow.db", "demo").setup()  # doctest: +SKIP
            '1'
        """
        db_path = sqlite_db_path(self._tracking_uri)
        if db_path is not None:
            db_path.parent.mkdir(parents=True, exist_ok=True)
        experiment = self.client.get_experiment_by_name(self._experiment_name)
        if experiment is None:
            self._experiment_id = self._create_experiment()
        else:
            if experiment.lifecycle_stage == "deleted":
                self.client.restore_experiment(experiment.experiment_id)
            self._experiment_id = experiment.experiment_id
        return self._experiment_id

    def start_search_run(
        self,
        run_name: str,
        params: Mapping[str, Any],
        tags: Mapping[str, Any],
        run_id: str | None = None,
    ) -> str:
        """Start the parent run of a search, or reopen an earlier one to resume it.

        When reopening, params already logged are kept (MLflow params are immutable); new ones
        are logged, and a param whose value changed is recorded as tag
        ``automl.resumed.<key>`` instead. Tags always include ``automl.role=search``.

        Args:
            run_name: Display name of the run.
            params: Search settings (stringified, cut to 6000 characters).
            tags: Tags (stringified, cut to 8000 characters).
            run_id: Id of an existing run to reopen (its status becomes RUNNING), or None.

        Returns:
            The run id.

        Raises:
            ConfigError: If ``run_id`` names no run of this store, or a deleted one.

        Example:
            >>> parent = tracker.start_search_run("search", {"n_trials": 50}, {})  # doctest: +SKIP
        """
        all_tags = {**tags, ROLE_TAG: "search"}
        if run_id is not None:
            store_label = redact_uri(self._tracking_uri)
            reopen_run(self.client, run_id, params, all_tags, store_label)
            return run_id
        run_id = self._create_run(run_name, all_tags)
        log_batch_chunked(self.client, run_id, params=param_entities(params))
        return run_id

    def log_search_results(
        self,
        run_id: str,
        *,
        metrics: Mapping[str, float] | None = None,
        tags: Mapping[str, Any] | None = None,
        artifacts: Sequence[str | PathLike[str]] = (),
        artifact_path: str | None = None,
        text: Mapping[str, str] | None = None,
    ) -> None:
        """Log the outcome of a search to its parent run.

        Args:
            run_id: The search run.
            metrics: Summary metrics (step 0); non-finite values are tagged, not logged.
            tags: Tags to set.
            artifacts: Files, or directories (logged under their own name).
            artifact_path: Folder inside the run's artifacts for ``artifacts`` and ``text``.
            text: Artifact file name -> content, for example ``{"top_trials.md": table}``.

        Raises:
            FileNotFoundError: If an artifact path does not exist.

        Example:
            >>> tracker.log_search_results(
            ...     parent, metrics={"best_value": 0.93}, text={"top_trials.md": "| # |"}
            ... )  # doctest: +SKIP
        """
        finite, nonfinite = split_finite(metrics or {}, step=0, timestamp=now_ms())
        all_tags = dict(tags or {})
        if nonfinite:
            all_tags[NONFINITE_TAG] = ",".join(sorted(nonfinite))
        log_batch_chunked(self.client, run_id, metrics=finite, tags=tag_entities(all_tags))
        for file_name, content in (text or {}).items():
            self.client.log_text(run_id, content, join_artifact_path(artifact_path, file_name))
        for path in artifacts:
            log_path(self.client, run_id, path, artifact_path)

    def end_search_run(self, run_id: str, status: str = "FINISHED") -> None:
        """End the search run.

        Args:
            run_id: The search run.
            status: ``"FINISHED"`` (default), ``"FAILED"`` or ``"KILLED"``.

        Raises:
            ConfigError: If ``status`` is not one of these.

        Example:
            >>> tracker.end_search_run(parent, status="KILLED")  # doctest: +SKIP
        """
        if status not in RUN_END_STATUSES:
            raise ConfigError(
                f"Unknown MLflow run status {status!r}. Expected one of {list(RUN_END_STATUSES)}."
            )
        self.client.set_terminated(run_id, status=status)

    def start_trial_run(
        self,
        parent_run_id: str,
        trial_number: int,
        params: Mapping[str, Any],
        tags: Mapping[str, Any] | None = None,
    ) -> TrialRun:
        """Start the child run of one trial (name ``trial-0007``), with its params.

        Args:
            parent_run_id: The search run.
            trial_number: The Optuna trial number (tag ``automl.trial_number``).
            params: The trial's hyperparameters, logged with one ``log_batch`` call.
            tags: Extra tags.

        Returns:
            The :class:`TrialRun`, to log epochs and finish.

        Example:
            >>> run = tracker.start_trial_run(parent, 7, {"units": 64})  # doctest: +SKIP
        """
        all_tags = {
            **(tags or {}),
            PARENT_TAG: parent_run_id,
            ROLE_TAG: "trial",
            TRIAL_NUMBER_TAG: int(trial_number),
        }
        run_id = self._create_run(f"trial-{trial_number:04d}", all_tags)
        log_batch_chunked(self.client, run_id, params=param_entities(params))
        return TrialRun(self.client, run_id)

    def close_stale_trial_run(self, run_id: str, reason: str | None,
                              state: str = "FAIL") -> bool:
        """End a trial run left RUNNING by a worker that died, to match its trial's state.

        A worker can die after telling Optuna a trial's outcome and before ending the trial's
        run; the study is the source of truth, so the run is ended to agree with it.

        Args:
            run_id: The trial's run.
            reason: Why the trial failed (tag ``automl.fail_reason``; FAIL only).
            state: The trial's state: ``"FAIL"`` (run FAILED), ``"COMPLETE"`` (FINISHED) or
                ``"PRUNED"`` (KILLED).

        Returns:
            True if the run was RUNNING and is now ended; False if it had already ended or
            does not exist.

        Example:
            >>> tracker.close_stale_trial_run(run_id, "worker 2 died")  # doctest: +SKIP
            True
        """
        run = get_run_or_none(self.client, run_id)
        if run is None or run.info.status != "RUNNING":
            return False
        tags = {"automl.trial_state": state, "automl.closed_by": "reconciliation"}
        if state == "FAIL":
            tags["automl.fail_reason"] = reason or "worker_died"
        log_batch_chunked(self.client, run_id, tags=tag_entities(tags))
        status = {"COMPLETE": "FINISHED", "PRUNED": "KILLED"}.get(state, "FAILED")
        self.client.set_terminated(run_id, status=status)
        return True

    def trial_runs(self, parent_run_id: str) -> list[dict[str, Any]]:
        """List the trial runs of a search run, sorted by trial number.

        Args:
            parent_run_id: The search run.

        Returns:
            One dict per trial run: ``run_id``, ``trial_number`` (int), ``status``, ``tags``,
            ``params`` and ``metrics`` (last value of each).

        Raises:
            ConfigError: If ``parent_run_id`` is not a valid run id.

        Example:
            >>> [row["status"] for row in tracker.trial_runs(parent)]  # doctest: +SKIP
            ['FINISHED', 'KILLED']
        """
        return find_trial_runs(self.client, self.experiment_id, parent_run_id)

    def metric_history(self, run_id: str, key: str) -> list[tuple[int, float]]:
        """Return every logged value of one metric of a run, in step order.

        Args:
            run_id: The run.
            key: The metric name.

        Returns:
            ``[(step, value), ...]``; empty if the metric was never logged.

        Example:
            >>> tracker.metric_history(run.run_id, "val_loss")  # doctest: +SKIP
            [(0, 0.52), (1, 0.41)]
        """
        history = self.client.get_metric_history(run_id, key)
        ordered = sorted(history, key=lambda metric: (metric.step, metric.timestamp))
        return [(metric.step, metric.value) for metric in ordered]

    def log_artifacts_to_run(
        self, run_id: str, path: str | PathLike[str], artifact_path: str | None = None
    ) -> None:
        """Log a file, or a directory under its own name, as artifacts of any run.

        Args:
            run_id: The run.
            path: A file or a directory.
            artifact_path: Folder inside the run's artifacts; None for the root.

        Raises:
            FileNotFoundError: If ``path`` does not exist.

        Example:
            >>> tracker.log_artifacts_to_run(parent, "best_model/")  # doctest: +SKIP
        """
        log_path(self.client, run_id, path, artifact_path)

    def download_artifacts(self, run_id: str, artifact_path: str,
                           destination: str | PathLike[str]) -> Path:
        """Copy a run's artifact (file or folder) into a local folder; returns the local path.

        Example:
            >>> tracker.download_artifacts(parent, "dataset_search", "cache/")  # doctest: +SKIP
        """
        Path(destination).mkdir(parents=True, exist_ok=True)
        return Path(self.client.download_artifacts(run_id, artifact_path, str(destination)))

    def _create_run(self, run_name: str, tags: Mapping[str, Any]) -> str:
        run = self.client.create_run(self.experiment_id, tags=tag_dict(tags), run_name=run_name)
        return run.info.run_id

    def _create_experiment(self) -> str:
        try:
            return self.client.create_experiment(
                self._experiment_name, artifact_location=self._artifact_location()
            )
        except MlflowException as error:
            if error.error_code != "RESOURCE_ALREADY_EXISTS":
                raise
        experiment = self.client.get_experiment_by_name(self._experiment_name)
        return experiment.experiment_id  # another process created it meanwhile

    def _artifact_location(self) -> str | None:
        db_path = sqlite_db_path(self._tracking_uri)
        if db_path is None:
            return None
        folder = db_path.parent.resolve() / safe_folder_name(self._experiment_name)
        return folder.as_uri()
