"""Refits in worker processes: stacking's K-fold refits and bagging's bootstrap models.

Refits train Keras models, so they never run in the command-line process: the tasks (plain
values) are shared out to ``n_workers`` processes started with ``spawn``, like search workers.
Each worker sets up its environment before TensorFlow loads, runs its tasks one after another,
and leaves its results as files (``result.json`` written last, ``.npy`` arrays, ``.keras``
models; no pickle) in each task's folder. A task whose folder already holds a result made with
the same settings is not run again, so building a second ensemble reuses earlier refits.

This module stays light: it is what a spawned worker imports first.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sys
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from automl.exceptions import AutoMLError

__all__ = ["RESULT_FILE", "ERROR_FILE", "is_done", "read_result", "refit_worker_main",
           "run_refits"]

RESULT_FILE, ERROR_FILE = "result.json", "error.txt"


def is_done(task: Mapping[str, Any]) -> bool:
    """True if the task's folder holds a result made with the task's settings."""
    path = Path(task["folder"]) / RESULT_FILE
    if not path.is_file():
        return False
    return json.loads(path.read_text(encoding="utf-8")).get("settings") == task["settings"]


def read_result(task: Mapping[str, Any]) -> dict[str, Any]:
    """The ``result.json`` of a finished task."""
    return json.loads((Path(task["folder"]) / RESULT_FILE).read_text(encoding="utf-8"))


def run_refits(tasks: Sequence[Mapping[str, Any]], n_workers: int,
               announce: Callable[[str], None] = lambda line: None) -> None:
    """Runs the tasks not done yet in ``n_workers`` spawned processes and waits for them.

    Args:
        tasks: Refit tasks (plain dicts; see ``automl.ensembles._refit_tasks``).
        n_workers: Processes to share the tasks between.
        announce: Receives one progress line.

    Raises:
        AutoMLError: If a task left no result (its error and traceback file are named).
        KeyboardInterrupt: After stopping the workers, if interrupted.
    """
    pending = [dict(task) for task in tasks if not is_done(task)]
    if not pending:
        return
    n_processes = max(1, min(n_workers, len(pending)))
    announce(f"Refitting {len(pending)} models in {n_processes} worker "
             f"process{'es' if n_processes > 1 else ''}...")
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=refit_worker_main, name=f"automl-refit-{index}",
                                 args=(pending[index::n_processes], n_processes, os.getpid()))
                 for index in range(n_processes)]
    try:
        for process in processes:
            process.start()
        for process in processes:
            process.join()
    except KeyboardInterrupt:
        _stop(processes)
        raise
    _check_results(pending, processes)


def _stop(processes: Sequence[Any]) -> None:
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)


def _check_results(tasks: Sequence[Mapping[str, Any]], processes: Sequence[Any]) -> None:
    failed = [task for task in tasks if not is_done(task)]
    if not failed:
        return
    task = failed[0]
    error_file = Path(task["folder"]) / ERROR_FILE
    if error_file.is_file():
        last_line = error_file.read_text(encoding="utf-8").strip().splitlines()[-1]
        why = f"{last_line} (traceback: {error_file})"
    else:
        codes = sorted({str(p.exitcode) for p in processes})
        why = f"its worker process exited with code {', '.join(codes)}"
    raise AutoMLError(f"Refit '{task['name']}' failed ({len(failed)} of {len(tasks)} refits "
                      f"failed): {why}.")


def refit_worker_main(tasks: Sequence[Mapping[str, Any]], n_workers: int,
                      parent_pid: int) -> None:
    """Entry point of a refit worker: set up the process, then run its tasks in order.

    Args:
        tasks: The tasks of this worker.
        n_workers: Workers running at the same time (shares the cores between them).
        parent_pid: Pid of the process that started the worker; it exits if that one is gone.
    """
    from automl._process import configure_environment
    from automl._process import die_with_parent

    die_with_parent()
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is handled by the parent
    configure_environment(n_workers)
    import warnings

    warnings.filterwarnings("ignore")
    from automl._quiet import import_keras

    import_keras()
    from automl.ensembles import _refit_tasks

    for task in tasks:
        _refit_tasks.run_task(task)
    sys.exit(0)
