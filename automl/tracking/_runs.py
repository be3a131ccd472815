"""Run-level operations behind MlflowTracker: resuming a search run, listing trial runs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from automl.exceptions import ConfigError
from automl.tracking._client import MlflowClient
from automl.tracking._client import MlflowException
from automl.tracking._client import is_not_found
from automl.tracking._client import iter_pages
from automl.tracking._client import log_batch_chunked
from automl.tracking._client import param_entities
from automl.tracking._client import tag_entities
from automl.tracking._client import tag_value

__all__ = [
    "PARENT_TAG",
    "RESUMED_TAG_PREFIX",
    "ROLE_TAG",
    "TRIAL_NUMBER_TAG",
    "find_trial_runs",
    "get_run_or_none",
    "reopen_run",
    "tag_dict",
]

ROLE_TAG = "automl.role"
TRIAL_NUMBER_TAG = "automl.trial_number"
PARENT_TAG = "mlflow.parentRunId"
RESUMED_TAG_PREFIX = "automl.resumed."
_RUN_ID_PATTERN = re.compile(r"[A-Za-z0-9][\w-]{0,255}")
_PAGE_SIZE = 1000


def tag_dict(tags: Mapping[str, Any]) -> dict[str, str]:
    """Stringify tag keys and values (values cut to 8000 characters) for ``create_run``."""
    return {str(key): tag_value(value) for key, value in tags.items()}


def get_run_or_none(client: MlflowClient, run_id: str) -> Any:
    """Return the run, or None if the store has no run with this id.

    Raises:
        MlflowException: For any other store error.
    """
    try:
        return client.get_run(run_id)
    except MlflowException as error:
        if is_not_found(error):
            return None
        raise


def reopen_run(
    client: MlflowClient,
    run_id: str,
    params: Mapping[str, Any],
    tags: Mapping[str, Any],
    store_label: str,
) -> None:
    """Set a finished run back to RUNNING and add what changed since it was started.

    Params already logged are kept (MLflow params are immutable): new ones are logged, and a
    param whose value changed is recorded as tag ``automl.resumed.<key>``.

    Args:
        client: The MLflow client.
        run_id: The run to reopen.
        params: The params of the resumed search.
        tags: Tags to set.
        store_label: How to name the store in error messages (a redacted URI).

    Raises:
        ConfigError: If there is no such run, or it was deleted.
    """
    logged = _run_to_resume(client, run_id, store_label).data.params
    wanted = {param.key: param.value for param in param_entities(params)}
    new_params = {key: value for key, value in wanted.items() if key not in logged}
    changed = {
        RESUMED_TAG_PREFIX + key: value
        for key, value in wanted.items()
        if key in logged and logged[key] != value
    }
    client.update_run(run_id, status="RUNNING")
    log_batch_chunked(
        client, run_id, params=param_entities(new_params), tags=tag_entities({**tags, **changed})
    )


def find_trial_runs(
    client: MlflowClient, experiment_id: str, parent_run_id: str
) -> list[dict[str, Any]]:
    """List the trial runs under a parent run, sorted by trial number (see ``trial_runs``).

    Raises:
        ConfigError: If ``parent_run_id`` is not a valid run id.
    """
    if not _RUN_ID_PATTERN.fullmatch(parent_run_id):
        raise ConfigError(
            f"Invalid MLflow run id {parent_run_id!r}. Expected letters, digits, '_' or '-'."
        )
    query = f"tags.{PARENT_TAG} = '{parent_run_id}'"
    runs = iter_pages(
        lambda token: client.search_runs(
            [experiment_id],
            filter_string=query,
            max_results=_PAGE_SIZE,
            order_by=["attributes.start_time ASC"],
            page_token=token,
        )
    )
    rows = [row for row in map(_trial_row, runs) if row is not None]
    return sorted(rows, key=lambda row: row["trial_number"])


def _run_to_resume(client: MlflowClient, run_id: str, store_label: str) -> Any:
    run = get_run_or_none(client, run_id)
    where = f"Cannot resume MLflow run '{run_id}' in '{store_label}'"
    if run is None:
        raise ConfigError(f"{where}: no such run. Expected the id of this study's search run.")
    if run.info.lifecycle_stage == "deleted":
        raise ConfigError(
            f"{where}: the run was deleted. "
            "Restore it (mlflow runs restore --run-id ...) or start a new search run."
        )
    return run


def _trial_row(run: Any) -> dict[str, Any] | None:
    number = run.data.tags.get(TRIAL_NUMBER_TAG, "")
    if not number.lstrip("-").isdigit():
        return None  # a child run that automl did not create
    return {
        "run_id": run.info.run_id,
        "trial_number": int(number),
        "status": run.info.status,
        "tags": dict(run.data.tags),
        "params": dict(run.data.params),
        "metrics": dict(run.data.metrics),
    }
