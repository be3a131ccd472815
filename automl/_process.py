"""Set-up shared by every process that trains models (search workers, ensemble refits)."""

from __future__ import annotations

import ctypes
import os
import signal
import sys

__all__ = ["die_with_parent", "configure_environment", "rss_mb"]

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Asks Linux to SIGKILL this process when its parent dies (no orphan workers)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        pass


def configure_environment(n_workers: int) -> None:
    """Quiets TensorFlow and MLflow and, with several workers, shares the cores between them.

    Must run before TensorFlow is imported in this process.

    Args:
        n_workers: Number of processes training at the same time on this machine.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    if n_workers > 1:  # keep N workers from fighting over the cores
        threads = str(max(1, (os.cpu_count() or 1) // n_workers))
        os.environ.setdefault("TF_NUM_INTRAOP_THREADS", threads)
        os.environ.setdefault("TF_NUM_INTEROP_THREADS", threads)
        os.environ.setdefault("OMP_NUM_THREADS", threads)


def rss_mb(pid: int | None = None) -> float:
    """Resident memory of a process (this one by default) in MB, from /proc; 0 if unknown."""
    try:
        with open(f"/proc/{pid or os.getpid()}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
