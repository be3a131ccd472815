"""The saved ensemble: one folder, used exactly like a single model's folder.

Layout (nothing pickled)::

    <folder>/
      ensemble.json        method, members (file, trial), combiner (weights or meta-learner
                           coefficients as JSON numbers)
      members/*.keras      the members' models (loaded with Keras safe mode)
      meta.keras           only for a Keras meta-learner
      preprocessing.json   as in a single model's folder: the fitted preprocessing and target
                           encoding (tabular), or kind "image" with the image size, channels and
                           class names (image studies)
      metadata.json        kind "ensemble", scores, members' scores, diversity, versions

``automl.bundle.load_bundle`` reads ``metadata.json``'s ``kind`` and returns an
:class:`EnsembleBundle` (raw rows in), or an :class:`ImageEnsembleBundle` (image files, folders
or arrays in, the same table as an image model's), so ``automl predict`` takes an ensemble
folder unchanged.

Example:
    >>> from automl.bundle import load_bundle
    >>> ensemble = load_bundle("mlruns/studies/wine/ensemble_stacking")  # doctest: +SKIP
    >>> ensemble.predict(pandas.read_csv("new_rows.csv"))               # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from automl import bundle as bundle_lib
from automl._image_bundle import ImageModelBundle
from automl._image_bundle import image_preprocessing
from automl.data import InputSpec
from automl.data import TabularPreprocessor
from automl.data import TargetEncoder
from automl.ensembles._combiners import Combiner
from automl.ensembles._combiners import combiner_from_dict
from automl.exceptions import DataError

__all__ = ["ENSEMBLE_FILE", "Ensemble", "EnsembleBundle", "ImageEnsembleBundle", "MemberFile",
           "load_ensemble", "predict_members", "save_ensemble"]

ENSEMBLE_FILE = "ensemble.json"
_MEMBERS = "members"
_PREPROCESSING, _METADATA = "preprocessing.json", "metadata.json"


class MemberFile:
    """One member model to copy into an ensemble folder.

    Args:
        name: File stem inside ``members/`` (for example ``trial-00003`` or
            ``trial-00003-bag-1``).
        path: The ``.keras`` file to copy.
        trial: Number of the trial whose configuration the model has.
    """

    def __init__(self, name: str, path: str | os.PathLike, trial: int) -> None:
        self.name, self.path, self.trial = name, Path(path), int(trial)


def predict_members(models: Sequence[Any], x: np.ndarray, spec: InputSpec,
                    target_encoder: TargetEncoder | None, *,
                    batch_size: int = 1024) -> list[np.ndarray]:
    """Each model's outputs on model inputs ``x``, in metric units.

    Args:
        models: The member models.
        x: Model inputs (preprocessed rows, or decoded images).
        spec: The dataset's input spec.
        target_encoder: Decodes regression outputs (None for image studies).
        batch_size: Rows per forward pass.

    Returns:
        Probabilities ``(n, k)``, or regression values ``(n,)`` in the target's units.
    """
    from automl import models as models_lib

    found = []
    for model in models:
        outputs = models_lib.predict_outputs(model, x, spec, batch_size=batch_size)
        if spec.task == "regression":
            outputs = np.asarray(target_encoder.decode(outputs), dtype=np.float64)
        found.append(outputs)
    return found


class Ensemble:
    """Member models and a combiner, applied to model inputs (already preprocessed).

    Args:
        models: The members' Keras models.
        combiner: How their outputs are combined.
        spec: The dataset's input spec.
        target_encoder: Decodes regression outputs to the target's units (None for images).
    """

    def __init__(self, models: Sequence[Any], combiner: Combiner, spec: InputSpec,
                 target_encoder: TargetEncoder | None) -> None:
        self.models, self.combiner = list(models), combiner
        self.spec, self.target_encoder = spec, target_encoder

    def member_outputs(self, x: np.ndarray, *, batch_size: int = 1024) -> list[np.ndarray]:
        """Each member's outputs in metric units (probabilities, or original-unit values)."""
        return predict_members(self.models, x, self.spec, self.target_encoder,
                               batch_size=batch_size)

    def predict_outputs(self, x: np.ndarray, *, batch_size: int = 1024) -> np.ndarray:
        """The ensemble's outputs in metric units."""
        return self.combiner.combine(self.member_outputs(x, batch_size=batch_size))


class EnsembleBundle(bundle_lib.ModelBundle):
    """A loaded ensemble folder: preprocessing, then the members, then the combiner.

    It is a :class:`automl.bundle.ModelBundle` whose ``model`` is an :class:`Ensemble`, so
    :meth:`predict` returns the same table as a single model's.

    Args:
        ensemble: The ensemble.
        preprocessor: Fitted preprocessing.
        target_encoder: Fitted target encoding.
        spec: Input spec of the training data.
        metadata: The folder's metadata (and ``ensemble`` entry: ``ensemble.json``).
    """

    def __init__(self, ensemble: Ensemble, preprocessor: TabularPreprocessor,
                 target_encoder: TargetEncoder, spec: InputSpec,
                 metadata: Mapping[str, Any]) -> None:
        super().__init__(ensemble, preprocessor, target_encoder, spec, metadata)

    @property
    def ensemble(self) -> Ensemble:
        """The members and their combiner."""
        return self.model

    def predict_outputs(self, frame: pd.DataFrame) -> np.ndarray:
        """Class probabilities ``(n, k)``, or predictions in the target's units for regression.

        Raises:
            DataError: If columns the model needs are missing.
        """
        return self.model.predict_outputs(self.preprocessor.transform(frame))


class ImageEnsembleBundle(ImageModelBundle):
    """A loaded ensemble of an image study: image files, folders or arrays in.

    It is an :class:`automl.bundle.ImageModelBundle` whose ``model`` is an :class:`Ensemble`:
    files are decoded in chunks as for a single image model (an unreadable file gets an
    ``error`` row), each chunk goes through every member, and the combiner merges their class
    probabilities. :meth:`predict` returns the same table as an image model's (``file``,
    ``prediction``, ``probability_<class>``, ``error``).

    Args:
        ensemble: The ensemble (members take float32 images in ``[0, 1]``).
        spec: The image dataset's input spec.
        metadata: The folder's metadata (and ``ensemble`` entry: ``ensemble.json``).

    Example:
        >>> bundle = load_ensemble("mlruns/studies/pets/ensemble_voting")  # doctest: +SKIP
        >>> bundle.predict("new_photos/").columns.tolist()                  # doctest: +SKIP
        ['file', 'prediction', 'probability_cat', 'probability_dog', 'error']
    """

    @property
    def ensemble(self) -> Ensemble:
        """The members and their combiner."""
        return self.model

    def _forward(self, images: np.ndarray, batch_size: int) -> np.ndarray:
        return self.model.predict_outputs(images, batch_size=batch_size)


def save_ensemble(folder: str | os.PathLike, *, members: Sequence[MemberFile],
                  combiner: Combiner, description: Mapping[str, Any], dataset: Any,
                  metadata: Mapping[str, Any]) -> Path:
    """Writes an ensemble folder atomically: it appears complete at ``folder`` or not at all.

    Args:
        folder: Destination (replaced if it exists).
        members: Member models to copy, in the combiner's order.
        combiner: The fitted combiner.
        description: Extra JSON facts for ``ensemble.json`` (method, member trials, ...).
        dataset: The dataset (its spec, and its preprocessing and target encoding or, for
            an image dataset, its image size, channels and class names are saved).
        metadata: JSON facts for ``metadata.json`` (scores, versions, ...).

    Returns:
        The folder.
    """
    folder = Path(folder).resolve()
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.parent / f".{folder.name}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / _MEMBERS).mkdir(parents=True)
    for member in members:
        shutil.copyfile(member.path, staging / _MEMBERS / f"{member.name}.keras")
    combiner.save(staging)
    entries = [{"name": m.name, "file": f"{_MEMBERS}/{m.name}.keras", "trial": m.trial}
               for m in members]
    ensemble = {"format": bundle_lib.BUNDLE_FORMAT, "kind": "ensemble", **description,
                "members": entries, "combiner": combiner.to_dict()}
    bundle_lib._write_json(staging / ENSEMBLE_FILE, ensemble)
    bundle_lib._write_json(staging / _PREPROCESSING, _preprocessing(dataset))
    bundle_lib._write_json(staging / _METADATA, {"format": bundle_lib.BUNDLE_FORMAT,
                                                 **metadata, "kind": "ensemble"})
    bundle_lib._replace_folder(staging, folder)
    return folder


def _preprocessing(dataset: Any) -> dict[str, Any]:
    """``preprocessing.json``, as in a single model's folder of the same kind."""
    if dataset.spec.kind == "image":
        return {"format": bundle_lib.BUNDLE_FORMAT, "kind": "image",
                "spec": dataset.spec.to_dict(), "image": image_preprocessing(dataset.spec)}
    return {"format": bundle_lib.BUNDLE_FORMAT, "spec": dataset.spec.to_dict(),
            "preprocessor": dataset.preprocessor.to_dict(),
            "target_encoder": dataset.target_encoder.to_dict()}


def load_ensemble(folder: str | os.PathLike) -> EnsembleBundle | ImageEnsembleBundle:
    """Loads an ensemble folder written by :func:`save_ensemble` (models in safe mode).

    Args:
        folder: The ensemble folder.

    Returns:
        An :class:`EnsembleBundle`, or an :class:`ImageEnsembleBundle` for an image study's.

    Raises:
        DataError: If a file of the folder is missing.

    Example:
        >>> load_ensemble("mlruns/studies/wine/ensemble_voting").predict(frame)  # doctest: +SKIP
    """
    folder = Path(folder)
    description = _read_json(folder, ENSEMBLE_FILE)
    stored = _read_json(folder, _PREPROCESSING)
    metadata = _read_json(folder, _METADATA)
    from automl._quiet import import_keras

    keras = import_keras()
    for entry in description["members"]:
        _require(folder, entry["file"])
    models = [keras.saving.load_model(folder / entry["file"], safe_mode=True, compile=False)
              for entry in description["members"]]
    spec = InputSpec.from_dict(stored["spec"])
    combiner = combiner_from_dict(description["combiner"], folder)
    metadata = {**metadata, "ensemble": description}
    if stored.get("kind") == "image":
        return ImageEnsembleBundle(Ensemble(models, combiner, spec, None), spec, metadata)
    encoder = TargetEncoder.from_dict(stored["target_encoder"])
    ensemble = Ensemble(models, combiner, spec, encoder)
    return EnsembleBundle(ensemble, TabularPreprocessor.from_dict(stored["preprocessor"]),
                          encoder, spec, metadata)


def _require(folder: Path, name: str) -> Path:
    path = folder / name
    if not path.is_file():
        raise DataError(f"'{folder}' is not a complete automl ensemble folder: expected "
                        f"{name}. Missing: ['{name}'].")
    return path


def _read_json(folder: Path, name: str) -> dict[str, Any]:
    return json.loads(_require(folder, name).read_text(encoding="utf-8"))
