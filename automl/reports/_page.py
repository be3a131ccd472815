"""Gathers what the HTML page shows (test scores, top trials, search settings from the MLflow
parent run, data summary, versions) and writes ``report.html``.
"""

from __future__ import annotations

import datetime
import math
from pathlib import Path
from typing import Any, Mapping

from automl import metrics
from automl.reports._html import PageContent
from automl.reports._html import PlotEntry
from automl.reports._html import render_page
from automl.reports._model_plots import ModelOutputs
from automl.reports._plots import caption
from automl.reports._source import StudySource
from automl.reports._study_plots import TOP_TRIALS
from automl.reports._trials import trial_row
from automl.search._report import ranked_trials
from automl.search._report import versions

__all__ = ["HTML_FILE", "write_page"]

HTML_FILE = "report.html"
_VERSION_PREFIX = "version_"
_JOB_SETTINGS = ("sampler", "pruner", "n_trials", "metric", "direction", "seed", "n_workers")


def write_page(source: StudySource, models: list[ModelOutputs], plots: Mapping[str, Path],
               skipped: Mapping[str, str], folder: Path) -> Path:
    """Writes ``<folder>/report.html`` (atomically).

    Args:
        source: The study.
        models: Test outputs of the best model (and ensembles); their scores are shown.
        plots: Plot name -> PNG file, embedded in this order.
        skipped: Plot name -> why it was not drawn.
        folder: Where the page goes.

    Returns:
        The page's path.

    Example:
        >>> write_page(source, [], {}, {}, Path("report"))  # doctest: +SKIP
        PosixPath('report/report.html')
    """
    params = _parent_params(source)
    content = PageContent(
        title=source.name, facts=_facts(source), target_name=source.target_name,
        test_scores={m.title: metrics.test_scores(m.y_true, m.outputs, m.task) for m in models},
        top_trials=_top_rows(source), skipped=dict(skipped),
        plots=[PlotEntry(name, caption(name), path) for name, path in plots.items()],
        settings=_settings(source, params), data_summary=source.data_summary(),
        versions=_version_rows(params),
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / HTML_FILE
    staging = folder / f".{HTML_FILE}.tmp"
    staging.write_text(render_page(content), encoding="utf-8")
    staging.replace(path)
    return path


def _facts(source: StudySource) -> dict[str, str]:
    trials = source.study.get_trials(deepcopy=False)
    counts = {label: sum(t.state.name == state for t in trials) for state, label in
              (("COMPLETE", "complete"), ("PRUNED", "pruned"), ("FAIL", "failed"),
               ("RUNNING", "running"))}
    states = ", ".join(f"{n} {label}" for label, n in counts.items()
                       if n or label != "running")
    best = [t for t in ranked_trials(trials, source.direction) if math.isfinite(t.value)]
    best_text = f"trial {best[0].number}, {source.target_name} = {best[0].value:.5g}" \
        if best else "no trial completed"
    return {
        "Objective": f"{source.target_name} ({source.direction})",
        "Trials": f"{len(trials)} ({states})",
        "Best": best_text,
        "Written": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


def _top_rows(source: StudySource) -> list[dict[str, Any]]:
    ranked = [t for t in ranked_trials(source.study.get_trials(deepcopy=False), source.direction)
              if math.isfinite(t.value)]
    return [{"rank": rank, **trial_row(trial)}
            for rank, trial in enumerate(ranked[:TOP_TRIALS], start=1)]


def _parent_params(source: StudySource) -> dict[str, str]:
    """The MLflow parent run's params (the search settings), or {} if there is no such run."""
    run = source.parent_run()
    return dict(run.data.params) if run is not None else {}


def _settings(source: StudySource, params: Mapping[str, str]) -> dict[str, str]:
    found = {k: v for k, v in params.items() if not k.startswith(_VERSION_PREFIX)}
    if found:
        return found
    return {key: str(source.job[key]) for key in _JOB_SETTINGS if key in source.job}


def _version_rows(params: Mapping[str, str]) -> list[tuple[str, str, str]]:
    now = versions()
    then = {k.removeprefix(_VERSION_PREFIX): v for k, v in params.items()
            if k.startswith(_VERSION_PREFIX)}
    names = list(dict.fromkeys([*then, *now]))
    return [(name, then.get(name, ""), now.get(name, "")) for name in names]
