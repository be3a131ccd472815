"""Resident memory of the search process and of its worker over many trials.

Runs 100 one-epoch trials and samples the RSS of this (search) process and of its worker
processes twice a second, from /proc. The search process must stay flat; a worker grows with
every model TensorFlow builds (about 4.6 MB) and is replaced past its limit
(``worker_memory_mb``) or after ``trials_per_worker`` trials.

Usage: python benchmarks/memory.py [--trials 100] [--worker-memory-mb 3072]
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import cancer_dataset, small_space, temporary_root  # noqa: E402
from automl._process import rss_mb  # noqa: E402
from automl.config import SearchConfig  # noqa: E402
from automl.search import run_search  # noqa: E402


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


class Sampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[tuple[float, float, dict[int, float]]] = []
        self.done = threading.Event()

    def run(self) -> None:
        start, me = time.monotonic(), os.getpid()
        while not self.done.is_set():
            workers = {p: rss_mb(p) for p in children(me)}
            self.samples.append((time.monotonic() - start, rss_mb(me), workers))
            time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--worker-memory-mb", type=int, default=3072)
    args = parser.parse_args()
    dataset, space = cancer_dataset(), small_space()
    config = SearchConfig(n_trials=args.trials, max_epochs=1, pruner="none", sampler="random",
                          root=str(temporary_root()), study_name="memory",
                          worker_memory_mb=args.worker_memory_mb)
    sampler = Sampler()
    sampler.start()
    run_search(dataset, space, config, quiet=True)
    sampler.done.set()
    sampler.join()
    report(sampler.samples, args.worker_memory_mb)


def report(samples: list[tuple[float, float, dict[int, float]]], limit: int) -> None:
    search = [s[1] for s in samples if s[2]]  # while workers ran
    workers: dict[int, list[float]] = {}
    for _, _, seen in samples:
        for pid, value in seen.items():
            if value:
                workers.setdefault(pid, []).append(value)
    print(f"search process RSS while trials ran: first {search[0]:.0f} MB, last "
          f"{search[-1]:.0f} MB, max {max(search):.0f} MB (growth "
          f"{search[-1] - search[0]:+.0f} MB)")
    for pid, values in workers.items():
        print(f"worker {pid}: {len(values)} samples, RSS first {values[0]:.0f} MB, last "
              f"{values[-1]:.0f} MB, max {max(values):.0f} MB (limit {limit} MB)")
    peak = max(max(v) for v in workers.values())
    print(f"worker peak {peak:.0f} MB is {'under' if peak < limit else 'OVER'} the recycling "
          f"limit; workers used: {len(workers)}")


if __name__ == "__main__":
    main()
