"""The report page: one self-contained HTML file (plots embedded as base64 PNG, inline CSS, no
script and no external resource), so it opens from disk in any browser without a server.
"""

from __future__ import annotations

import base64
import dataclasses
import html
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

__all__ = ["PageContent", "PlotEntry", "render_page", "data_uri"]

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#1f2933;
background:#f5f7fa;line-height:1.45}
header{background:#1f2933;color:#fff;padding:20px 32px}
header h1{margin:0 0 6px;font-size:1.6em}
header p{margin:2px 0;color:#cbd2d9}
main{padding:8px 32px 40px;max-width:1400px}
section{background:#fff;border-radius:8px;padding:14px 20px;margin:18px 0;
box-shadow:0 1px 3px rgba(0,0,0,.08)}
h2{margin:4px 0 12px;font-size:1.25em}
table{border-collapse:collapse;font-size:.9em;margin:6px 0}
th,td{border-bottom:1px solid #e4e7eb;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f0f4f8}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.plots{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:16px}
figure{margin:0;border:1px solid #e4e7eb;border-radius:6px;padding:8px;background:#fff}
figure img{max-width:100%;height:auto;display:block;margin:0 auto}
figcaption{font-size:.85em;color:#52606d;margin-top:6px}
.note{color:#7b8794;font-size:.9em}
code{background:#f0f4f8;padding:1px 4px;border-radius:3px}
"""


@dataclasses.dataclass(frozen=True)
class PlotEntry:
    """One embedded plot.

    Args:
        name: File stem, e.g. ``"optimization_history"`` (also the HTML element id).
        caption: What the plot answers, shown under it.
        path: The PNG file.

    Example:
        >>> PlotEntry("timeline", "When each trial ran.", Path("report/timeline.png")).name
        'timeline'
    """

    name: str
    caption: str
    path: Path


@dataclasses.dataclass
class PageContent:
    """Everything shown on the page; values are plain data, escaped when rendered.

    Args:
        title: Page title (the study name).
        facts: Header lines, label -> text.
        test_scores: Model title -> {metric: value}.
        top_trials: Rows with ``rank``, ``number``, ``value``, ``epochs``, ``duration_s``,
            ``params``.
        target_name: Objective name for the value column.
        plots: Embedded plots, in display order.
        skipped: Plot name -> why it was not drawn.
        settings: Search settings (the MLflow parent run's params).
        data_summary: The dataset summary (``dataset.json``).
        versions: Rows of (package, version at search time, version now).

    Example:
        >>> page = render_page(PageContent(title="s", facts={}, test_scores={}, top_trials=[],
        ...                                target_name="val_f1", plots=[], skipped={},
        ...                                settings={}, data_summary={}, versions=[]))
        >>> page.startswith("<!DOCTYPE html>")
        True
    """

    title: str
    facts: dict[str, str]
    test_scores: dict[str, dict[str, float]]
    top_trials: list[dict[str, Any]]
    target_name: str
    plots: list[PlotEntry]
    skipped: dict[str, str]
    settings: dict[str, str]
    data_summary: dict[str, Any]
    versions: list[tuple[str, str, str]]


def data_uri(path: Path) -> str:
    """A PNG file as a ``data:image/png;base64,...`` URI.

    Args:
        path: The PNG file.

    Returns:
        The URI.

    Example:
        >>> data_uri(Path("report/timeline.png"))[:22]  # doctest: +SKIP
        'data:image/png;base64,'
    """
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def render_page(content: PageContent) -> str:
    """Renders the whole report page.

    Args:
        content: What to show.

    Returns:
        The HTML text.

    Example:
        >>> Path("report.html").write_text(render_page(content))  # doctest: +SKIP
    """
    sections = [
        _section("Held-out test scores", "test-scores", _scores_table(content.test_scores)),
        _section("Top trials", "top-trials", _top_table(content.top_trials, content.target_name)),
        _section("Plots", "plots", _plots(content.plots, content.skipped)),
        _section("Search settings", "settings", _key_values(content.settings)),
        _section("Data summary", "data", _data_summary(content.data_summary)),
        _section("Package versions", "versions",
                 _table(("package", "at search time", "this report"), content.versions)),
    ]
    facts = "".join(f"<p><b>{_e(k)}:</b> {_e(v)}</p>" for k, v in content.facts.items())
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>automl report: {_e(content.title)}</title><style>{_CSS}</style></head>"
            f"<body><header><h1>Study {_e(content.title)}</h1>{facts}</header>"
            f"<main>{''.join(sections)}</main></body></html>\n")


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _section(title: str, element_id: str, body: str) -> str:
    return f'<section id="{element_id}"><h2>{_e(title)}</h2>{body}</section>'


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f'<td class="num">{value:.5g}</td>'
    if isinstance(value, int) and not isinstance(value, bool):
        return f'<td class="num">{value}</td>'
    return f"<td>{_e('' if value is None else value)}</td>"


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]], table_id: str = "") -> str:
    rows = list(rows)
    if not rows:
        return '<p class="note">Nothing recorded.</p>'
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    id_attr = f' id="{table_id}"' if table_id else ""
    return f"<table{id_attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _key_values(values: Mapping[str, Any]) -> str:
    return _table(("setting", "value"), sorted(values.items()))


def _scores_table(scores: Mapping[str, Mapping[str, float]]) -> str:
    if not scores:
        return '<p class="note">No model was evaluated on the held-out test part.</p>'
    metrics = list(dict.fromkeys(name for model in scores.values() for name in model))
    rows = [[model] + [values.get(name) for name in metrics] for model, values in scores.items()]
    return _table(["model"] + metrics, rows, "test-scores-table")


def _top_table(rows: Sequence[Mapping[str, Any]], target_name: str) -> str:
    if not rows:
        return '<p class="note">No trial completed.</p>'
    cells = [(r["rank"], r["number"], r["value"], r["epochs"],
              "" if r["duration_s"] is None else f"{r['duration_s']:.1f}s",
              ", ".join(f"{k}={_short(v)}" for k, v in r["params"].items())) for r in rows]
    headers = ("rank", "trial", target_name, "epochs", "duration", "parameters")
    return _table(headers, cells, "top-trials-table")


def _short(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _plots(plots: Sequence[PlotEntry], skipped: Mapping[str, str]) -> str:
    figures = "".join(
        f'<figure id="plot-{_e(p.name)}"><img src="{data_uri(p.path)}" alt="{_e(p.name)}">'
        f"<figcaption><b>{_e(p.name)}</b>: {_e(p.caption)}</figcaption></figure>" for p in plots)
    notes = "".join(f"<li><code>{_e(name)}</code>: {_e(why)}</li>"
                    for name, why in skipped.items())
    skipped_html = f'<p class="note">Not drawn:</p><ul class="note">{notes}</ul>' if notes else ""
    return f'<div class="plots">{figures}</div>{skipped_html}'


def _data_summary(summary: Mapping[str, Any]) -> str:
    if not summary:
        return '<p class="note">No data summary was found (dataset/dataset.json).</p>'
    nested = {k: v for k, v in summary.items() if isinstance(v, (Mapping, list))}
    facts = {k: v for k, v in summary.items() if k not in nested}
    parts = [_key_values(facts)]
    for key, value in nested.items():
        if not value:
            continue
        label = f"{key.replace('_', ' ').capitalize()} ({len(value)})"
        shown = " open" if len(value) <= 12 else ""
        parts.append(f"<details{shown}><summary>{_e(label)}</summary>"
                     + _table(("name", "value"), _pairs(value)) + "</details>")
    return "".join(parts)


def _pairs(value: Mapping[str, Any] | list[Any]) -> list[tuple[Any, Any]]:
    if isinstance(value, Mapping):
        return [(k, v if not isinstance(v, (Mapping, list)) else str(v))
                for k, v in value.items()]
    return [(item, "") for item in value]
