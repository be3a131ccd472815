"""Image folders (one subfolder per class) to an :class:`ImageDataset` split for a search.

Layouts: ``root/<class>/...`` (a stratified test part is split off, then a validation part);
``root/train/<class>/...`` with ``root/test/<class>/...`` (the test folder is the held-out test
part); or ``root/<class>/...`` with ``test_data=FOLDER`` of the same classes. A scan runs
before anything else (see :func:`scan_class_folders`): unusable files are skipped with a
warning, or are an error with ``strict=True``.

Example:
    >>> data = load_image_folder("pets/", image_size=64)        # doctest: +SKIP
    >>> data.spec.input_shape, data.class_names                  # doctest: +SKIP
    ((64, 64, 3), ('cat', 'dog'))
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from automl.data._dataset import Dataset
from automl.data._image_dataset import ImageDataset
from automl.data._image_dataset import is_image_dataset_folder
from automl.data._image_decode import check_channels
from automl.data._image_decode import check_image_size
from automl.data._image_scan import ScanReport
from automl.data._image_scan import scan_class_folders
from automl.data._spec import InputSpec
from automl.data._split import check_fraction
from automl.data._split import split_rows
from automl.data._split import split_sha256
from automl.exceptions import ConfigError
from automl.exceptions import DataError

__all__ = ["choose_channels", "choose_image_size", "load_image_folder", "load_saved_dataset"]

logger = logging.getLogger("automl.data")

SIZE_SAMPLE = 200
MIN_AUTO_SIDE = 32
SIZE_MULTIPLE = 8
MAX_LISTED = 5
MAX_SUMMARY_SKIPPED = 1000
AUTO = "auto"
GRAYSCALE_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"})
"""Pillow colour modes without colour; ``--channels auto`` picks 1 channel for these."""


def load_image_folder(
    path: str | os.PathLike[str],
    *,
    image_size: int | tuple[int, int] | None = None,
    channels: int | str = "auto",
    test_data: str | os.PathLike[str] | None = None,
    test_size: float = 0.2,
    val_size: float = 0.2,
    seed: int = 0,
    strict: bool = False,
    max_image_size: int = 256,
) -> ImageDataset:
    """Scans and splits a folder of class subfolders into train, validation and test images.

    Args:
        path: The folder: one subfolder per class, or a ``train/`` and ``test/`` pair of them.
        image_size: ``(height, width)`` or one int; default: the median size of up to 200
            training images, rounded to a multiple of 8, at least 32, at most
            ``max_image_size``.
        channels: 1 (grayscale) or 3 (RGB); every image is converted. ``"auto"`` (the default)
            picks 1 when every training image is grayscale (modes such as L, LA, I;16), else 3.
        test_data: A folder of the same class subfolders used as the held-out test part.
        test_size: Fraction of the images split off for testing (without a test folder).
        val_size: Fraction of the remaining images used for validation.
        seed: Seed of the splits and of the size sample.
        strict: Make unusable files an error instead of skipping them with a warning.
        max_image_size: Largest side chosen when ``image_size`` is None.

    Returns:
        The :class:`ImageDataset` (nothing decoded yet beyond the scan).

    Raises:
        DataError: The folder is missing, has fewer than two classes, an empty class, too few
            images in a class, unknown test classes, or (strict) unusable files.
        ConfigError: An option is invalid.

    Example:
        >>> data = load_image_folder("digits/", image_size=32, channels=1)   # doctest: +SKIP
        >>> data.summary["split_sizes"]                                      # doctest: +SKIP
        {'train': 1149, 'val': 288, 'test': 360}
    """
    root = _existing_folder(path, "Image folder")
    size = check_image_size(image_size)
    channels = channels if channels == AUTO else check_channels(channels)
    fractions = check_fraction("val_size", val_size), check_fraction("test_size", test_size)
    max_side = _check_max_image_size(max_image_size)
    train_root, test_root, layout = _layout(root, test_data)
    train_scan = scan_class_folders(train_root)
    test_scan = scan_class_folders(test_root) if test_root is not None else None
    scans = [scan for scan in (train_scan, test_scan) if scan is not None]
    _handle_unusable(root, scans, strict)
    class_names = _usable_classes(train_scan, 2 if test_scan else 3)
    if test_scan is not None:
        _check_test_classes(test_scan, train_scan.root, class_names)
    parts, split_hash = _split(train_scan, test_scan, class_names, fractions, seed)
    size = size or choose_image_size(_sizes(train_scan), max_side, seed=seed)
    chosen_channels = channels == AUTO
    channels = choose_channels(train_scan) if chosen_channels else channels
    spec = InputSpec(kind="image", input_shape=(*size, channels),
                     task="binary" if len(class_names) == 2 else "multiclass",
                     n_classes=len(class_names), class_names=tuple(class_names))
    summary = _summary(root, layout, scans, spec, parts, split_hash,
                       {"image_size_option": image_size, "channels_chosen": chosen_channels,
                        "val_size": fractions[0],
                        "test_size": None if test_scan else fractions[1], "seed": seed})
    return ImageDataset(
        spec=spec, summary=summary,
        files_train=parts["train"][0], y_train=parts["train"][1],
        files_val=parts["val"][0], y_val=parts["val"][1],
        files_test=parts["test"][0], y_test=parts["test"][1],
    )


def choose_image_size(sizes: list[tuple[int, int]], max_image_size: int = 256, *, seed: int = 0
                      ) -> tuple[int, int]:
    """Picks an image size from the sizes of the images.

    Args:
        sizes: ``(height, width)`` of each image.
        max_image_size: Largest side.
        seed: Seed of the sample when there are more than 200 sizes.

    Returns:
        The median height and width of up to 200 sampled images, each rounded to a multiple
        of 8, then clipped to ``[32, max_image_size]``.

    Example:
        >>> choose_image_size([(8, 8), (480, 640), (500, 700)])
        (256, 256)
        >>> choose_image_size([(100, 150)] * 3)
        (104, 152)
    """
    if len(sizes) > SIZE_SAMPLE:
        picked = np.random.default_rng(seed).choice(len(sizes), SIZE_SAMPLE, replace=False)
        sizes = [sizes[index] for index in picked]
    medians = np.median(np.asarray(sizes, dtype=np.float64).reshape(-1, 2), axis=0)
    sides = [int(m / SIZE_MULTIPLE + 0.5) * SIZE_MULTIPLE for m in medians]  # half rounds up
    height, width = (min(max(side, MIN_AUTO_SIDE), max_image_size) for side in sides)
    return height, width


def choose_channels(scan: ScanReport) -> int:
    """1 when every usable image of the scan is grayscale (by its colour mode), else 3.

    Example:
        >>> choose_channels(scan_class_folders("digits/"))                  # doctest: +SKIP
        1
    """
    modes = {image.mode for images in scan.files.values() for image in images}
    return 1 if modes and modes <= GRAYSCALE_MODES else 3


def load_saved_dataset(directory: str | os.PathLike[str]) -> Dataset | ImageDataset:
    """Reads a dataset folder written by ``Dataset.save`` or ``ImageDataset.save``.

    Args:
        directory: The folder.

    Returns:
        The :class:`Dataset` (tabular) or :class:`ImageDataset` it holds.

    Raises:
        DataError: If the folder holds neither.

    Example:
        >>> load_saved_dataset("mlruns/studies/pets/dataset_search")   # doctest: +SKIP
        ImageDataset(source='pets', task='binary', ...)
    """
    if is_image_dataset_folder(directory):
        return ImageDataset.load(directory)
    return Dataset.load(directory)


def _existing_folder(path: str | os.PathLike[str], what: str) -> Path:
    folder = Path(path)
    if not folder.exists():
        raise DataError(f"{what} '{folder}' not found.")
    if not folder.is_dir():
        raise DataError(f"{what} '{folder}' is not a folder. Expected a folder with one "
                        "subfolder of images per class.")
    return folder


def _check_max_image_size(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < MIN_AUTO_SIDE:
        raise ConfigError(f"`max_image_size` must be an integer >= {MIN_AUTO_SIDE}. "
                          f"Received: {value!r}.")
    return value


def _layout(root: Path, test_data: str | os.PathLike[str] | None
            ) -> tuple[Path, Path | None, str]:
    """Returns ``(training folder, test folder or None, layout name)``."""
    has_pair = all(_has_subfolders(root / name) for name in ("train", "test"))
    if test_data is not None:
        if has_pair:
            raise DataError(f"Image folder '{root}' has its own train/ and test/ folders, and "
                            f"test_data='{test_data}' was given too. Expected one of them.")
        return root, _existing_folder(test_data, "Test image folder"), "test_data"
    if not has_pair:
        return root, None, "class_folders"
    others = sorted(entry.name for entry in root.iterdir()
                    if entry.name not in ("train", "test") and not entry.name.startswith("."))
    if others:
        logger.warning("Image folder '%s' has train/ and test/ folders; ignoring the other "
                       "entries %s.", root, others)
    return root / "train", root / "test", "train_test_folders"


def _has_subfolders(folder: Path) -> bool:
    return folder.is_dir() and any(entry.is_dir() and not entry.name.startswith(".")
                                   for entry in folder.iterdir())


def _display(root: Path, scan: ScanReport, relative: str) -> str:
    """A skipped file's path as the user sees it: relative to the folder they gave."""
    try:
        prefix = scan.root.relative_to(root).as_posix()
    except ValueError:
        prefix = str(scan.root)
    return relative if prefix in ("", ".") else f"{prefix}/{relative}"


def _handle_unusable(root: Path, scans: list[ScanReport], strict: bool) -> None:
    """Raises (strict) or warns about the unusable files; logs the ignored counts."""
    skipped = [(_display(root, scan, path), reason) for scan in scans
               for path, reason in scan.skipped]
    ignored = {key: sum(scan.ignored[key] for scan in scans) for key in scans[0].ignored}
    if any(ignored.values()):
        logger.info("Ignored in '%s': %d hidden entries, %d non-image files, %d files outside "
                    "the class folders.", root, ignored["hidden"], ignored["not_image"],
                    ignored["outside_class_folders"])
    if not skipped:
        return
    listed = _list_files(skipped)
    if strict:
        raise DataError(f"Image folder '{root}' has {len(skipped)} unusable file(s) (strict "
                        f"mode): {listed}. Remove or fix them, or leave out --strict to skip "
                        "them.")
    logger.warning("Skipping %d unusable file(s) in '%s': %s.", len(skipped), root, listed)


def _list_files(skipped: list[tuple[str, str]]) -> str:
    shown = ", ".join(f"'{path}' ({reason})" for path, reason in skipped[:MAX_LISTED])
    more = len(skipped) - MAX_LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def _usable_classes(scan: ScanReport, n_parts: int) -> list[str]:
    """Checks the classes of the training folder and returns their names."""
    names, where = list(scan.files), scan.root
    if len(names) < 2:
        raise DataError(f"Image folder '{where}' has {len(names)} class folder(s) {names}; at "
                        "least 2 are needed. Expected one subfolder of images per class.")
    empty = [name for name, images in scan.files.items() if not images]
    if empty:
        raise DataError(f"Class folder(s) {empty} in '{where}' hold no usable images. Expected "
                        f"at least {n_parts} images per class; add images or remove the folder.")
    for name, images in scan.files.items():
        if len(images) < n_parts:
            parts = "train, validation and test" if n_parts == 3 else "train and validation"
            raise DataError(f"Class '{name}' has {len(images)} usable image(s) in '{where}'; at "
                            f"least {n_parts} per class are needed for a stratified split into "
                            f"{parts} parts.")
    return names


def _check_test_classes(scan: ScanReport, train_root: Path, class_names: list[str]) -> None:
    unknown = sorted(set(scan.files) - set(class_names))
    if unknown:
        raise DataError(f"Test folder '{scan.root}' has class folders {unknown} that the "
                        f"training folder '{train_root}' lacks. Expected classes among "
                        f"{class_names}.")
    empty = [name for name, images in scan.files.items() if not images]
    if empty or not scan.n_usable:
        raise DataError(f"Test folder '{scan.root}' has no usable images in class folder(s) "
                        f"{empty or list(scan.files)}. Expected at least one image per class "
                        "folder.")


def _files_and_labels(scan: ScanReport, class_names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    index = {name: position for position, name in enumerate(class_names)}
    files = [image.path for images in scan.files.values() for image in images]
    labels = [index[name] for name, images in scan.files.items() for _ in images]
    return np.asarray(files, dtype=object), np.asarray(labels, dtype=np.int64)


def _split(train_scan: ScanReport, test_scan: ScanReport | None, class_names: list[str],
           fractions: tuple[float, float], seed: int) -> tuple[dict[str, Any], str]:
    """Returns ``{part: (files, labels)}`` and the split's hash."""
    files, labels = _files_and_labels(train_scan, class_names)
    test_size = None if test_scan is not None else fractions[1]
    rows = split_rows(labels, len(labels), val_size=fractions[0], test_size=test_size, seed=seed)
    parts = {part: (tuple(files[positions]), labels[positions])
             for part, positions in rows.items()}
    if test_scan is not None:
        test_files, test_labels = _files_and_labels(test_scan, class_names)
        parts["test"] = (tuple(test_files), test_labels)
    split_hash = split_sha256({part: positions.tolist() for part, positions in rows.items()})
    return {part: parts[part] for part in ("train", "val", "test")}, split_hash


def _sizes(scan: ScanReport) -> list[tuple[int, int]]:
    return [(image.height, image.width) for images in scan.files.values() for image in images]


def _summary(root: Path, layout: str, scans: list[ScanReport], spec: InputSpec,
             parts: dict[str, Any], split_hash: str, options: dict[str, Any]) -> dict[str, Any]:
    """The JSON-ready facts about the data, stored with the dataset, the model and in MLflow."""
    train_scan, test_scan = scans[0], (scans[1] if len(scans) > 1 else None)
    skipped = [{"path": _display(root, scan, path), "reason": reason}
               for scan in scans for path, reason in scan.skipped]
    return {
        "kind": "image", "source": str(root), "layout": layout,
        "test_source": str(test_scan.root) if test_scan else None,
        "task": spec.task, "class_names": list(spec.class_names),
        "class_mapping": {name: index for index, name in enumerate(spec.class_names)},
        "n_files": {name: len(images) for name, images in train_scan.files.items()},
        "n_test_files": ({name: len(images) for name, images in test_scan.files.items()}
                         if test_scan else None),
        "n_skipped": len(skipped), "skipped": skipped[:MAX_SUMMARY_SKIPPED],
        "ignored": {key: sum(scan.ignored[key] for scan in scans) for key in train_scan.ignored},
        "image_size": list(spec.input_shape[:2]), "channels": spec.input_shape[2],
        "image_size_chosen": options["image_size_option"] is None,
        "channels_chosen": options["channels_chosen"],
        "split_sizes": {part: len(values[0]) for part, values in parts.items()},
        "val_size": options["val_size"], "test_size": options["test_size"],
        "seed": options["seed"], "split_sha256": split_hash,
        "data_sha256": train_scan.digest(),
        "test_data_sha256": test_scan.digest() if test_scan else None,
    }
