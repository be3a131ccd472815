"""Fault injection for tests: make a worker fail at a named point, on purpose.

Active only when ``AUTOML_TESTING=1``. ``AUTOML_FAULT`` holds comma-separated rules
``<site>@<trial>=<action>``:

* sites: ``build`` (before a trial's model is built), ``epoch_end:<k>`` (after epoch ``k``),
  ``artifact_save`` (before the trial's model is written), ``after_tell`` (after Optuna is
  told a trial's outcome, before its MLflow run is ended);
* trial: a trial number, or ``*`` for every trial;
* actions: ``raise`` (RuntimeError), ``sigkill`` and ``sigterm`` (the worker signals itself),
  ``hang`` (sleeps for an hour), ``nan`` (at ``epoch_end``: the model's weights become NaN, so
  the next epoch's loss really is NaN), ``alloc`` (holds 2 GB of memory, then hangs),
  ``mark`` (only writes the marker file).

Each time a site is reached with a matching rule, a marker file ``<site>-<trial>.reached`` is
written to ``AUTOML_FAULT_DIR`` when set, so a test can wait for it instead of sleeping.

Example:
    ``AUTOML_TESTING=1 AUTOML_FAULT="epoch_end:1@2=sigkill" automl search ...`` kills the
    worker at the end of epoch 1 of trial 2.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

__all__ = ["maybe_fail"]


def _rules() -> list[tuple[str, str, str]]:
    if os.environ.get("AUTOML_TESTING") != "1":
        return []
    rules = []
    for rule in filter(None, os.environ.get("AUTOML_FAULT", "").split(",")):
        where, _, action = rule.partition("=")
        site, _, trial = where.partition("@")
        rules.append((site.strip(), trial.strip() or "*", action.strip()))
    return rules


def maybe_fail(site: str, trial_number: int, model: Any = None) -> None:
    """Performs the fault configured for ``site`` and this trial, if any (tests only)."""
    for rule_site, rule_trial, action in _rules():
        if rule_site == site and rule_trial in ("*", str(trial_number)):
            _mark(site, trial_number)
            _act(action, site, trial_number, model)


def _mark(site: str, trial_number: int) -> None:
    folder = os.environ.get("AUTOML_FAULT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        Path(folder, f"{site.replace(':', '_')}-{trial_number}.reached").touch()


def _act(action: str, site: str, trial_number: int, model: Any) -> None:
    if action == "nan" and model is not None:
        model.set_weights([weights * float("nan") for weights in model.get_weights()])
    if action == "raise":
        raise RuntimeError(f"Injected fault at {site} of trial {trial_number}.")
    if action == "sigkill":
        os.kill(os.getpid(), signal.SIGKILL)
    if action == "sigterm":
        os.kill(os.getpid(), signal.SIGTERM)
    if action == "alloc":
        hog = bytearray(2 * 1024**3)  # pages are touched, so the memory is really resident
        hog[::4096] = b"x" * len(hog[::4096])
        time.sleep(3600)
    if action == "hang":
        time.sleep(3600)
