"""Share of each trial's wall time spent outside ``model.fit``.

Runs a search of short trials (about 2 s of training each) in one worker process and compares,
per trial, the time inside ``model.fit`` (the trial's ``automl.fit_seconds``) with the trial's
whole span: sampling, building, tracking, saving, and the hand-off to the next trial.
Target: at most 5% for trials of about 2 seconds.

Usage: python benchmarks/overhead.py [--trials 12] [--epochs 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import optuna  # noqa: E402

from _common import cancer_dataset, small_space, temporary_root  # noqa: E402
from automl.config import SearchConfig  # noqa: E402
from automl.search import run_search  # noqa: E402
from automl.search._study import open_storage  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    root = temporary_root()
    config = SearchConfig(n_trials=args.trials, max_epochs=args.epochs, patience=args.epochs,
                          pruner="none", sampler="random", root=str(root), study_name="overhead")
    result = run_search(cancer_dataset(), small_space(), config, quiet=True)
    study = optuna.load_study(study_name="overhead", storage=open_storage(result.storage))
    trials = sorted(study.trials, key=lambda t: t.number)[1:]  # the first pays TF's warm-up
    rows = []
    for previous, trial in zip(trials, trials[1:], strict=False):
        span = (trial.datetime_complete - previous.datetime_complete).total_seconds()
        rows.append((trial.number, span, trial.user_attrs["automl.fit_seconds"]))
    print(f"{'trial':>5} {'span s':>8} {'fit s':>8} {'outside fit':>12}")
    for number, span, fit in rows:
        print(f"{number:>5} {span:>8.3f} {fit:>8.3f} {100 * (span - fit) / span:>11.1f}%")
    spans, fits = [r[1] for r in rows], [r[2] for r in rows]
    share = 1 - sum(fits) / sum(spans)
    print(f"\nmedian trial span {statistics.median(spans):.3f} s, median fit "
          f"{statistics.median(fits):.3f} s")
    print(f"time outside model.fit: {100 * share:.1f}% of trial wall time (target <= 5%)")
    print(f"store: {root}")


if __name__ == "__main__":
    main()
