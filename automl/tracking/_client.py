"""The one place that imports MLflow: quiet settings, value limits and batched writes.

Environment defaults are set before the import: telemetry off, and no "View run at" line
printed per run when the store is a remote server. Alembic's and MLflow's database INFO logs
(schema migrations) are lowered to WARNING.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import Any

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")

from mlflow.entities import Metric  # noqa: E402
from mlflow.entities import Param  # noqa: E402
from mlflow.entities import RunTag  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402
from mlflow.tracking import MlflowClient  # noqa: E402

__all__ = [
    "MAX_PARAM_VALUE_LENGTH",
    "MAX_TAG_VALUE_LENGTH",
    "NONFINITE_TAG",
    "Metric",
    "MlflowClient",
    "MlflowException",
    "is_not_found",
    "iter_pages",
    "join_artifact_path",
    "log_batch_chunked",
    "log_path",
    "now_ms",
    "param_entities",
    "split_finite",
    "tag_entities",
    "tag_value",
]

MAX_PARAM_VALUE_LENGTH = 6000
MAX_TAG_VALUE_LENGTH = 8000
NONFINITE_TAG = "automl.nonfinite_metrics"
_MAX_ENTITIES_PER_BATCH = 1000
_MAX_PARAMS_TAGS_PER_BATCH = 100

for _quiet_logger in ("alembic", "mlflow.store"):  # schema migration chatter at INFO
    logging.getLogger(_quiet_logger).setLevel(logging.WARNING)


def now_ms() -> int:
    """Return the current time in milliseconds since the epoch (MLflow's timestamp unit)."""
    return int(time.time() * 1000)


def tag_value(value: Any) -> str:
    """Stringify a tag value and cut it to MLflow's 8000-character limit.

    Example:
        >>> len(tag_value("x" * 9000))
        8000
    """
    return str(value)[:MAX_TAG_VALUE_LENGTH]


def param_entities(params: Mapping[str, Any]) -> list[Param]:
    """Turn a mapping into MLflow params: values stringified, cut to 6000 characters."""
    return [Param(str(key), str(value)[:MAX_PARAM_VALUE_LENGTH]) for key, value in params.items()]


def tag_entities(tags: Mapping[str, Any]) -> list[RunTag]:
    """Turn a mapping into MLflow tags: values stringified, cut to 8000 characters."""
    return [RunTag(str(key), tag_value(value)) for key, value in tags.items()]


def split_finite(
    metrics: Mapping[str, Any], *, step: int, timestamp: int
) -> tuple[list[Metric], list[str]]:
    """Separate finite metric values (to log) from non-finite ones (NaN, inf: to tag).

    Args:
        metrics: Metric name -> number.
        step: The step of every metric (the epoch, or 0).
        timestamp: Milliseconds since the epoch.

    Returns:
        ``(metrics to log, names of the non-finite ones)``.

    Example:
        >>> logged, skipped = split_finite({"a": 1.0, "b": float("nan")}, step=0, timestamp=0)
        >>> [m.key for m in logged], skipped
        (['a'], ['b'])
    """
    finite, nonfinite = [], []
    for key, value in metrics.items():
        number = float(value)
        if math.isfinite(number):
            finite.append(Metric(str(key), number, timestamp, step))
        else:
            nonfinite.append(str(key))
    return finite, nonfinite


def log_batch_chunked(
    client: MlflowClient,
    run_id: str,
    *,
    metrics: Sequence[Metric] = (),
    params: Sequence[Param] = (),
    tags: Sequence[RunTag] = (),
) -> None:
    """Write metrics, params and tags with as few ``log_batch`` calls as MLflow's limits allow.

    One call takes up to 100 params, 100 tags and 1000 entities in all; more are split.

    Args:
        client: The MLflow client.
        run_id: The run to write to.
        metrics: Metric entities.
        params: Param entities.
        tags: Tag entities.
    """
    metrics, params, tags = list(metrics), list(params), list(tags)
    while metrics or params or tags:
        size = _MAX_PARAMS_TAGS_PER_BATCH
        params_chunk, params = params[:size], params[size:]
        tags_chunk, tags = tags[:size], tags[size:]
        room = _MAX_ENTITIES_PER_BATCH - len(params_chunk) - len(tags_chunk)
        metrics_chunk, metrics = metrics[:room], metrics[room:]
        client.log_batch(run_id, metrics=metrics_chunk, params=params_chunk, tags=tags_chunk)


def log_path(
    client: MlflowClient, run_id: str, path: str | PathLike[str], artifact_path: str | None
) -> None:
    """Log a file, or a directory under its own name, as artifacts of a run.

    Args:
        client: The MLflow client.
        run_id: The run to attach the artifacts to.
        path: A file, or a directory (logged as ``<artifact_path>/<directory name>/...``).
        artifact_path: Folder inside the run's artifacts; None for the root.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
    """
    local = Path(path)
    if local.is_dir():
        client.log_artifacts(run_id, str(local), join_artifact_path(artifact_path, local.name))
    elif local.is_file():
        client.log_artifact(run_id, str(local), artifact_path)
    else:
        raise FileNotFoundError(f"Artifact path '{local}' does not exist.")


def join_artifact_path(*parts: str | None) -> str:
    """Join artifact folder names with ``/``, skipping empty ones.

    Example:
        >>> join_artifact_path(None, "model")
        'model'
    """
    return "/".join(part.strip("/") for part in parts if part)


def is_not_found(error: MlflowException) -> bool:
    """Tell whether an MLflow error means "no such run or experiment"."""
    return error.error_code == "RESOURCE_DOES_NOT_EXIST"


def iter_pages(fetch: Callable[[str | None], Any]) -> Iterable[Any]:
    """Yield every item of a paginated MLflow listing.

    Args:
        fetch: ``fetch(page_token) -> PagedList``.
    """
    token = None
    while True:
        page = fetch(token)
        yield from page
        token = page.token
        if not token:
            return

