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
        study_folder: Folder of the study's files (``<root>/studies/<study_name>``), when known.

    Example:
        >>> import automl
        >>> result = automl.search("examples/wine.csv", target="cultivar",
        ...                        n_trials=3, max_epochs=5)              # doctest: +SKIP
        >>> result.best_value, result.test_scores["accuracy"]            # doctest: +SKIP
        >>> result.trials_dataframe()[["number", "state", "value"]]      # doctest: +SKIP
        >>> result.load_best_model().predict(new_rows)                   # doctest: +SKIP
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
    study_folder: str = ""

    def trials_dataframe(self) -> Any:
        """All trials of the study as a pandas DataFrame (``optuna.Study.trials_dataframe``)."""
        import optuna

        from automl.search._study import open_storage

        study = optuna.load_study(study_name=self.study_name, storage=open_storage(self.storage))
        return study.trials_dataframe()

    def load_best_model(self) -> Any:
        """Loads the saved best model with its preprocessing (Keras safe mode, no pickle).

        Returns:
            An :class:`automl.bundle.ModelBundle`: ``predict(frame)`` takes raw rows and
            returns ``prediction`` (and ``probability_<class>``) columns.

        Raises:
            NotFittedError: If the search saved no model (no trial completed).
        """
        from automl.bundle import load_bundle
        from automl.exceptions import NotFittedError

        if not self.model_path:
            raise NotFittedError(f"Search '{self.study_name}' has no best model: no trial "
                                 f"completed (status {self.status!r}, trials {self.counts}).")
        return load_bundle(self.model_path)

    def build_ensemble(self, method: str = "voting", *, top_k: int = 5, **options: Any) -> Any:
        """Combines the study's best trials into one model (see :mod:`automl.ensembles`).

        Args:
            method: ``"voting"`` (default), ``"stacking"``, ``"bagging"`` or ``"selection"``.
            top_k: Number of best COMPLETE trials to combine (default 5).
            **options: Further fields of ``automl.ensembles.EnsembleConfig`` (``voting``,
                ``folds``, ``bags``, ``n_workers``, ``output``...).

        Returns:
            The ``automl.ensembles.EnsembleResult`` (test scores, saved folder, MLflow run).

        Raises:
            MissingDependencyError: If this installation has no ``automl.ensembles``.
            ConfigError: If the study folder is unknown or an option is invalid.
        """
        import importlib

        from automl.exceptions import ConfigError
        from automl.exceptions import MissingDependencyError

        try:
            ensembles = importlib.import_module("automl.ensembles")
        except ModuleNotFoundError as error:
            if error.name != "automl.ensembles":
                raise
            raise MissingDependencyError(
                "Building an ensemble needs the automl.ensembles package, which this "
                "installation lacks. Expected automl with ensembles; update automl."
            ) from None
        if not self.study_folder:
            raise ConfigError(f"Cannot build an ensemble of study '{self.study_name}': its "
                              "folder is unknown. Expected a result of automl.search().")
        config = ensembles.EnsembleConfig(method=method, top_k=top_k, **options)
        return ensembles.build_ensemble(self.study_folder, config)
