"""The saved model: one folder that takes raw CSV rows and returns predictions.

A bundle holds ``model.keras`` (loaded with Keras safe mode), ``preprocessing.json`` (the fitted
preprocessing, target encoding and input spec, as plain JSON) and ``metadata.json`` (parameters,
scores, versions). Nothing in it is pickled. An ensemble folder (``metadata.json`` kind
``"ensemble"``, see :mod:`automl.ensembles`) loads through the same :func:`load_bundle`.

Example:
    >>> bundle = load_bundle("mlruns/studies/my-study/best_model")   # doctest: +SKIP
    >>> bundle.predict(pandas.read_csv("new_rows.csv")).head()        # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from automl.data import InputSpec
from automl.data import TabularPreprocessor
from automl.data import TargetEncoder
from automl.exceptions import DataError

__all__ = ["ModelBundle", "save_bundle", "load_bundle", "BUNDLE_FORMAT"]

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
    folder = Path(folder).resolve()
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.parent / f".{folder.name}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    model.save(staging / _MODEL)
    preprocessing = {"format": BUNDLE_FORMAT, "spec": spec.to_dict(),
                     "preprocessor": preprocessor.to_dict(),
                     "target_encoder": target_encoder.to_dict()}
    _write_json(staging / _PREPROCESSING, preprocessing)
    _write_json(staging / _METADATA, {"format": BUNDLE_FORMAT, **metadata})
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
        folder = Path(folder)
        missing = [n for n in (_MODEL, _PREPROCESSING, _METADATA) if not (folder / n).is_file()]
        if missing:
            raise DataError(
                f"'{folder}' is not an automl model folder: expected {_MODEL}, "
                f"{_PREPROCESSING} and {_METADATA}. Missing: {missing}."
            )
        from automl._quiet import import_keras

        keras = import_keras()
        model = keras.saving.load_model(folder / _MODEL, safe_mode=True, compile=False)
        stored = json.loads((folder / _PREPROCESSING).read_text(encoding="utf-8"))
        metadata = json.loads((folder / _METADATA).read_text(encoding="utf-8"))
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


def load_bundle(folder: str | os.PathLike) -> ModelBundle:
    """Loads a saved model folder, or an ensemble folder (``metadata.json`` kind "ensemble").

    Args:
        folder: A folder written by :func:`save_bundle` or by ``automl ensemble``.

    Returns:
        A :class:`ModelBundle`; for an ensemble, an ``automl.ensembles.EnsembleBundle`` (the
        same ``predict`` and ``predict_outputs``). See :meth:`ModelBundle.load`.

    Raises:
        DataError: If the folder lacks the files of either kind.

    Example:
        >>> ensemble = load_bundle("mlruns/studies/my-study/ensemble_stacking")  # doctest: +SKIP
        >>> ensemble.predict(frame)                                             # doctest: +SKIP
    """
    if _folder_kind(Path(folder)) == "ensemble":
        from automl.ensembles import load_ensemble

        return load_ensemble(folder)
    return ModelBundle.load(folder)


def _folder_kind(folder: Path) -> str:
    """``"ensemble"`` or ``"model"`` (the default, also for folders without metadata)."""
    try:
        metadata = json.loads((folder / _METADATA).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "model"
    return metadata.get("kind", "model") if isinstance(metadata, dict) else "model"
