"""``automl predict MODEL DATA -o predictions.csv``: raw rows (CSV) or image files in."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from automl.exceptions import DataError


@click.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.argument("data", type=click.Path(path_type=Path))
@click.option("--output", "-o", type=click.Path(path_type=Path),
              help="CSV file to write (default: standard output).")
@click.option("--batch-size", type=click.IntRange(min=1), default=64, show_default=True,
              help="Images decoded and predicted at a time (image models).")
def predict(model: Path, data: Path, output: Path | None, batch_size: int) -> int:
    """Predict with a saved model folder MODEL on DATA.

    A tabular model takes a CSV file of raw rows: one output row per input row, with the
    prediction and, for classification, the probability of each class. Columns the model
    does not know are ignored; missing ones are an error.

    An image model takes an image file or a folder of images (searched recursively; PNG,
    JPEG, BMP, GIF, TIFF, WebP): one output row per file, with the columns file,
    prediction, probability_<class> and error (the reason a file could not be read; its
    prediction is then empty).
    """
    from automl.bundle import bundle_input_kind

    if bundle_input_kind(model) == "image":
        table = _predict_images(model, data, batch_size)
    else:
        table = _predict_rows(model, data)
    n_errors = int((table["error"] != "").sum()) if "error" in table.columns else 0
    unreadable = f"{n_errors} file{'s' * (n_errors != 1)} could not be read" if n_errors else ""
    if output is None:
        table.to_csv(sys.stdout, index=False)
        if n_errors:
            click.echo(f"{unreadable} (see the error column)", err=True)
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = output.with_name(f".{output.name}.tmp-{os.getpid()}")
    table.to_csv(staging, index=False)
    os.replace(staging, output)
    unreadable = f"; {unreadable}" if n_errors else ""
    click.echo(f"Wrote {len(table)} predictions to {output}{unreadable}", err=True)
    return 0


def _predict_images(model: Path, data: Path, batch_size: int) -> Any:
    """The prediction table of an image model on a file or folder (checked before loading)."""
    from automl._image_bundle import list_prediction_files
    from automl.bundle import load_bundle

    files = list_prediction_files(data, model_name=f"image model '{model}'")
    return load_bundle(model).predict_files(files, batch_size=batch_size)


def _predict_rows(model: Path, data: Path) -> Any:
    """The prediction table of a tabular model (or ensemble) on a CSV file."""
    from automl.bundle import load_bundle
    from automl.data import IMAGE_SUFFIXES
    from automl.data import read_table

    if data.is_dir() or data.name.lower().endswith(IMAGE_SUFFIXES):
        received = "a folder" if data.is_dir() else "an image file"
        raise DataError(f"Data '{data}' cannot be used by model '{model}': it is a tabular model "
                        f"and takes a CSV file of raw rows. Received: {received}.")
    frame = read_table(data)
    return load_bundle(model).predict(frame)
