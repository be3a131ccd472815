"""``automl predict MODEL DATA -o predictions.csv``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click


@click.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.argument("data", type=click.Path(path_type=Path))
@click.option("--output", "-o", type=click.Path(path_type=Path),
              help="CSV file to write (default: standard output).")
def predict(model: Path, data: Path, output: Path | None) -> int:
    """Predict with a saved model folder MODEL on the raw rows of the CSV file DATA.

    Writes one row per input row: the prediction and, for classification, the probability of
    each class. Columns the model does not know are ignored; missing ones are an error.
    """
    from automl.bundle import load_bundle
    from automl.data import read_table

    bundle = load_bundle(model)
    frame = read_table(data)
    table = bundle.predict(frame)
    if output is None:
        table.to_csv(sys.stdout, index=False)
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = output.with_name(f".{output.name}.tmp-{os.getpid()}")
    table.to_csv(staging, index=False)
    os.replace(staging, output)
    click.echo(f"Wrote {len(table)} predictions to {output}", err=True)
    return 0
