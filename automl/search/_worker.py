"""Entry point of a worker process: set up the process, then run trials until told to stop.

This module must stay light: it runs in a freshly spawned interpreter and has to configure the
environment (threads, log levels, parent-death signal) *before* TensorFlow is imported.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any, Mapping

from automl._devices import worker_device
from automl._process import configure_environment
from automl._process import die_with_parent


def worker_main(job: Mapping[str, Any], index: int, parent_pid: int, slot: int = 0) -> None:
    """Runs trials of the job's study in this process; exits to be recycled or when done.

    Args:
        job: The search job (plain values, see ``automl.search._runner``).
        index: Worker index, used to derive its sampler seed.
        parent_pid: Pid of the search process; the worker exits if it disappears.
        slot: Worker slot (``0..n_workers-1``); it decides the worker's GPU.
    """
    die_with_parent()
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is handled by the search process
    configure_environment(int(job["n_workers"]))
    devices = job.get("devices") or []
    if devices:  # pinned before any framework loads
        os.environ["CUDA_VISIBLE_DEVICES"] = worker_device(devices, slot)
        os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")  # GPUs may be shared
    import warnings

    warnings.filterwarnings("ignore")
    from automl._quiet import import_keras

    import_keras()
    from automl.search import _trial_loop

    sys.exit(_trial_loop.run_worker(job, index))
