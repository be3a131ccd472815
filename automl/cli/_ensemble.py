"""``automl ensemble --study-name NAME --method ...``: combine a study's best trials.

Also the ensemble step of ``automl search --ensemble METHOD``. Heavy imports (Keras, Optuna,
MLflow) happen inside the functions, after the options are checked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from automl.ensembles._config import METHODS
from automl.ensembles._config import VOTING
from automl.exceptions import AutoMLError
from automl.exceptions import DataError
from automl.exceptions import UserInputError

__all__ = ["check_cv", "ensemble", "ensemble_after_search"]

EXIT_FAILED = 1


def check_cv(dataset: Any, n_folds: int | None) -> None:
    """Checks, before a ``--cv`` search starts, that each class can fill every fold.

    Raises:
        DataError: If there are fewer than ``2 * n_folds`` search rows, or a class has fewer
            than ``n_folds`` of them.
    """
    if not n_folds or getattr(dataset.spec, "kind", None) == "image":
        return  # images: the search refuses --cv with its own message
    import numpy as np

    y = np.concatenate([dataset.y_train, dataset.y_val])
    source = dataset.summary.get("source", "the data")
    if len(y) < 2 * n_folds:
        raise DataError(f"Invalid value for '--cv': {n_folds} folds need at least {2 * n_folds} "
                        f"training and validation rows. Received: {len(y)} rows in '{source}'.")
    if dataset.spec.task != "regression":
        counts = np.bincount(y.astype(np.int64), minlength=dataset.spec.n_classes)
        smallest = int(np.argmin(counts))
        if counts[smallest] < n_folds:
            raise DataError(
                f"Invalid value for '--cv': {n_folds} folds need at least {n_folds} training and "
                f"validation rows of each class. Received: class "
                f"'{dataset.spec.class_names[smallest]}' has {counts[smallest]} in '{source}'."
            )


def _table(result: Any) -> list[str]:
    best = result.best_single_test_scores
    header = f"best single (trial {result.best_trial})"
    lines = [f"  {'held-out test':<18}  {'ensemble':>10}  {header}"]
    for name, value in result.test_scores.items():
        single = f"{best[name]:.4f}" if name in best else "-"
        lines.append(f"  {name:<18}  {value:>10.4f}  {single}")
    return lines


def _how(result: Any) -> str:
    training = result.details.get("training")
    if training is None:
        return "weights " + ", ".join(f"{name} {w:.3g}" for name, w in result.weights.items())
    where = ("the validation part's predictions" if training["source"] == "validation" else
             f"out-of-fold predictions ({training['folds']} folds, "
             f"{'reused from the search' if training['reused_from_search'] else 'refitted'})")
    learner = result.details["meta_learner"]
    return f"{learner} meta-learner fitted on {training['rows']} rows of {where}"


def _data_hint(folder: Path) -> str:
    """What ``automl predict`` takes with the saved ensemble, when the data is not known."""
    from automl.bundle import bundle_input_kind

    return "IMAGES/" if bundle_input_kind(folder) == "image" else "DATA.csv"


def print_ensemble(result: Any, data: str | None = None) -> None:
    """Prints an ensemble's members, its test scores beside the best single model's, and where
    it was saved."""
    echo = click.echo
    echo(f"Ensemble '{result.method}' of trials {result.member_trials}: {_how(result)}")
    for key, value in sorted(result.details.items()):
        if key.startswith("oob_") and key != "oob_rows":
            echo(f"Out-of-bag estimate: {key[4:]} {value:.4f} on {result.details['oob_rows']} "
                 "training rows")
    if result.diversity:
        echo("Diversity on the test part: " + ", ".join(
            f"{k} {v:.4f}" for k, v in sorted(result.diversity.items())))
    for line in _table(result):
        echo(line)
    echo(f"Ensemble saved to: {result.output}")
    echo(f"Predict with:  automl predict {result.output} {data or _data_hint(result.output)} "
         "-o predictions.csv")
    if result.model_uri:
        echo(f"MLflow run {result.run_id}; pyfunc model {result.model_uri}")


def _run(study_folder: Path, config: Any, quiet: bool, data: str | None = None) -> int:
    from automl.ensembles import build_ensemble

    announce = (lambda line: None) if quiet else (lambda line: click.echo(line, err=True))
    try:
        result = build_ensemble(study_folder, config, announce=announce)
    except UserInputError:
        raise
    except AutoMLError as error:  # a failed refit: its traceback file is named
        click.echo(f"automl: error: {error}", err=True)
        return EXIT_FAILED
    print_ensemble(result, data)
    return 0


def ensemble_after_search(study_folder: Path, *, method: str, top_k: int,
                          n_workers: int | None, quiet: bool, data: str | None) -> int:
    """The ensemble step of ``automl search --ensemble METHOD --top-k K``.

    Returns:
        The exit code: 0, or 1 if a refit failed.
    """
    from automl.ensembles import EnsembleConfig

    config = EnsembleConfig(method=method, top_k=top_k, n_workers=max(1, n_workers or 1))
    return _run(study_folder, config, quiet, data)


@click.command()
@click.option("--study-name", required=True, help="The study whose best trials to combine.")
@click.option("--root", default="mlruns", show_default=True,
              help="Folder of the local store holding the study.")
@click.option("--method", type=click.Choice(METHODS), default="voting", show_default=True,
              help="How to combine the best trials.")
@click.option("--top-k", type=int, default=5, show_default=True,
              help="Best completed trials to combine (selection: candidates).")
@click.option("--output", "-o", help="Folder for the ensemble "
              "(default: <root>/studies/<study>/ensemble_<method>).")
@click.option("--voting", type=click.Choice(VOTING), default="soft", show_default=True,
              help="voting: mean probabilities, majority of classes, or weighted by score.")
@click.option("--meta-learner", type=click.Choice(("linear", "keras")), default="linear",
              show_default=True, help="stacking: logistic/ridge regression, or a small Keras "
              "model.")
@click.option("--blend", is_flag=True, help="stacking: fit the meta-learner on the validation "
              "part's predictions (no refits) instead of out-of-fold ones.")
@click.option("--folds", type=int, help="stacking: folds of the out-of-fold refits "
              "(default: the study's --cv, whose predictions are reused, else 5).")
@click.option("--bags", type=int, default=5, show_default=True,
              help="bagging: bootstrap models per configuration.")
@click.option("--size", type=int, default=25, show_default=True,
              help="selection: picks of greedy selection (with replacement).")
@click.option("--workers", type=int, default=1, show_default=True,
              help="Worker processes for refits (stacking, bagging).")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines.")
def ensemble(study_name: str, root: str, method: str, top_k: int, output: str | None,
             voting: str, meta_learner: str, blend: bool, folds: int | None, bags: int,
             size: int, workers: int, quiet: bool) -> int:
    """Combine the best trials of the finished (or resumed) study --study-name.

    No new trials are run. Voting and greedy selection reuse each trial's stored validation
    predictions; stacking fits a meta-learner on out-of-fold predictions (refitting each
    member in K folds, in worker processes, unless the study ran with --cv); bagging retrains
    each configuration on bootstrap samples. The ensemble is scored on the held-out test part
    beside the best single model, saved as one folder that `automl predict` takes, and logged
    to MLflow as its own run with a pyfunc model.
    """
    from automl._quiet import import_keras
    from automl.ensembles import EnsembleConfig

    config = EnsembleConfig(method=method, top_k=top_k, voting=voting,
                            meta_learner=meta_learner, blend=blend, folds=folds, bags=bags,
                            size=size, n_workers=workers, output=output)
    import_keras()  # quietly, before the modules that need it
    from automl.ensembles._study import find_study_folder

    return _run(find_study_folder(root, study_name), config, quiet)
