"""The mlp learns a real dataset, and survives a `.keras` round trip in safe mode."""

from __future__ import annotations

import math
import pathlib

import keras
import numpy as np
from models_testkit import make_spec
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

from automl.data import InputSpec
from automl.models import build_model
from automl.models import compile_model
from automl.models import encode_targets
from automl.models import predict_outputs
from automl.models._contract import make_random_data

BATCH_SIZE = 32
EPOCHS = 30


def test_default_mlp_learns_breast_cancer() -> None:
    x, y = load_breast_cancer(return_X_y=True)
    x_train, x_val, y_train, y_val = train_test_split(
        x, y, test_size=0.25, stratify=y, random_state=0
    )
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    x_train = ((x_train - mean) / std).astype("float32")
    x_val = ((x_val - mean) / std).astype("float32")
    spec = InputSpec(kind="tabular", input_shape=(x.shape[1],), task="binary", n_classes=2)
    model = build_model("mlp", {}, spec)
    steps = math.ceil(len(x_train) / BATCH_SIZE)
    compile_model(model, {}, spec, steps_per_epoch=steps, max_epochs=EPOCHS)

    model.fit(x_train, encode_targets(y_train, spec), batch_size=BATCH_SIZE, epochs=EPOCHS,
              verbose=0)

    accuracy = np.mean(predict_outputs(model, x_val, spec).argmax(axis=1) == y_val)
    assert accuracy > 0.9


FULL_OPTIONS = {
    "n_layers": 3, "units": 32, "layer_shape": "funnel", "activation": "gelu",
    "residual": True, "batch_norm": True, "dropout": 0.2, "regularization": "l1_l2",
    "l1": 1e-5, "l2": 1e-4, "initializer": "he_normal", "optimizer": "adamw",
    "lr_schedule": "cosine",
}


def test_keras_round_trip_in_safe_mode_predicts_identically(tmp_path: pathlib.Path) -> None:
    spec = make_spec("multiclass")
    params = FULL_OPTIONS
    x, y = make_random_data(spec, n_rows=32)
    model = compile_model(build_model("mlp", params, spec), params, spec,
                          steps_per_epoch=4, max_epochs=1)
    model.fit(x, encode_targets(y, spec), batch_size=8, epochs=1, verbose=0)
    path = tmp_path / "model.keras"

    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)

    np.testing.assert_array_equal(predict_outputs(reloaded, x, spec),
                                  predict_outputs(model, x, spec))
    layer_classes = {type(layer).__name__ for layer in reloaded.layers}
    assert "Lambda" not in layer_classes
    assert {"Add", "BatchNormalization", "Dropout"} <= layer_classes


def test_models_package_respects_the_import_rules() -> None:
    import automl.models

    package = pathlib.Path(automl.models.__file__).parent
    for source in package.glob("*.py"):
        text = source.read_text(encoding="utf-8")
        for forbidden in ("import optuna", "from optuna", "automl.space", "import tensorflow",
                          "from tensorflow", "import mlflow", "Lambda("):
            assert forbidden not in text, f"{source.name} contains {forbidden!r}"
