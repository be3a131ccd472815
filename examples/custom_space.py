"""A search space written in Python, saved as YAML, read back, and searched.

The space mixes every parameter type: ``Int`` and ``Float`` ranges (linear, log-scaled or
stepped), a ``Categorical`` choice, a ``Fixed`` value, and a conditional parameter
(``momentum`` is sampled only when the optimizer is SGD). ``dump_space`` writes the YAML form
that ``automl search --space`` and ``load_space`` read; reading it back gives an equal space.

Run from the repository root (about a minute; studies and MLflow runs go to ./mlruns)::

    python examples/custom_space.py

``AUTOML_EXAMPLE_QUICK=1`` runs a shortened version (2 trials of 2 epochs, in this process),
as the tests do.
"""

from __future__ import annotations

import os
from pathlib import Path

import automl

DATA = Path(__file__).resolve().parent / "breast_cancer.csv"
QUICK = os.environ.get("AUTOML_EXAMPLE_QUICK") == "1"  # the tests' shortened run
BUDGET = {"n_trials": 2, "max_epochs": 2, "n_workers": 0, "report": False} if QUICK \
    else {"n_trials": 15, "max_epochs": 30}

SPACE = automl.SearchSpace(
    builder="mlp",
    params={
        "n_layers": automl.Int(1, 3),
        "units": automl.Int(16, 128, log=True),
        "dropout": automl.Float(0.0, 0.4, step=0.1),
        "optimizer": automl.Categorical(["adam", "sgd"]),
        "learning_rate": automl.Float(1e-4, 3e-2, log=True),
        "momentum": automl.Float(0.5, 0.95, when={"optimizer": "sgd"}),
        "batch_size": automl.Fixed(32),
    },
    fixed={"lr_schedule": "cosine"},
    name="small_mlp",
    description="A small MLP space written in Python.",
)


def main() -> None:
    """Writes the space as YAML, checks the round trip, searches, and prints the outcome."""
    path = Path("small_mlp.yaml")
    automl.dump_space(SPACE, path)
    print(path.read_text(encoding="utf-8"))
    print("Read back equal:", automl.load_space(path) == SPACE)

    result = automl.search(
        DATA, path, target="diagnosis", metric="roc_auc", seed=0, **BUDGET,
    )
    print(f"Best trial {result.best_trial}: val_roc_auc={result.best_value:.4f}")
    print("Best parameters:", result.best_params)
    print("Held-out test scores:", {k: round(v, 4) for k, v in result.test_scores.items()})
    print(result.trials_dataframe()[["number", "state", "value"]].to_string(index=False))


if __name__ == "__main__":
    main()
