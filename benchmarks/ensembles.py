"""Held-out test score of each ensemble method against the best single trial, same search.

For each example dataset (``examples/*.csv``) one search runs; then every ensemble method
combines the same study's best trials, and each is scored on the same held-out test part that
no trial and no ensemble choice ever saw. Prints a table and writes the numbers as JSON.

Usage (from the repository root)::

    python benchmarks/ensembles.py                         # 3 datasets, 12 trials each
    python benchmarks/ensembles.py --datasets wine --n-trials 8 --max-epochs 20
    python benchmarks/ensembles.py --output ensembles.json --workers 2

Example output (abridged)::

    dataset        metric    best single  voting  weighted  selection  stacking  bagging
    breast_cancer  roc_auc   0.9950       0.9961  0.9961    0.9957     0.9964    0.9958
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATASETS = {"breast_cancer": "diagnosis", "wine": "cultivar", "diabetes": "progression"}
METHODS = {
    "voting": {"method": "voting"},
    "weighted": {"method": "voting", "voting": "weighted"},
    "selection": {"method": "selection"},
    "stacking": {"method": "stacking"},
    "bagging": {"method": "bagging", "top_k": 1, "bags": 5},
}


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", choices=sorted(DATASETS), default=list(DATASETS))
    parser.add_argument("--n-trials", type=int, default=12)
    parser.add_argument("--max-epochs", type=int, default=30)
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--cv", type=int, default=None, help="Run the searches with --cv K.")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--root", help="Store folder (default: a temporary folder).")
    parser.add_argument("--output", help="JSON file for the results.")
    return parser.parse_args(argv)


def _search(name: str, args: argparse.Namespace, root: Path) -> tuple[Any, Path]:
    from automl.config import SearchConfig
    from automl.data import load_csv
    from automl.search import run_search
    from automl.search._study import StudyPaths
    from automl.space import load_space

    dataset = load_csv(ROOT / "examples" / f"{name}.csv", DATASETS[name], seed=args.seed)
    config = SearchConfig(n_trials=args.n_trials, max_epochs=args.max_epochs, seed=args.seed,
                          study_name=name, root=str(root), n_workers=args.workers, cv=args.cv)
    result = run_search(dataset, load_space("tabular_mlp"), config, quiet=True)
    return result, StudyPaths.for_study(root, name).folder


def _ensembles(folder: Path, metric: str, args: argparse.Namespace) -> dict[str, Any]:
    from automl.ensembles import EnsembleConfig
    from automl.ensembles import build_ensemble

    found: dict[str, Any] = {}
    for label, options in METHODS.items():
        options = {"top_k": args.top_k, "n_workers": args.workers, **options}
        started = time.perf_counter()
        result = build_ensemble(folder, EnsembleConfig(**options,
                                                       output=str(folder / f"bench_{label}")))
        found[label] = {"test": result.test_scores[metric], "members": result.member_trials,
                        "seconds": round(time.perf_counter() - started, 1),
                        "diversity": result.diversity,
                        **{k: v for k, v in result.details.items() if k.startswith("oob_")}}
    found["best single"] = {"test": result.best_single_test_scores[metric],
                            "trial": result.best_trial}
    return found


def _table(results: dict[str, Any]) -> str:
    columns = ["best single", *METHODS]
    lines = [f"{'dataset':<14} {'metric':<9} " + " ".join(f"{c:>11}" for c in columns)]
    for name, found in results.items():
        cells = " ".join(f"{found['scores'][c]['test']:>11.4f}" for c in columns)
        lines.append(f"{name:<14} {found['metric']:<9} {cells}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark; returns the exit code."""
    args = _arguments(argv)
    from automl._quiet import import_keras

    import_keras()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(args.root or scratch)
        results = {}
        for name in args.datasets:
            started = time.perf_counter()
            search, folder = _search(name, args, root)
            searched = time.perf_counter()
            scores = _ensembles(folder, search.metric, args)
            results[name] = {"metric": search.metric, "direction": search.direction,
                             "search_seconds": round(searched - started, 1),
                             "ensembles_seconds": round(time.perf_counter() - searched, 1),
                             "scores": scores}
            print(f"{name}: done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    print(_table(results))
    if args.output:
        Path(args.output).write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
