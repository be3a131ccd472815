"""Which accelerator each worker process uses.

With GPUs, a search runs one worker per visible GPU by default, each pinned to its own GPU with
``CUDA_VISIBLE_DEVICES`` before TensorFlow (or PyTorch, or JAX) loads. Nothing here imports a
framework: GPUs are listed from ``CUDA_VISIBLE_DEVICES`` or ``nvidia-smi``.

Example:
    >>> plan_devices(workers=None, gpus="0,1", visible=[])
    DevicePlan(n_workers=2, devices=('0', '1'))
    >>> plan_devices(workers=None, gpus=None, visible=[])
    DevicePlan(n_workers=1, devices=())
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess

from automl.exceptions import ConfigError

__all__ = ["DevicePlan", "plan_devices", "visible_gpus", "worker_device"]


@dataclasses.dataclass(frozen=True)
class DevicePlan:
    """How many workers run, and the GPU of each worker slot (empty: CPU only).

    Args:
        n_workers: Worker processes.
        devices: GPU ids, one per slot; slot ``i`` uses ``devices[i % len(devices)]``.
    """

    n_workers: int
    devices: tuple[str, ...] = ()


def visible_gpus() -> list[str]:
    """GPU ids this process may use: ``CUDA_VISIBLE_DEVICES`` if set, else from ``nvidia-smi``."""
    if "CUDA_VISIBLE_DEVICES" in os.environ:
        value = os.environ["CUDA_VISIBLE_DEVICES"].strip()
        return [gpu.strip() for gpu in value.split(",") if gpu.strip() and gpu.strip() != "-1"]
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        listed = subprocess.run(["nvidia-smi", "--query-gpu=index", "--format=csv,noheader"],
                                capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in listed.stdout.splitlines() if line.strip()]


def plan_devices(workers: int | None, gpus: str | None, visible: list[str]) -> DevicePlan:
    """Decides the number of workers and their GPUs.

    Args:
        workers: ``--workers``, or ``None`` for the default (one per GPU, else one).
        gpus: ``--gpus``: ``None`` or ``"all"`` (every visible GPU), ``"none"`` (CPU only), or
            comma-separated GPU ids such as ``"0,2"``.
        visible: GPUs found on this machine (see :func:`visible_gpus`).

    Returns:
        The :class:`DevicePlan`. With more workers than GPUs, workers share GPUs in turn.

    Raises:
        ConfigError: If ``gpus`` is malformed.
    """
    if gpus in (None, "all"):
        chosen = list(visible)
    elif gpus == "none":
        chosen = []
    else:
        chosen = [gpu.strip() for gpu in gpus.split(",")]
        if not all(gpu.isdigit() for gpu in chosen):
            raise ConfigError("Invalid value for '--gpus': expected 'all', 'none' or GPU ids "
                              f"such as '0,1'. Received: {gpus!r}.")
    n_workers = workers if workers is not None else max(1, len(chosen))
    return DevicePlan(n_workers=n_workers, devices=tuple(chosen))


def worker_device(devices: list[str] | tuple[str, ...], slot: int) -> str:
    """The ``CUDA_VISIBLE_DEVICES`` value of worker slot ``slot`` (``""`` hides every GPU)."""
    return devices[slot % len(devices)] if devices else ""
