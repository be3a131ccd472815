"""Trials per minute with 1 and 2 worker processes on the same short trials.

Each configuration runs the same number of trials of a small fixed space (about 2 s each) from a
fresh study; the time counts from the search's start (workers import TensorFlow once) to its
last trial. On an idle 2-core machine 2 workers should approach twice the throughput (a small
model keeps about 0.9 of one core busy). It also samples each worker's resident memory.

Usage: python benchmarks/scaling.py [--trials 16] [--epochs 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import cancer_dataset, small_space, temporary_root  # noqa: E402
from automl.config import SearchConfig  # noqa: E402
from automl.search import run_search  # noqa: E402
from memory import Sampler  # noqa: E402


def throughput(n_workers: int, trials: int, epochs: int) -> tuple[float, float]:
    """Returns (trials per minute, peak worker RSS in MB)."""
    config = SearchConfig(n_trials=trials, max_epochs=epochs, patience=epochs, pruner="none",
                          sampler="random", n_workers=n_workers, root=str(temporary_root()),
                          study_name=f"scaling-{n_workers}", report=False)
    dataset, space = cancer_dataset(), small_space()
    sampler = Sampler()
    sampler.start()
    started = time.monotonic()
    run_search(dataset, space, config, quiet=True)
    elapsed = time.monotonic() - started
    sampler.done.set()
    sampler.join()
    peak = max((rss for _, _, seen in sampler.samples for rss in seen.values()), default=0.0)
    return 60.0 * trials / elapsed, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; {args.trials} trials of {args.epochs} epochs per run")
    results = {}
    for workers in (1, 2):
        rate, peak = throughput(workers, args.trials, args.epochs)
        results[workers] = rate
        print(f"{workers} worker(s): {rate:6.1f} trials/minute, worker RSS peak {peak:.0f} MB")
    print(f"speed-up with 2 workers: {results[2] / results[1]:.2f}x (ideal on 2 idle cores: 2x)")
    print("worker memory over 100 trials: python benchmarks/memory.py")


if __name__ == "__main__":
    main()
