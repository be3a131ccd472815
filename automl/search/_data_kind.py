"""Which kind of data (tabular or image) a search runs on, and what follows from it."""

from __future__ import annotations

from typing import Any

from automl.config import SearchConfig
from automl.exceptions import ConfigError

__all__ = ["check_fits_data", "describe_data", "image_params"]

_BUILDER_DATA = {"mlp": ("tabular", "tabular_mlp"), "cnn": ("image", "image_cnn")}
"""Data kind each built-in builder takes, and the built-in space for that kind."""


def check_fits_data(space: Any, dataset: Any, config: SearchConfig) -> None:
    """Refuses a built-in builder given the other kind of data, and ``--cv`` on images.

    Args:
        space: The search space, or None (define-by-run).
        dataset: A tabular or image dataset.
        config: The search settings.

    Raises:
        ConfigError: On a mismatch, before anything is written.
    """
    kind = getattr(dataset.spec, "kind", "tabular")
    if config.cv and kind == "image":
        raise ConfigError(f"Invalid value for '--cv': cross-validation applies to tabular data; "
                          f"'{dataset.summary.get('source')}' is an image folder. Expected no "
                          f"--cv. Received: --cv {config.cv}.")
    wanted = _BUILDER_DATA.get(space.builder if space is not None else "")
    if wanted is not None and wanted[0] != kind:
        other = next(name for data_kind, name in _BUILDER_DATA.values() if data_kind == kind)
        raise ConfigError(
            f"Search space '{space.name or 'custom'}' builds '{space.builder}' models, which "
            f"take {wanted[0]} data; '{dataset.summary.get('source')}' is {kind} data. "
            f"Expected a space for {kind} data, such as '{other}'. Received: {space.name!r}.")


def image_params(summary: dict[str, Any]) -> dict[str, Any]:
    """Image-folder facts for the search run's parameters (none for tabular data)."""
    if summary.get("kind") != "image":
        return {}
    return {"image_size": summary.get("image_size"), "channels": summary.get("channels"),
            "n_classes": len(summary.get("class_names", [])),
            "class_names": summary.get("class_names"),
            "n_skipped_files": summary.get("n_skipped"), "layout": summary.get("layout")}


def describe_data(dataset: Any) -> str:
    """One progress line about the data: source, size, split and, for images, the shape.

    Example:
        >>> describe_data(data)                                          # doctest: +SKIP
        "Data: image folder 'digits', 10 classes, 1,797 images (train 1,149, val 288, test
        360) at 16x16x1; 2 unusable files skipped."
    """
    summary = dataset.summary
    split = summary.get("split_sizes", {})
    parts = ", ".join(f"{part} {split[part]:,}" for part in ("train", "val", "test")
                      if part in split)
    if summary.get("kind") == "image":
        height, width, channels = dataset.spec.input_shape
        skipped = summary.get("n_skipped") or 0
        note = f"; {skipped:,} unusable file(s) skipped" if skipped else ""
        return (f"Data: image folder '{summary.get('source')}', {dataset.spec.n_classes} "
                f"classes, {sum(split.values()):,} images ({parts}) at "
                f"{height}x{width}x{channels}{note}.")
    target = f", target '{summary['target']}'" if summary.get("target") else ""
    source = summary.get("source") or "in-memory data"
    return (f"Data: '{source}', {dataset.spec.task}{target}, "
            f"{sum(split.values()):,} rows ({parts}), "
            f"{dataset.spec.input_shape[0]} features after preprocessing.")
