"""How many trial updates per second a PostgreSQL Optuna storage sustains, and so how many real
workers one database can carry.

Lightweight worker processes (no training) make the same storage calls as a real trial: ask,
suggest 6 parameters, then per "epoch" report + should_prune, then tell. With 1, 4 and 16
processes, each runs for a fixed time; the total storage operations per second is reported.
A real trial of E epochs makes about 8 + 2E operations; a worker whose trials last T seconds
therefore needs (8 + 2E) / T operations per second, and one database carries about
rate / that many workers.

Usage: python benchmarks/storage_scale.py [--url postgresql+psycopg2://postgres@127.0.0.1/test]
                                          [--seconds 10] [--epochs 20]
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
import uuid

import optuna

PARAMS = 6


def _worker(url: str, study_name: str, seconds: float, epochs: int, counts) -> None:
    from automl.search._study import open_storage

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.load_study(study_name=study_name, storage=open_storage(url))
    operations, started = 0, time.monotonic()
    deadline = started + seconds
    while time.monotonic() < deadline:
        trial = study.ask()
        for index in range(PARAMS):
            trial.suggest_float(f"p{index}", 0.0, 1.0)
        for epoch in range(epochs):
            trial.report(float(epoch), step=epoch)
            trial.should_prune()
        study.tell(trial, 1.0)
        operations += 2 + PARAMS + 2 * epochs
    counts.append(operations / (time.monotonic() - started))  # this worker's own rate


def measure(url: str, n_workers: int, seconds: float, epochs: int) -> float:
    from automl.search._study import open_storage

    name = f"storage-scale-{uuid.uuid4().hex[:8]}"
    optuna.create_study(study_name=name, storage=open_storage(url))
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        counts = manager.list()
        processes = [context.Process(target=_worker, args=(url, name, seconds, epochs, counts))
                     for _ in range(n_workers)]
        for process in processes:
            process.start()
        for process in processes:
            process.join()
        total = sum(counts)  # the workers' windows overlap: start-up is not counted
    optuna.delete_study(study_name=name, storage=open_storage(url))
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql+psycopg2://postgres@127.0.0.1:5432/test")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    per_trial = 2 + PARAMS + 2 * args.epochs
    best = 0.0
    for n_workers in (1, 4, 16):
        rate = measure(args.url, n_workers, args.seconds, args.epochs)
        best = max(best, rate)
        print(f"{n_workers:>2} lightweight workers: {rate:8.0f} storage operations/s")
    print(f"\na trial of {args.epochs} epochs makes about {per_trial} operations")
    for seconds in (2, 30, 300):
        print(f"trials of {seconds:>3} s: one database carries about "
              f"{best * seconds / per_trial:8.0f} real workers")
    print("(the client machine here has 2 cores: with 16 processes the clients, not the "
          "database, may be the limit; run the workers from several hosts to see the server's)")


if __name__ == "__main__":
    main()
