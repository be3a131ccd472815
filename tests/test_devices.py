"""GPU assignment of worker processes (the logic; the machines here have no GPU)."""

from __future__ import annotations

import pytest

from automl._devices import DevicePlan
from automl._devices import plan_devices
from automl._devices import visible_gpus
from automl._devices import worker_device
from automl.exceptions import ConfigError


def test_one_worker_per_visible_gpu_by_default():
    assert plan_devices(None, None, ["0", "1", "2"]) == DevicePlan(3, ("0", "1", "2"))
    assert plan_devices(None, "all", ["0"]) == DevicePlan(1, ("0",))


def test_no_gpu_means_one_cpu_worker():
    assert plan_devices(None, None, []) == DevicePlan(1, ())
    assert plan_devices(None, "none", ["0", "1"]) == DevicePlan(1, ())


def test_chosen_gpus_and_explicit_worker_counts():
    assert plan_devices(None, "1,3", ["0", "1", "2", "3"]) == DevicePlan(2, ("1", "3"))
    assert plan_devices(4, "0,1", []) == DevicePlan(4, ("0", "1"))
    assert [worker_device(("0", "1"), slot) for slot in range(4)] == ["0", "1", "0", "1"]
    assert worker_device((), 3) == ""


def test_malformed_gpu_list_is_a_config_error():
    with pytest.raises(ConfigError, match="Invalid value for '--gpus'"):
        plan_devices(None, "cuda:0", [])


def test_visible_gpus_follow_cuda_visible_devices(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,5")
    assert visible_gpus() == ["2", "5"]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert visible_gpus() == []
