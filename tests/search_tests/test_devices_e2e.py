"""Workers are pinned to their GPU slot, and mixed precision reaches the saved model. On these
CPU-only machines CUDA_VISIBLE_DEVICES is set but finds no GPU, so training runs on the CPU."""

from __future__ import annotations

import json

import keras
import pytest

from consistency import load_study

pytestmark = pytest.mark.slow


def test_each_worker_is_pinned_to_its_gpu_slot(run_cli, tmp_path, tiny_space, cancer_split):
    store = tmp_path / "store"
    result = run_cli("search", cancer_split[0], "--target", "diagnosis", "--space", tiny_space,
                     "--n-trials", "4", "--max-epochs", "1", "--gpus", "0,1", "--sampler",
                     "random", "--mixed-precision", "--root", store, "--study-name", "gpus",
                     "--no-report")
    assert result.code == 0, result.err
    study = load_study(store, "gpus")
    owners = [t.user_attrs["automl.worker"] for t in study.trials]
    assert {o["device"] for o in owners} == {"0", "1"}  # two slots, one GPU id each
    for device in ("0", "1"):
        assert len({o["pid"] for o in owners if o["device"] == device}) == 1
    model_dir = store / "studies" / "gpus" / "best_model"
    model = keras.saving.load_model(model_dir / "model.keras", safe_mode=True)
    policies = {layer.dtype_policy.name for layer in model.layers if layer.weights}
    assert "mixed_float16" in policies
    assert model.get_layer("output").dtype_policy.name == "float32"
    assert json.loads((model_dir / "metadata.json").read_text())["test_scores"]["accuracy"] > 0.5
