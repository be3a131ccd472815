"""Logging a search to an MLflow tracking server instead of the local SQLite store.

Start a server first, in another terminal, for example automl's lean one on the default
store (``automl ui``) or any MLflow server::

    mlflow server --host 127.0.0.1 --port 5000

then run, from the repository root::

    python examples/mlflow_server.py --tracking-uri http://127.0.0.1:5000

The study's experiment gets one parent run for the search and one nested run per trial, with
the parameters, per-epoch metrics, the best model as an artifact and the held-out test scores.
The Optuna study itself stays local (./mlruns/studies/), so the search can be resumed with the
same ``--study-name``.

``AUTOML_EXAMPLE_QUICK=1`` runs a shortened version (2 trials of 2 epochs, in this process).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import automl

DATA = Path(__file__).resolve().parent / "wine.csv"
QUICK = os.environ.get("AUTOML_EXAMPLE_QUICK") == "1"  # the tests' shortened run
BUDGET = {"n_trials": 2, "max_epochs": 2, "n_workers": 0, "report": False} if QUICK \
    else {"n_trials": 10, "max_epochs": 30}


def parse_arguments() -> argparse.Namespace:
    """Reads ``--tracking-uri`` and ``--study-name``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tracking-uri", default=os.environ.get(
        "MLFLOW_TRACKING_URI", "http://127.0.0.1:5000"), help="MLflow tracking server URI")
    parser.add_argument("--study-name", default=None, help="study and MLflow experiment name")
    return parser.parse_args()


def main() -> None:
    """Searches the wine data, logging every trial to the tracking server."""
    arguments = parse_arguments()
    result = automl.search(
        DATA, "tabular_mlp", target="cultivar", tracking_uri=arguments.tracking_uri,
        study_name=arguments.study_name, seed=0, **BUDGET,
    )
    print(f"Study {result.study_name}: best trial {result.best_trial}, "
          f"val_{result.metric}={result.best_value:.4f}")
    print(f"Runs: {arguments.tracking_uri.rstrip('/')}/#/experiments (experiment "
          f"'{result.study_name}', parent run {result.parent_run_id})")


if __name__ == "__main__":
    main()
