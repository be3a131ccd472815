"""TrialRun: the MLflow child run of one trial, with buffered metric logging."""

from __future__ import annotations

import time
from collections.abc import Callable
from collections.abc import Mapping
from os import PathLike
from typing import Any

from automl.exceptions import ConfigError
from automl.tracking._client import NONFINITE_TAG
from automl.tracking._client import Metric
from automl.tracking._client import MlflowClient
from automl.tracking._client import log_batch_chunked
from automl.tracking._client import log_path
from automl.tracking._client import now_ms
from automl.tracking._client import split_finite
from automl.tracking._client import tag_entities

__all__ = ["TrialRun", "TRIAL_STATES"]

#: Optuna trial state -> MLflow run status.
TRIAL_STATES = {"COMPLETE": "FINISHED", "PRUNED": "KILLED", "FAIL": "FAILED"}
FLUSH_INTERVAL_S = 10.0


class TrialRun:
    """The MLflow run of one trial: metrics are buffered and written in batches.

    ``log_epoch``, ``log_metrics`` and ``set_tags`` only fill an in-memory buffer; it is written
    with one ``log_batch`` call at :meth:`finish`, or as soon as its oldest entry is older than
    10 seconds (so a long trial still shows progress in the UI). Create it with
    :meth:`MlflowTracker.start_trial_run`, not directly.

    Args:
        client: The MLflow client of the tracker.
        run_id: The run's id.
        flush_interval: Seconds after which a non-empty buffer is written. Defaults to 10.
        clock: Monotonic clock in seconds (a parameter so tests can drive it).

    Example:
        >>> run = tracker.start_trial_run(parent_id, 3, {"units": 64})  # doctest: +SKIP
        >>> run.log_epoch(1, {"loss": 0.7, "val_loss": 0.8})  # doctest: +SKIP
        >>> run.finish("COMPLETE")  # doctest: +SKIP
    """

    def __init__(
        self,
        client: MlflowClient,
        run_id: str,
        *,
        flush_interval: float = FLUSH_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self.run_id = run_id
        self._flush_interval = flush_interval
        self._clock = clock
        self._metrics: list[Metric] = []
        self._tags: dict[str, Any] = {}
        self._buffered_since: float | None = None
        self._nonfinite: set[str] = set()
        self._last_step = 0
        self._finished = False

    def __repr__(self) -> str:
        return f"TrialRun(run_id={self.run_id!r}, finished={self._finished})"

    @property
    def finished(self) -> bool:
        """Whether :meth:`finish` has ended the run."""
        return self._finished

    def log_epoch(self, epoch: int, metrics: Mapping[str, float]) -> None:
        """Buffer the metrics of one epoch (step = ``epoch``).

        Non-finite values (NaN, inf) are not logged; their names go to the tag
        ``automl.nonfinite_metrics`` instead.

        Args:
            epoch: The epoch number, used as the metric step.
            metrics: Metric name -> value (Keras ``logs``).

        Example:
            >>> run.log_epoch(0, {"loss": 0.69, "val_loss": float("nan")})  # doctest: +SKIP
        """
        self._last_step = max(self._last_step, int(epoch))
        self._buffer_metrics(metrics, step=int(epoch))

    def log_metrics(self, metrics: Mapping[str, float]) -> None:
        """Buffer final metrics (step = the last epoch logged, or 0).

        Args:
            metrics: Metric name -> value, for example ``{"best_val_loss": 0.31}``.

        Example:
            >>> run.log_metrics({"best_val_accuracy": 0.93, "fit_seconds": 4.2})  # doctest: +SKIP
        """
        self._buffer_metrics(metrics, step=self._last_step)

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        """Buffer tags (values are stringified and cut to 8000 characters when written).

        Args:
            tags: Tag name -> value.

        Example:
            >>> run.set_tags({"automl.worker_pid": 1234})  # doctest: +SKIP
        """
        self._tags.update(tags)
        self._mark_buffered()
        self._flush_if_old()

    def log_artifact(self, path: str | PathLike[str], artifact_path: str | None = None) -> None:
        """Log a file, or a directory under its own name, as artifacts of this run (at once).

        Args:
            path: A file or a directory.
            artifact_path: Folder inside the run's artifacts; None for the root.

        Raises:
            FileNotFoundError: If ``path`` does not exist.

        Example:
            >>> run.log_artifact("history.json")  # doctest: +SKIP
        """
        log_path(self._client, self.run_id, path, artifact_path)

    def finish(
        self, state: str, *, reason: str | None = None, pruned_epoch: int | None = None
    ) -> None:
        """Write the buffer and end the run; calling it again does nothing.

        ``"COMPLETE"`` ends the run FINISHED; ``"PRUNED"`` ends it KILLED with tags
        ``automl.pruned=true`` and ``automl.pruned_epoch``; ``"FAIL"`` ends it FAILED with tag
        ``automl.fail_reason``. The tag ``automl.trial_state`` is always set.

        Args:
            state: The Optuna trial state: ``"COMPLETE"``, ``"PRUNED"`` or ``"FAIL"``.
            reason: Why the trial failed (FAIL only; cut to 8000 characters).
            pruned_epoch: The epoch at which the trial was pruned (PRUNED only).

        Raises:
            ConfigError: If ``state`` is not one of the three states.

        Example:
            >>> run.finish("PRUNED", pruned_epoch=2)  # doctest: +SKIP
        """
        if state not in TRIAL_STATES:
            raise ConfigError(
                f"Unknown trial state {state!r}. Expected one of {sorted(TRIAL_STATES)}."
            )
        if self._finished:
            return
        self._tags.update(_final_tags(state, reason, pruned_epoch))
        self.flush()
        self._client.set_terminated(self.run_id, status=TRIAL_STATES[state])
        self._finished = True

    def flush(self) -> None:
        """Write buffered metrics and tags now (one ``log_batch`` call when under its limits)."""
        if not self._metrics and not self._tags:
            return
        log_batch_chunked(
            self._client, self.run_id, metrics=self._metrics, tags=tag_entities(self._tags)
        )
        self._metrics, self._tags, self._buffered_since = [], {}, None

    def _buffer_metrics(self, metrics: Mapping[str, float], *, step: int) -> None:
        finite, nonfinite = split_finite(metrics, step=step, timestamp=now_ms())
        self._metrics.extend(finite)
        if nonfinite and not self._nonfinite.issuperset(nonfinite):
            self._nonfinite.update(nonfinite)
            self._tags[NONFINITE_TAG] = ",".join(sorted(self._nonfinite))
        self._mark_buffered()
        self._flush_if_old()

    def _mark_buffered(self) -> None:
        if self._buffered_since is None:
            self._buffered_since = self._clock()

    def _flush_if_old(self) -> None:
        if self._buffered_since is None or self._finished:
            return
        if self._clock() - self._buffered_since >= self._flush_interval:
            self.flush()


def _final_tags(state: str, reason: str | None, pruned_epoch: int | None) -> dict[str, Any]:
    tags: dict[str, Any] = {"automl.trial_state": state}
    if state == "PRUNED":
        tags["automl.pruned"] = "true"
        if pruned_epoch is not None:
            tags["automl.pruned_epoch"] = int(pruned_epoch)
    elif state == "FAIL":
        tags["automl.fail_reason"] = reason or "unknown"
    return tags
