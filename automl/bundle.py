"""The saved model: one folder that takes raw CSV rows, or image files, and returns predictions.

A bundle holds ``model.keras`` (loaded with Keras safe mode), ``preprocessing.json`` (as plain
JSON: the input spec and, for tables, the fitted preprocessing and target encoding; for images,
the size, channels, value range and resize method) and ``metadata.json`` (parameters, scores,
versions). Nothing in it is pickled. ``preprocessing.json``'s ``kind`` (``"tabular"``, the
default, or ``"image"``) tells the two apart; an ensemble folder (``metadata.json`` kind
``"ensemble"``, see :mod:`automl.ensembles`) loads through the same :func:`load_bundle`.

Example:
    >>> bundle = load_bundle("mlruns/studies/my-study/best_model")   # doctest: +SKIP
    >>> bundle.predict(pandas.read_csv("new_rows.csv")).head()        # doctest: +SKIP
    >>> load_bundle("mlruns/studies/pets/best_model").predict("new_photos/")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from automl._image_bundle import ImageModelBundle
from automl._image_bundle import image_preprocessing
from automl.data import InputSpec
from automl.data import TabularPreprocessor
from automl.data import TargetEncoder
from automl.exceptions import DataError

__all__ = ["BUNDLE_FORMAT", "ImageModelBundle", "ModelBundle", "bundle_input_kind",
           "load_bundle", "save_bundle", "save_image_bundle"]

BUNDLE_FORMAT = 1
_MODEL, _PREPROCESSING, _METADATA = "model.keras", "preprocessing.json", "metadata.json"


def save_bundle(folder: str | os.PathLike, *, model: Any, preprocessor: TabularPreprocessor,
                target_encoder: TargetEncoder, spec: InputSpec,
                metadata: Mapping[str, Any]) -> Path:
    """Writes a bundle atomically: it appears complete at ``folder`` or not at all.

    Args:
        folder: Destination folder (replaced if it exists).
        model: The trained Keras model.
        preprocessor: The fitted tabular preprocessing.
        target_encoder: The fitted target encoding.
        spec: The dataset's input spec.
        metadata: JSON-ready facts to keep beside the model (parameters, scores, versions).

    Returns:
        The bundle's folder.
    """
    preprocessing = {"format": BUNDLE_FORMAT, "kind": "tabular", "spec": spec.to_dict(),
                     "preprocessor": preprocessor.to_dict(),
                     "target_encoder": target_encoder.to_dict()}
    return _write_bundle(folder, model, preprocessing, {"format": BUNDLE_FORMAT, **metadata})


def save_image_bundle(folder: str | os.PathLike, *, model: Any, spec: InputSpec,
                      metadata: Mapping[str, Any]) -> Path:
    """Writes an image model's bundle atomically, like :func:`save_bundle`.

    ``preprocessing.json`` records what :func:`automl.data.read_image` does to a file before the
    model sees it (size, channels, value range, resize method) and the class names, so
    :func:`load_bundle` can predict on image files.

    Args:
        folder: Destination folder (replaced if it exists).
        model: The trained Keras model; it takes float32 images in ``[0, 1]`` of shape
            ``spec.input_shape``.
        spec: The image dataset's input spec (``kind="image"``, binary or multiclass).
        metadata: JSON-ready facts to keep beside the model (parameters, scores, versions);
            its ``kind`` is written as ``"model"`` (``"ensemble"`` is for ensemble folders).

    Returns:
        The bundle's folder.

    Raises:
        ValueError: If ``spec`` is not the spec of an image classification dataset.

    Example:
        >>> save_image_bundle("pets_model", model=model, spec=data.spec,
        ...                   metadata={"params": params})                 # doctest: +SKIP
    """
    preprocessing = {"format": BUNDLE_FORMAT, "kind": "image", "spec": spec.to_dict(),
                     "image": image_preprocessing(spec)}
    return _write_bundle(folder, model, preprocessing,
                         {"format": BUNDLE_FORMAT, **metadata, "kind": "model"})


def _write_bundle(folder: str | os.PathLike, model: Any, preprocessing: Mapping[str, Any],
                  metadata: Mapping[str, Any]) -> Path:
    """Writes the three files into a staging folder, then swaps it in at ``folder``."""
    folder = Path(folder).resolve()
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.parent / f".{folder.name}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        model.save(staging / _MODEL)
        _write_json(staging / _PREPROCESSING, preprocessing)
        _write_json(staging / _METADATA, metadata)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _replace_folder(staging, folder)
    return folder


def _write_json(path: Path, values: Mapping[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(values, handle, indent=2, sort_keys=True, default=str)
        handle.flush()
        os.fsync(handle.fileno())


def _replace_folder(staging: Path, folder: Path) -> None:
    old = folder.parent / f".{folder.name}.old-{os.getpid()}"
    if folder.exists():
        os.replace(folder, old)
    os.replace(staging, folder)
    shutil.rmtree(old, ignore_errors=True)


class ModelBundle:
    """A loaded bundle: preprocessing plus model, applied to raw rows.

    Args:
        model: The Keras model.
        preprocessor: Fitted preprocessing.
        target_encoder: Fitted target encoding.
        spec: Input spec of the training data.
        metadata: The bundle's metadata.
    """

    def __init__(self, model: Any, preprocessor: TabularPreprocessor,
                 target_encoder: TargetEncoder, spec: InputSpec,
                 metadata: Mapping[str, Any]) -> None:
        self.model, self.preprocessor, self.target_encoder = model, preprocessor, target_encoder
        self.spec, self.metadata = spec, dict(metadata)

    @classmethod
    def load(cls, folder: str | os.PathLike) -> ModelBundle:
        """Loads a bundle written by :func:`save_bundle` (the model with ``safe_mode=True``)."""
        model, stored, metadata = _read_bundle(Path(folder))
        return cls(model, TabularPreprocessor.from_dict(stored["preprocessor"]),
                   TargetEncoder.from_dict(stored["target_encoder"]),
                   InputSpec.from_dict(stored["spec"]), metadata)

    def predict_outputs(self, frame: pd.DataFrame) -> np.ndarray:
        """Class probabilities ``(n, k)``, or predictions in the target's units for regression.

        Raises:
            DataError: If columns the model needs are missing.
        """
        from automl import models

        features = self.preprocessor.transform(frame)
        outputs = models.predict_outputs(self.model, features, self.spec)
        if self.spec.task == "regression":
            return np.asarray(self.target_encoder.decode(outputs), dtype=np.float64)
        return outputs

    def predict(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Predictions for raw rows, one output row per input row.

        Returns:
            A DataFrame with a ``prediction`` column and, for classification, one
            ``probability_<class>`` column per class.
        """
        outputs = self.predict_outputs(frame)
        if self.spec.task == "regression":
            return pd.DataFrame({"prediction": outputs}, index=frame.index)
        labels = self.target_encoder.decode(np.argmax(outputs, axis=1))
        table = pd.DataFrame({"prediction": labels}, index=frame.index)
        for column, name in enumerate(self.spec.class_names):
            table[f"probability_{name}"] = outputs[:, column]
        return table


def load_bundle(folder: str | os.PathLike) -> ModelBundle | ImageModelBundle:
    """Loads a saved model folder (tabular or image), or an ensemble folder.

    Args:
        folder: A folder written by :func:`save_bundle`, :func:`save_image_bundle` or by
            ``automl ensemble``.

    Returns:
        A :class:`ModelBundle` (raw rows in); an :class:`ImageModelBundle` when the folder's
        ``preprocessing.json`` has kind ``"image"`` (image files or arrays in); for an
        ensemble (``metadata.json`` kind ``"ensemble"``), an
        ``automl.ensembles.EnsembleBundle`` (the same ``predict`` and ``predict_outputs`` as
        a :class:`ModelBundle`), or for an image study's ensemble an
        ``automl.ensembles.ImageEnsembleBundle`` (those of an :class:`ImageModelBundle`).
        Models are loaded with Keras safe mode.

    Raises:
        DataError: If the folder lacks the files of either kind.

    Example:
        >>> ensemble = load_bundle("mlruns/studies/my-study/ensemble_stacking")  # doctest: +SKIP
        >>> ensemble.predict(frame)                                             # doctest: +SKIP
    """
    if _folder_kind(Path(folder)) == "ensemble":
        from automl.ensembles import load_ensemble

        return load_ensemble(folder)
    if bundle_input_kind(folder) == "image":
        model, stored, metadata = _read_bundle(Path(folder))
        return ImageModelBundle(model, InputSpec.from_dict(stored["spec"]), metadata)
    return ModelBundle.load(folder)


def bundle_input_kind(folder: str | os.PathLike) -> str:
    """What a saved folder predicts on, read from its JSON files only (Keras is not imported).

    Args:
        folder: A model or ensemble folder.

    Returns:
        ``"image"`` (image files or arrays; also ensembles of image studies) or ``"tabular"``
        (raw rows; also tabular ensembles and folders written before image bundles existed).

    Raises:
        DataError: If the folder lacks the files of a saved model.

    Example:
        >>> bundle_input_kind("mlruns/studies/pets/best_model")   # doctest: +SKIP
        'image'
    """
    folder = Path(folder)
    _check_files(folder)
    try:
        stored = json.loads((folder / _PREPROCESSING).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DataError(f"'{folder / _PREPROCESSING}' cannot be read: {error}. Expected the "
                        "JSON file that automl writes beside a saved model.") from error
    kind = stored.get("kind", "tabular") if isinstance(stored, dict) else "tabular"
    return "image" if kind == "image" else "tabular"


def _check_files(folder: Path) -> None:
    """Raises DataError unless ``folder`` has the files of a saved model (or ensemble)."""
    ensemble = _folder_kind(folder) == "ensemble"  # its models are under members/
    required = (_PREPROCESSING, _METADATA) if ensemble else (_MODEL, _PREPROCESSING, _METADATA)
    missing = [name for name in required if not (folder / name).is_file()]
    if missing:
        raise DataError(
            f"'{folder}' is not an automl {'ensemble' if ensemble else 'model'} folder: "
            f"expected {', '.join(required[:-1])} and {required[-1]}. Missing: {missing}."
        )


def _read_bundle(folder: Path) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """The model (safe mode, not compiled), ``preprocessing.json`` and ``metadata.json``."""
    _check_files(folder)
    from automl._quiet import import_keras

    keras = import_keras()
    model = keras.saving.load_model(folder / _MODEL, safe_mode=True, compile=False)
    stored = json.loads((folder / _PREPROCESSING).read_text(encoding="utf-8"))
    metadata = json.loads((folder / _METADATA).read_text(encoding="utf-8"))
    return model, stored, metadata


def _folder_kind(folder: Path) -> str:
    """``"ensemble"`` or ``"model"`` (the default, also for folders without metadata)."""
    try:
        metadata = json.loads((folder / _METADATA).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "model"
    return metadata.get("kind", "model") if isinstance(metadata, dict) else "model"
