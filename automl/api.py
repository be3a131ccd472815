"""The Python entry points: :func:`search` and :func:`load_data`.

``search`` takes data in any supported form, a search space (YAML file, built-in name, dict,
:class:`~automl.space.SearchSpace`) or a define-by-run model function, and custom losses,
metrics and callbacks by name or as objects; it checks everything before the first write and
runs the same search as ``automl search``.

What reaches worker processes: trials run in fresh interpreters (``n_workers >= 1``), so custom
code must be importable there. Top-level functions and classes are passed as
``"module:name"`` references; registrations (``register_builder``, ``register_loss``,
``register_metric``, ``register_callback``) must happen at the top level of a module listed in
``imports`` (a script's own module works when its search runs under
``if __name__ == "__main__":``). Anything else (lambdas, closures, objects made in a notebook)
needs ``n_workers=0``, which runs trials in the calling process.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from automl.exceptions import ConfigError
from automl.exceptions import DataError

__all__ = ["search", "load_data", "with_weights"]

DEFAULT_SPACE = "tabular_mlp"
DEFAULT_IMAGE_SPACE = "image_cnn"


def load_data(
    data: Any,
    target: str | None = None,
    *,
    task: str | None = None,
    test_data: Any = None,
    test_size: float | None = 0.2,
    val_size: float = 0.2,
    seed: int = 0,
    image_size: int | tuple[int, int] | None = None,
    channels: int | str = "auto",
    strict: bool = False,
) -> Any:
    """Turns data in any supported form into a split :class:`~automl.data.Dataset` (tabular,
    preprocessed) or :class:`~automl.data.ImageDataset` (an image folder, streamed from disk).

    Args:
        data: A CSV file path, a folder of images with one subfolder per class (see
            :func:`automl.data.load_image_folder`), a pandas DataFrame (with ``target``), a
            pair ``(X, y)`` of array-likes, or a ``Dataset``/``ImageDataset`` (returned
            unchanged).
        target: Name of the target column (CSV files and DataFrames).
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``; None infers it.
        test_data: A separate held-out test part: a CSV path for a CSV file, a DataFrame for a
            DataFrame.
        test_size: Fraction held out for testing (default 0.2). For in-memory data, None holds
            nothing out and the validation part doubles as the test part.
        val_size: Fraction of the remaining rows used for validation (default 0.2).
        seed: Seed of the split (default 0).
        image_size: Image folders: ``(height, width)`` or one int; None picks it from a
            sample of the images.
        channels: Image folders: 1 (grayscale), 3 (RGB) or ``"auto"`` (1 when every training
            image is grayscale, else 3).
        strict: Image folders: unusable files are an error instead of being skipped.

    Returns:
        The dataset.

    Raises:
        DataError: If the data cannot be read, the form is not supported, or ``target`` is
            missing.
        ConfigError: If an option is invalid.

    Example:
        >>> data = load_data("examples/wine.csv", target="cultivar")
        >>> data.spec.task
        'multiclass'
    """
    import pandas as pd

    from automl.data import Dataset
    from automl.data import ImageDataset

    if isinstance(data, (str, os.PathLike)) and Path(data).is_dir():
        return _load_folder(Path(data), target, task, test_data, test_size, val_size, seed,
                            {"image_size": image_size, "channels": channels, "strict": strict})
    if isinstance(data, (Dataset, ImageDataset)):
        if target is not None or test_data is not None:
            raise ConfigError("`target` and `test_data` apply to CSV files and DataFrames; a "
                              f"Dataset has its own. Received: target={target!r}.")
        return data
    if isinstance(data, (str, os.PathLike)):
        return _load_path(Path(data), target, task, test_data, test_size, val_size, seed)
    options = {"task": task, "test_size": test_size, "val_size": val_size, "seed": seed}
    if isinstance(data, pd.DataFrame):
        from automl.data._frame import load_frame

        return load_frame(data, _required_target(target, list(data.columns), "the DataFrame"),
                          test_data=test_data, **options)
    if isinstance(data, (tuple, list)) and len(data) == 2:
        if target is not None or test_data is not None:
            raise ConfigError("`target` and `test_data` apply to CSV files and DataFrames, not "
                              f"to (X, y) arrays. Received: target={target!r}.")
        from automl.data._frame import load_arrays

        return load_arrays(data[0], data[1], **options)
    raise DataError("Unsupported data: expected a CSV file path, a pandas DataFrame with "
                    "target=..., or a pair (X, y) of arrays. "
                    f"Received: {type(data).__name__}.")


def search(
    data: Any,
    space: Any = None,
    *,
    target: str | None = None,
    task: str | None = None,
    test_data: Any = None,
    n_trials: int = 20,
    timeout: float | None = None,
    metric: Any = None,
    sampler: str = "tpe",
    pruner: str = "median",
    seed: int = 0,
    max_epochs: int = 50,
    patience: int = 8,
    storage: str | None = None,
    study_name: str | None = None,
    tracking_uri: str | None = None,
    root: str | os.PathLike = "mlruns",
    output: str | os.PathLike | None = None,
    n_workers: int = 1,
    force: bool = False,
    model_fn: Any = None,
    imports: Sequence[str] = (),
    loss: Any = None,
    callbacks: Sequence[Any] = (),
    report: bool = True,
    quiet: bool = False,
    stream: TextIO | None = None,
    image_size: int | tuple[int, int] | None = None,
    channels: int | str = "auto",
    strict: bool = False,
    weights: str | os.PathLike | None = None,
    backbone: str | None = None,
    **options: Any,
) -> Any:
    """Searches Keras models for the data, tracks every trial in MLflow, keeps the best one.

    Runs (or resumes, with the same ``study_name``) an Optuna study: each trial samples
    parameters from ``space`` (or lets ``model_fn`` sample them), trains a model with early
    stopping and pruning, and is logged as an MLflow run. The best trial's model is scored on
    the held-out test part and saved as a folder that :func:`automl.bundle.load_bundle` and
    ``automl predict`` take.

    Args:
        data: A CSV file path, an image folder (one subfolder per class), a DataFrame (with
            ``target``), ``(X, y)`` arrays or a :class:`~automl.data.Dataset` /
            :class:`~automl.data.ImageDataset` (see :func:`load_data`).
        space: A :class:`~automl.space.SearchSpace`, a YAML file, a built-in space name, or
            the space as a dict; None uses ``"tabular_mlp"``, or ``"image_cnn"`` for images
            (or nothing, with ``model_fn``).
        target: Target column of a CSV file or DataFrame.
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``; None infers it.
        test_data: Separate held-out test data (CSV path or DataFrame).
        n_trials: Total trials of the study (default 20; a resumed study counts its trials).
        timeout: Wall-clock budget in seconds, or None.
        metric: Objective: a metric name (``"roc_auc"``, ``"rmse"``...), a custom metric's
            name or the :class:`~automl.metrics.Metric` that
            :func:`~automl.metrics.register_metric` returned; None for the task's default.
        sampler: ``"tpe"`` (default), ``"random"``, ``"grid"``, ``"gp"`` or ``"cmaes"``.
        pruner: ``"median"`` (default), ``"hyperband"``, ``"sha"`` or ``"none"``.
        seed: Seed of the split, the sampler and the weights (default 0).
        max_epochs: Epochs per trial at most (default 50).
        patience: Early-stopping patience in epochs (default 8).
        storage: Optuna storage URL; None for a journal file under ``root``.
        study_name: Study (and MLflow experiment) name; None for ``search-<time>``.
        tracking_uri: MLflow tracking URI; None for SQLite under ``root``.
        root: Local store for studies, the MLflow database and artifacts (default
            ``"mlruns"``).
        output: Folder of the best model; None for ``<root>/studies/<study>/best_model``.
        n_workers: Worker processes (default 1); 0 runs trials in this process.
        force: Resume even if the space, the data or the metric changed.
        model_fn: Define-by-run alternative to ``space``: a top-level function
            ``(trial, spec) -> keras.Model`` (or its ``"module:name"``) that samples with the
            Optuna ``trial`` and returns a model, compiled or not (then compiled from
            parameters named ``optimizer``, ``learning_rate``, ``loss``...).
        imports: Modules imported first, here and in every worker (custom builders, losses,
            metrics and callbacks registered at their top level).
        loss: A loss for every trial, replacing the space's ``loss``: a built-in or registered
            name, a ``"module:name"`` reference, or a loss object.
        callbacks: Keras callbacks for every trial: registered names, references, or
            callback classes, factories or instances.
        report: Write the plots and the HTML report at the end (default True).
        quiet: Print no progress.
        stream: Where progress lines go (standard error by default).
        image_size: Image folders: ``(height, width)`` or one int (see :func:`load_data`).
        channels: Image folders: 1 (grayscale), 3 (RGB) or ``"auto"`` (see :func:`load_data`).
        strict: Image folders: unusable files are an error instead of being skipped.
        weights: Image folders: a local weights file of a keras.applications backbone; the
            space is rewritten by :func:`with_weights` (frozen, full or two-phase fine-tuning).
        backbone: The backbone of ``weights``; None guesses it from the file name.
        **options: Further fields of :class:`~automl.config.SearchConfig`, such as
            ``trial_timeout``, ``max_retries``, ``cv``, ``devices`` or ``mixed_precision``.

    Returns:
        A :class:`~automl.search.SearchResult`.

    Raises:
        UserInputError: For invalid data, space, metric, option or custom object, before
            anything is written.

    Example:
        >>> result = search("examples/breast_cancer.csv", target="diagnosis",
        ...                 n_trials=5, max_epochs=10)                   # doctest: +SKIP
        >>> result.best_params, result.test_scores["roc_auc"]             # doctest: +SKIP
    """
    from automl import _custom
    from automl.search import run_search
    from automl.search._study import StudyPaths

    modules = _custom.import_modules(imports)
    metric_name, metric_modules = _custom.metric_name(metric)
    config = _search_config(options, n_trials=n_trials, timeout=timeout, metric=metric_name,
                            sampler=sampler, pruner=pruner, seed=seed, max_epochs=max_epochs,
                            patience=patience, study_name=study_name or _new_study_name(data),
                            storage=storage, tracking_uri=tracking_uri, root=os.fspath(root),
                            output=None if output is None else os.fspath(output),
                            n_workers=n_workers, force=force, report=report)
    dataset = load_data(data, target, task=task, test_data=test_data, seed=seed,
                        image_size=image_size, channels=channels, strict=strict)
    function = _custom.model_fn_reference(model_fn)
    default = DEFAULT_IMAGE_SPACE if dataset.spec.kind == "image" else DEFAULT_SPACE
    resolved = with_weights(_resolve_space(space, function, default), weights, backbone)
    chosen = _custom.prepare_space(resolved, function,
                                   n_workers=n_workers, loss=loss, callbacks=callbacks)
    result = run_search(dataset, chosen.space, config, model_fn=function,
                        imports=modules + metric_modules + chosen.modules, stream=stream,
                        quiet=quiet)
    result.study_folder = str(StudyPaths.for_study(config.root, result.study_name).folder)
    return result


def _search_config(options: Mapping[str, Any], **settings: Any) -> Any:
    """Builds the validated SearchConfig; unknown option names are a ConfigError."""
    import dataclasses

    from automl.config import SearchConfig

    known = {field.name for field in dataclasses.fields(SearchConfig)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise ConfigError(f"Unknown search options {unknown}. Expected keyword arguments of "
                          f"automl.search or SearchConfig fields: {sorted(known)}.")
    return SearchConfig(**{**settings, **options})


def _new_study_name(data: Any) -> str:
    """``<csv stem or "search">-<time>-<4 hex digits>``: two searches never share a name."""
    from automl.search import default_study_name

    stem = Path(data).stem if isinstance(data, (str, os.PathLike)) else "search"
    prefix = "".join(c if c.isalnum() or c in "._-" else "-" for c in stem).strip("-._")
    return f"{default_study_name((prefix or 'search')[:60])}-{secrets.token_hex(2)}"


def _resolve_space(space: Any, model_fn: str | None, default: str = DEFAULT_SPACE) -> Any:
    from automl.space import SearchSpace
    from automl.space import load_space

    if space is None:
        return None if model_fn is not None else load_space(default)
    if isinstance(space, SearchSpace):
        return space
    if isinstance(space, (str, os.PathLike)):
        return load_space(space)
    if isinstance(space, Mapping):
        return SearchSpace.from_dict(space)
    raise ConfigError("Invalid `space`: expected a SearchSpace, a YAML file, a built-in space "
                      f"name or a dict. Received: {type(space).__name__}.")


def _load_path(path: Path, target: str | None, task: str | None, test_data: Any,
               test_size: float | None, val_size: float, seed: int) -> Any:
    from automl.data import load_csv
    from automl.data import read_table

    if target is None:
        columns = list(read_table(path).columns)
        _required_target(target, columns, f"'{path.name}'")
    if test_size is None:
        raise ConfigError("`test_size=None` applies to in-memory data; a CSV file always holds "
                          "out a test part. Received: test_size=None.")
    return load_csv(path, target, task=task, test_data=test_data, test_size=test_size,
                    val_size=val_size, seed=seed)


def _load_folder(path: Path, target: str | None, task: str | None, test_data: Any,
                 test_size: float | None, val_size: float, seed: int,
                 image_options: dict[str, Any]) -> Any:
    from automl.data import load_image_folder

    if target is not None:
        raise ConfigError(f"`target` applies to CSV files and DataFrames; '{path}' is an image "
                          "folder whose classes are its subfolders. Expected target=None. "
                          f"Received: target={target!r}.")
    if task not in (None, "binary", "multiclass"):
        raise ConfigError(f"An image folder '{path}' is a classification task. Expected task "
                          f"None, 'binary' or 'multiclass'. Received: task={task!r}.")
    if test_size is None:
        raise ConfigError("`test_size=None` applies to in-memory data; an image folder always "
                          "holds out a test part. Received: test_size=None.")
    dataset = load_image_folder(path, test_data=test_data, test_size=test_size,
                                val_size=val_size, seed=seed, **image_options)
    if task is not None and task != dataset.spec.task:
        raise ConfigError(f"'{path}' has {dataset.spec.n_classes} classes, a "
                          f"{dataset.spec.task} task. Received: task={task!r}.")
    return dataset


def with_weights(space: Any, weights: str | os.PathLike | None, backbone: str | None = None
                 ) -> Any:
    """Fixes an image space's backbone to a local weights file and searches the fine-tuning.

    Args:
        space: A :class:`~automl.space.SearchSpace` whose builder is ``cnn``.
        weights: The weights file (``--weights``), or None to return ``space`` unchanged.
        backbone: The backbone the file is for; None guesses it from the file name.

    Returns:
        The rewritten space (see :func:`automl.models.pretrained_space`).

    Raises:
        ConfigError: If the space is not an image space, or the file is missing or unknown.
    """
    if weights is None:
        return space
    from automl.models import pretrained_space
    from automl.space import SearchSpace

    if space is None or space.builder != "cnn":
        raise ConfigError("Pretrained weights need an image search space (builder 'cnn'). "
                          f"Received: {getattr(space, 'name', None)!r} with builder "
                          f"{getattr(space, 'builder', None)!r}.")
    rewritten = pretrained_space(space.to_dict(), Path(weights).resolve(), backbone=backbone)
    return SearchSpace.from_dict(rewritten)


def _required_target(target: str | None, columns: list[Any], where: str) -> str:
    if target is None:
        raise DataError(f"Missing `target`: name the column to predict. Columns in {where}: "
                        f"{[str(c) for c in columns]}.")
    return target
