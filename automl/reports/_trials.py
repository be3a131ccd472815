"""The trials of a study as rows, printed as an aligned table, CSV or JSON (``automl trials``)."""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any, Sequence

from optuna.trial import FrozenTrial
from optuna.trial import TrialState

from automl.exceptions import ConfigError
from automl.reports._source import open_study_source

__all__ = ["FORMATS", "trial_row", "trial_rows", "render_trials", "format_trials"]

FORMATS = ("table", "csv", "json")
_TABLE_COLUMNS = ("number", "state", "value", "duration", "epochs", "params")


def trial_row(trial: FrozenTrial) -> dict[str, Any]:
    """One trial as a JSON-ready dict.

    Args:
        trial: A frozen Optuna trial.

    Returns:
        ``{"number", "state", "value", "duration_s", "epochs", "params"}``; ``value`` is None
        unless the trial completed, ``duration_s`` is None while it runs, ``epochs`` counts the
        epochs trained (None if none reported).

    Example:
        >>> import optuna
        >>> row = trial_row(optuna.trial.create_trial(value=0.5))
        >>> row["state"], row["value"], row["params"]
        ('COMPLETE', 0.5, {})
    """
    epochs = trial.user_attrs.get("automl.n_epochs")
    if epochs is None and trial.intermediate_values:
        epochs = max(trial.intermediate_values) + 1
    duration = trial.duration.total_seconds() if trial.duration is not None else None
    complete = trial.state == TrialState.COMPLETE and trial.value is not None
    value = trial.value if complete and math.isfinite(trial.value) else None
    return {"number": trial.number, "state": trial.state.name, "value": value,
            "duration_s": None if duration is None else round(duration, 3), "epochs": epochs,
            "params": dict(trial.params)}


def trial_rows(trials: Sequence[FrozenTrial]) -> list[dict[str, Any]]:
    """All trials as rows (see :func:`trial_row`), in trial-number order.

    Args:
        trials: Frozen Optuna trials.

    Returns:
        The rows.

    Example:
        >>> trial_rows([])
        []
    """
    return [trial_row(t) for t in sorted(trials, key=lambda t: t.number)]


def render_trials(rows: Sequence[dict[str, Any]], output_format: str = "table") -> str:
    """Formats trial rows for the terminal or for other programs.

    Args:
        rows: Rows from :func:`trial_rows`.
        output_format: ``"table"`` (aligned columns: number, state, value, duration, epochs,
            params), ``"csv"`` (one ``params_<name>`` column per parameter) or ``"json"`` (a
            list of objects).

    Returns:
        The text, without a trailing newline.

    Raises:
        ConfigError: For an unknown format.

    Example:
        >>> print(render_trials([{"number": 0, "state": "COMPLETE", "value": 0.5,
        ...                       "duration_s": 2.0, "epochs": 3, "params": {"units": 8}}]))
        number  state     value  duration  epochs  params
        0       COMPLETE  0.5    2.0s      3       units=8
    """
    if output_format not in FORMATS:
        raise ConfigError(f"Unknown trials format {output_format!r}. Expected one of "
                          f"{list(FORMATS)}. Received: {output_format!r}.")
    if output_format == "json":
        return json.dumps(list(rows), indent=2, default=str)
    if output_format == "csv":
        return _csv(rows)
    return _table(rows)


def _table(rows: Sequence[dict[str, Any]]) -> str:
    cells = [_TABLE_COLUMNS] + [_table_cells(row) for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(_TABLE_COLUMNS) - 1)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)) + "  " + line[-1]
             for line in cells]
    return "\n".join(line.rstrip() for line in lines)


def _table_cells(row: dict[str, Any]) -> tuple[str, ...]:
    params = ", ".join(f"{name}={_short(value)}" for name, value in row["params"].items())
    duration = "" if row["duration_s"] is None else f"{row['duration_s']:.1f}s"
    value = "" if row["value"] is None else f"{row['value']:.5g}"
    epochs = "" if row["epochs"] is None else str(row["epochs"])
    return str(row["number"]), row["state"], value, duration, epochs, params


def _csv(rows: Sequence[dict[str, Any]]) -> str:
    names = list(dict.fromkeys(name for row in rows for name in row["params"]))
    header = ["number", "state", "value", "duration_s", "epochs"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header + [f"params_{name}" for name in names])
    for row in rows:
        writer.writerow([_csv_cell(row[key]) for key in header]
                        + [_csv_cell(row["params"].get(name)) for name in names])
    return buffer.getvalue().rstrip("\n")


def _csv_cell(value: Any) -> str:
    return "" if value is None else str(value)


def _short(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def format_trials(study_name: str, *, root: str = "mlruns", storage: str | None = None,
                  output_format: str = "table") -> str:
    """The trials of a study as text: what ``automl trials`` prints.

    Args:
        study_name: The study.
        root: The local store holding ``studies/<study_name>/``.
        storage: Optuna storage URL (default: the study's job file, then its journal file).
        output_format: ``"table"``, ``"csv"`` or ``"json"`` (see :func:`render_trials`).

    Returns:
        The text.

    Raises:
        ConfigError: For an unknown study (listing the available ones) or format.

    Example:
        >>> print(format_trials("my-study", output_format="csv"))  # doctest: +SKIP
        number,state,value,duration_s,epochs,params_units
        0,COMPLETE,0.98,3.1,5,16
    """
    if output_format not in FORMATS:
        return render_trials([], output_format)  # raises the format error before any I/O
    source = open_study_source(study_name, root=root, storage=storage)
    return render_trials(trial_rows(source.study.get_trials(deepcopy=False)), output_format)
