"""Entry point of a worker process: set up the process, then run trials until told to stop.

This module must stay light: it runs in a freshly spawned interpreter and has to configure the
environment (threads, log levels, parent-death signal) *before* TensorFlow is imported.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from typing import Any, Mapping

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Asks Linux to SIGKILL this process when its parent dies (no orphan workers)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        pass


def _configure_environment(n_workers: int) -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    if n_workers > 1:  # keep N workers from fighting over the cores
        threads = str(max(1, (os.cpu_count() or 1) // n_workers))
        os.environ.setdefault("TF_NUM_INTRAOP_THREADS", threads)
        os.environ.setdefault("TF_NUM_INTEROP_THREADS", threads)
        os.environ.setdefault("OMP_NUM_THREADS", threads)


def worker_main(job: Mapping[str, Any], index: int, parent_pid: int) -> None:
    """Runs trials of the job's study in this process; exits to be recycled or when done.

    Args:
        job: The search job (plain values, see ``automl.search._runner``).
        index: Worker index, used to derive its sampler seed.
        parent_pid: Pid of the search process; the worker exits if it disappears.
    """
    _die_with_parent()
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is handled by the search process
    _configure_environment(int(job["n_workers"]))
    import warnings

    warnings.filterwarnings("ignore")
    from automl._quiet import import_keras

    import_keras()
    from automl.search import _trial_loop

    sys.exit(_trial_loop.run_worker(job, index))
