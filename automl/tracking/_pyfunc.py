"""The MLflow run of an ensemble, and the ensemble logged as a pyfunc model.

The model is logged with MLflow's models-from-code (``python_model=`` the path of
``_pyfunc_model.py``), so nothing is cloudpickled: the saved folder is the model's ``bundle``
artifact, the ``automl`` package its code, and ``pip_requirements`` are given explicitly (MLflow
would otherwise spend seconds inferring them). ``mlflow models serve -m <model uri>
--env-manager local`` serves it; the prediction table is the one ``automl predict`` writes.

Example:
    >>> logged = log_ensemble_run(
    ...     uri, "wine", parent_run_id=search_run, run_name="ensemble-voting",
    ...     params={"method": "voting"}, metrics={"test_accuracy": 0.97}, tags={}, text={},
    ...     model_folder="ensemble_voting")                                  # doctest: +SKIP
    >>> mlflow.pyfunc.load_model(logged["model_uri"]).predict(frame)              # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import logging
import os
from collections.abc import Iterator
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from automl.tracking._client import NONFINITE_TAG
from automl.tracking._client import log_batch_chunked
from automl.tracking._client import now_ms
from automl.tracking._client import param_entities
from automl.tracking._client import split_finite
from automl.tracking._client import tag_entities
from automl.tracking._mlflow import MlflowTracker
from automl.tracking._runs import PARENT_TAG
from automl.tracking._runs import ROLE_TAG
from automl.tracking._runs import tag_dict

__all__ = ["MODEL_CODE", "MODEL_NAME", "log_ensemble_run", "log_pyfunc_model",
           "pip_requirements"]

MODEL_CODE = Path(__file__).with_name("_pyfunc_model.py")
MODEL_NAME = "model"
_REQUIREMENTS = ("mlflow", "tensorflow", "keras", "numpy", "pandas", "scikit-learn", "pyyaml")


def pip_requirements() -> list[str]:
    """Pinned requirements of the served model (the installed versions; automl is its code)."""
    found = []
    for name in _REQUIREMENTS:
        try:
            found.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(name)
    return found


@contextlib.contextmanager
def _tracking_uri(uri: str) -> Iterator[Any]:
    """MLflow's fluent API pointed at ``uri`` for a moment; the previous setting comes back
    exactly (also "not set", so ``MLFLOW_TRACKING_URI`` keeps working afterwards)."""
    import mlflow
    from mlflow.tracking._tracking_service import utils as tracking_utils

    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    previous = getattr(tracking_utils, "_tracking_uri", None)
    mlflow.set_tracking_uri(uri)
    try:
        yield mlflow
    finally:
        tracking_utils._tracking_uri = previous


def log_pyfunc_model(tracking_uri: str, run_id: str, folder: str | os.PathLike) -> str:
    """Logs a saved model or ensemble folder as the pyfunc model ``model`` of a run.

    Args:
        tracking_uri: The MLflow tracking URI.
        run_id: The run (it is ended FINISHED afterwards by MLflow's run context).
        folder: The folder ``automl.bundle.load_bundle`` reads.

    Returns:
        The model's URI (``models:/<id>``), for ``mlflow.pyfunc.load_model``.
    """
    import automl

    pyfunc_logger = logging.getLogger("mlflow.pyfunc")
    level = pyfunc_logger.level
    pyfunc_logger.setLevel(logging.ERROR)  # "cannot infer a signature from type hints"
    try:
        with _tracking_uri(tracking_uri) as mlflow, mlflow.start_run(run_id=run_id):
            info = mlflow.pyfunc.log_model(
                name=MODEL_NAME, python_model=str(MODEL_CODE),
                artifacts={"bundle": str(Path(folder).resolve())},
                code_paths=[str(Path(automl.__file__).parent)],
                pip_requirements=pip_requirements(),
            )
    finally:
        pyfunc_logger.setLevel(level)
    return info.model_uri


def log_ensemble_run(tracking_uri: str, experiment_name: str, *, parent_run_id: str | None,
                     run_name: str, params: Mapping[str, Any], metrics: Mapping[str, float],
                     tags: Mapping[str, Any], text: Mapping[str, str],
                     model_folder: str | os.PathLike) -> dict[str, str]:
    """Records one ensemble as its own run (``automl.role=ensemble``) with its pyfunc model.

    The run goes into the study's experiment, nested under the search run when
    ``parent_run_id`` is given. It ends FINISHED, or FAILED if logging raised.

    Args:
        tracking_uri: The MLflow tracking URI.
        experiment_name: The study's experiment.
        parent_run_id: The search run, or None.
        run_name: Display name (for example ``ensemble-stacking``).
        params: Method, members, weights... (stringified).
        metrics: Test scores, the best single model's, diversity... (non-finite ones tagged).
        tags: Extra tags (for example the members' run ids).
        text: Artifact file name -> content (for example ``ensemble.json``).
        model_folder: The saved ensemble folder, logged as the pyfunc model ``model``.

    Returns:
        ``{"run_id": ..., "model_uri": ...}``.
    """
    tracker = MlflowTracker(tracking_uri, experiment_name)
    tracker.setup()
    client = tracker.client
    all_tags = {**tags, ROLE_TAG: "ensemble"}
    if parent_run_id:
        all_tags[PARENT_TAG] = parent_run_id
    run_id = client.create_run(tracker.experiment_id, tags=tag_dict(all_tags),
                               run_name=run_name).info.run_id
    try:
        finite, nonfinite = split_finite(metrics, step=0, timestamp=now_ms())
        extra_tags = {NONFINITE_TAG: ",".join(sorted(nonfinite))} if nonfinite else {}
        log_batch_chunked(client, run_id, metrics=finite, params=param_entities(params),
                          tags=tag_entities(extra_tags))
        for file_name, content in text.items():
            client.log_text(run_id, content, file_name)
        model_uri = log_pyfunc_model(tracking_uri, run_id, model_folder)
    except BaseException:
        client.set_terminated(run_id, status="FAILED")
        raise
    client.set_terminated(run_id, status="FINISHED")
    return {"run_id": run_id, "model_uri": model_uri}
