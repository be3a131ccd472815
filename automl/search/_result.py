"""SearchResult: what a search returns."""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass
class SearchResult:
    """Outcome of :func:`automl.search.run_search`.

    Attributes:
        study_name: Name of the Optuna study (and MLflow experiment).
        storage: Optuna storage URL of the study.
        status: ``"finished"``, ``"timeout"``, ``"interrupted"`` or ``"failing"``.
        metric: Objective metric name; ``direction`` says whether higher is better.
        direction: ``"maximize"`` or ``"minimize"``.
        best_trial: Number of the best trial, or ``None`` if no trial completed.
        best_value: Its validation value.
        best_params: Its parameters.
        test_scores: Scores of the best model on the held-out test part.
        model_path: Folder of the saved best model (``automl predict`` takes it).
        counts: Number of trials per state (``COMPLETE``, ``PRUNED``, ``FAIL``...).
        tracking_uri: MLflow tracking URI; ``parent_run_id`` is the search's run there.
        parent_run_id: MLflow run of the search.
        message: Why the search stopped early, when it did.
    """

    study_name: str
    storage: str
    status: str
    metric: str
    direction: str
    best_trial: int | None = None
    best_value: float | None = None
    best_params: dict[str, Any] = dataclasses.field(default_factory=dict)
    test_scores: dict[str, float] = dataclasses.field(default_factory=dict)
    model_path: str | None = None
    counts: dict[str, int] = dataclasses.field(default_factory=dict)
    tracking_uri: str = ""
    parent_run_id: str = ""
    message: str = ""

    def trials_dataframe(self) -> Any:
        """All trials of the study as a pandas DataFrame (``optuna.Study.trials_dataframe``)."""
        import optuna

        from automl.search._study import open_storage

        study = optuna.load_study(study_name=self.study_name, storage=open_storage(self.storage))
        return study.trials_dataframe()
