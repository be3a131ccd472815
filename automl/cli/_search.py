"""``automl search DATA --target COL``: run or resume a search on a CSV file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from automl.cli._ensemble import check_cv
from automl.cli._ensemble import ensemble_after_search
from automl.config import PRUNERS
from automl.config import SAMPLERS
from automl.ensembles._config import METHODS
from automl.exceptions import ConfigError
from automl.exceptions import DataError
from automl.exceptions import SearchSpaceError

_TASKS = ("binary", "multiclass", "regression")


def _load_dataset(data: Path, target: str | None, task: str | None, test_data: Path | None,
                  seed: int, image_options: dict[str, Any]) -> Any:
    """A CSV file (with --target) or an image folder (one subfolder per class)."""
    from automl.data import load_csv
    from automl.data import read_table

    if data.is_dir():
        return _load_image_folder(data, target, task, test_data, seed, image_options)
    given = [name for name, value in image_options.items() if value not in (None, False)]
    if given:
        raise ConfigError(f"Option '--{given[0].replace('_', '-')}' applies to image folders; "
                          f"'{data}' is a file. Expected a folder with one subfolder of images "
                          "per class, or no such option.")
    if not target:
        columns = list(read_table(data).columns)
        raise DataError(f"Missing option '--target': name the column to predict. Columns in "
                        f"'{data}': {columns}.")
    return load_csv(data, target, task=task, test_data=test_data, seed=seed)


def _load_image_folder(data: Path, target: str | None, task: str | None,
                       test_data: Path | None, seed: int, options: dict[str, Any]) -> Any:
    from automl.data import load_image_folder

    if target:
        raise ConfigError(f"Option '--target' applies to CSV files; '{data}' is an image folder "
                          "whose classes are its subfolders. Expected no --target. Received: "
                          f"--target {target}.")
    if task == "regression":
        raise ConfigError(f"Invalid value for '--task': an image folder '{data}' is a "
                          "classification task. Expected binary, multiclass or no --task. "
                          "Received: regression.")
    if options["backbone"] and not options["weights"]:
        raise ConfigError("Option '--backbone' names the backbone of the --weights file. "
                          "Expected --weights PATH with it. Received: --backbone "
                          f"{options['backbone']} alone.")
    dataset = load_image_folder(data, image_size=options["image_size"],
                                channels=options["channels"] or "auto", test_data=test_data,
                                seed=seed, strict=bool(options["strict"]))
    if task and task != dataset.spec.task:
        raise ConfigError(f"Invalid value for '--task': '{data}' has "
                          f"{dataset.spec.n_classes} classes, a {dataset.spec.task} task. "
                          f"Received: {task}.")
    return dataset


def _image_size(context: click.Context, parameter: click.Parameter, value: str | None
                ) -> int | tuple[int, int] | None:
    """``--image-size 64`` or ``--image-size 48x64`` (height x width)."""
    if value is None:
        return None
    sides = value.lower().split("x")
    if len(sides) in (1, 2) and all(side.strip().isdigit() for side in sides):
        numbers = [int(side) for side in sides]
        if min(numbers) >= 8:
            return numbers[0] if len(numbers) == 1 else (numbers[0], numbers[1])
    raise ConfigError("Invalid value for '--image-size': expected one side (64) or HEIGHTxWIDTH "
                      f"(48x64), each at least 8 pixels. Received: {value!r}.")


def _print_outcome(result: Any, data: Path, target: str, ui_args: str) -> None:
    echo = click.echo
    if result.message:
        click.echo(f"automl: {result.message}", err=True)
    if result.best_trial is None:
        echo("No trial completed, so there is no best model.")
        return
    echo(f"Best trial {result.best_trial}: val_{result.metric} = {result.best_value:.5g}")
    if result.test_scores:
        scores = ", ".join(f"{k} {v:.4f}" for k, v in result.test_scores.items())
        echo(f"Held-out test scores: {scores}")
    if result.model_path:
        echo(f"Best model saved to: {result.model_path}")
        echo(f"Predict with:  automl predict {result.model_path} {data} -o predictions.csv")
    echo(f"See every trial: automl ui{ui_args}   (then open http://127.0.0.1:5000)")
    target_option = f" --target {target}" if target else ""
    echo(f"Resume or extend: automl search {data}{target_option} "
         f"--study-name {result.study_name} --n-trials N")


@click.command()
@click.argument("data", type=click.Path(path_type=Path))
@click.option("--target", "-t", help="Name of the column to predict (CSV files).")
@click.option("--task", type=click.Choice(_TASKS), help="Override the inferred task.")
@click.option("--test-data", type=click.Path(path_type=Path),
              help="CSV file, or image folder of the same classes, used as the held-out test "
              "part (instead of a split).")
@click.option("--space", help="Search space: a YAML file, or the name of a built-in space "
              "(default: tabular_mlp for a CSV file, image_cnn for an image folder).")
@click.option("--image-size", callback=_image_size, metavar="SIZE",
              help="Images: resize to SIZE (64) or HEIGHTxWIDTH (48x64) pixels "
              "(default: the median size of a sample, at most 256).")
@click.option("--channels", type=click.Choice(["auto", "1", "3"]),
              help="Images: 1 (grayscale) or 3 (RGB); every image is converted. Default auto: "
              "1 when every training image is grayscale, else 3.")
@click.option("--strict", is_flag=True, default=None,
              help="Images: stop on unusable files (empty, not an image, truncated) instead "
              "of skipping them with a warning.")
@click.option("--weights", type=click.Path(path_type=Path),
              help="Images: local weights file of a keras.applications backbone (no "
              "download); the search then tries frozen, full and two-phase fine-tuning.")
@click.option("--backbone", help="Images: the backbone the --weights file is for "
              "(default: guessed from its name): mobilenet_v3_small, efficientnet_b0, "
              "resnet50_v2.")
@click.option("--sampler", type=click.Choice(SAMPLERS), default="tpe", show_default=True,
              help="Optuna sampler ('gp' needs the 'gp' extra).")
@click.option("--pruner", type=click.Choice(PRUNERS), default="median", show_default=True,
              help="Optuna pruner, fed the objective after every epoch.")
@click.option("--n-trials", type=int, default=20, show_default=True,
              help="Total trials of the study (a resumed study counts its earlier trials).")
@click.option("--timeout", type=float, help="Wall-clock budget in seconds; stops a running trial.")
@click.option("--metric", help="Objective: accuracy, balanced_accuracy, f1, roc_auc, log_loss "
              "(classification); rmse, mae, r2 (regression). Default: roc_auc, accuracy, rmse.")
@click.option("--max-epochs", type=int, default=50, show_default=True, help="Epochs per trial.")
@click.option("--patience", type=int, default=8, show_default=True,
              help="Early-stopping patience in epochs.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of splits and sampler.")
@click.option("--study-name", help="Study name; an existing study of that name is resumed.")
@click.option("--storage", help="Optuna storage URL (default: a journal file under --root).")
@click.option("--tracking-uri", help="MLflow tracking URI (default: SQLite under --root).")
@click.option("--root", default="mlruns", show_default=True,
              help="Folder of the local store: studies, MLflow database and artifacts.")
@click.option("--output", "-o", help="Folder for the best model "
              "(default: <root>/studies/<study>/best_model).")
@click.option("--workers", type=int, help="Worker processes running trials in parallel "
              "(default: one per visible GPU, else 1; 0: in this process).")
@click.option("--gpus", help="GPUs for the workers: 'all' (default), 'none', or ids like '0,1'; "
              "each worker is pinned to one.")
@click.option("--mixed-precision", is_flag=True, help="Train in mixed_float16 (for GPUs).")
@click.option("--trial-timeout", type=float,
              help="Seconds one trial may run before it is stopped and failed.")
@click.option("--max-retries", type=int, default=2, show_default=True,
              help="Runs again, at most this often, a trial whose worker process died.")
@click.option("--max-failures", type=int, default=5, show_default=True,
              help="Stop the search after this many failed trials in a row.")
@click.option("--worker-memory-mb", type=int, default=3072, show_default=True,
              help="A worker is replaced past this memory (killed mid-trial past 1.5x).")
@click.option("--import", "imports", multiple=True, metavar="MODULE",
              help="Module to import first, here and in every worker (registers custom "
              "builders, losses, metrics named in the space). Repeatable.")
@click.option("--report/--no-report", default=True, show_default=True,
              help="Write plots and an HTML report at the end (see `automl report`).")
@click.option("--force", is_flag=True, help="Resume even if the space or the data changed.")
@click.option("--cv", type=int, help="Score each trial as the mean over K folds of the training "
              "and validation rows (for small data); keeps out-of-fold predictions.")
@click.option("--ensemble", type=click.Choice(METHODS),
              help="At the end, combine the best trials: voting, stacking, bagging or selection.")
@click.option("--top-k", type=int, default=5, show_default=True,
              help="Best trials the --ensemble combines.")
@click.option("--quiet", "-q", is_flag=True, help="Print no progress, only the outcome.")
def search(data: Path, target: str | None, task: str | None, test_data: Path | None,
           space: str | None, image_size: Any, channels: str | None, strict: bool | None,
           weights: Path | None, backbone: str | None, sampler: str, pruner: str,
           n_trials: int, timeout: float | None,
           metric: str | None, max_epochs: int, patience: int, seed: int,
           study_name: str | None, storage: str | None, tracking_uri: str | None, root: str,
           output: str | None, workers: int | None, gpus: str | None, mixed_precision: bool,
           trial_timeout: float | None, max_retries: int,
           max_failures: int, worker_memory_mb: int, imports: tuple[str, ...], report: bool,
           force: bool, cv: int | None,
           ensemble: str | None, top_k: int, quiet: bool) -> int:
    """Search Keras models for DATA: a CSV file (predicting the column --target) or a folder
    of images with one subfolder per class.

    Each trial samples hyperparameters from the search space, trains a model in a worker
    process, and is logged to MLflow. The best model is scored on a held-out test part and
    saved as a folder that `automl predict` takes.
    """
    from automl._devices import plan_devices
    from automl._devices import visible_gpus
    from automl.config import SearchConfig
    from automl.search import default_study_name
    from automl.space import load_space

    devices = plan_devices(workers, gpus, visible_gpus() if gpus != "none" else [])
    config = SearchConfig(
        n_trials=n_trials, timeout=timeout, metric=metric, sampler=sampler, pruner=pruner,
        seed=seed, max_epochs=max_epochs, patience=patience, study_name=study_name,
        storage=storage, tracking_uri=tracking_uri, root=root, output=output,
        n_workers=devices.n_workers, devices=devices.devices, mixed_precision=mixed_precision,
        force=force, cv=cv, trial_timeout=trial_timeout,
        max_retries=max_retries, max_consecutive_failures=max_failures,
        worker_memory_mb=worker_memory_mb, report=report,
    )
    if ensemble:
        from automl.ensembles import EnsembleConfig
        from automl.ensembles._config import check_image_method

        EnsembleConfig(method=ensemble, top_k=top_k)  # a bad --top-k fails before the search
        if data.is_dir():  # images: voting and selection only, refused before the search
            check_image_method(ensemble, "--ensemble", f"'{data}' is an image folder")
    from automl._custom import import_modules

    modules = import_modules(list(imports))  # before the space: it may name their builders
    search_space = load_space(space or ("image_cnn" if data.is_dir() else "tabular_mlp"))
    _check_builder(search_space.builder, modules)
    image_options = {"image_size": image_size,
                     "channels": int(channels) if channels in ("1", "3") else channels,
                     "strict": strict, "weights": weights, "backbone": backbone}
    dataset = _load_dataset(data, target, task, test_data, seed, image_options)
    from automl.api import with_weights

    search_space = with_weights(search_space, weights, backbone)
    check_cv(dataset, cv)
    if config.study_name is None:
        config = config.replace(study_name=default_study_name(_safe_stem(data)))
    from automl.search import run_search

    result = run_search(dataset, search_space, config, imports=modules, quiet=quiet)
    ui_args = (f" --tracking-uri {tracking_uri}" if tracking_uri
               else "" if root == "mlruns" else f" --root {root}")
    _print_outcome(result, data, target or "", ui_args)
    code = {"finished": 0, "timeout": 0, "interrupted": 130, "terminated": 143,
            "failing": 1}[result.status]
    if ensemble and result.best_trial is not None and result.status != "interrupted":
        from automl.search._study import StudyPaths

        folder = StudyPaths.for_study(root, result.study_name).folder
        code = ensemble_after_search(folder, method=ensemble, top_k=top_k,
                                     n_workers=config.n_workers, quiet=quiet,
                                     data=str(data)) or code
    return code


BUILTIN_BUILDERS = ("cnn", "mlp")  # checked without importing Keras into this process


def _check_builder(name: str, modules: list[str]) -> None:
    """An unknown model builder is a user error, reported before anything is written."""
    if modules:  # the user's modules imported Keras already; ask the registry
        from automl.models import get_builder

        get_builder(name)
    elif name not in BUILTIN_BUILDERS:
        raise SearchSpaceError(
            f"Unknown model builder {name!r}. Available builders: {list(BUILTIN_BUILDERS)}. "
            "Register one with @automl.register_builder in a module and pass --import MODULE.")


def _safe_stem(path: Path) -> str:
    stem = "".join(c if c.isalnum() or c in "._-" else "-" for c in path.stem).strip("-._")
    return (stem or "search")[:60]
