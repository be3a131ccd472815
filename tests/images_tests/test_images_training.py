"""Training on image folders: batches streamed from disk, validation decoded once or streamed in
chunks, and the two phases of ``fine_tune: two_phase`` on a local weights file."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from automl.config import TrainingConfig
from automl.data import load_image_folder
from automl.training import predict_part
from automl.training import train_model
from automl.training._inputs import ImageChunks
from automl.training._inputs import part_inputs
from automl.training._inputs import predict_inputs

CNN = {"n_blocks": 2, "filters": 16, "optimizer": "adam", "learning_rate": 0.01,
       "batch_size": 16}


@pytest.fixture
def digits3(small_folder):
    """24 digits of three classes as 16x16 grayscale images."""
    return load_image_folder(small_folder, image_size=16, channels=1, test_size=0.25)


def test_a_cnn_trains_on_streamed_batches_and_learns(tmp_path):
    from images_testkit import write_digits

    folder = write_digits(tmp_path / "digits", n_per_class=40, classes=(0, 1, 7))
    data = load_image_folder(folder, image_size=16, channels=1)
    config = TrainingConfig(metric="accuracy", max_epochs=12, patience=12)
    result = train_model(CNN, data, config, builder="cnn", seed=1)
    assert result.val_outputs.shape == (len(data.files("val")), 3)
    assert len(result.history) == result.n_epochs <= 12
    assert result.best_value >= 0.8  # three distinct digits; chance is 1/3
    test = predict_part(result.model, data, "test")
    assert test.shape == (len(data.files("test")), 3)
    assert (test.argmax(axis=1) == data.labels("test")).mean() >= 0.7


def test_large_parts_are_streamed_in_chunks_with_the_same_outputs(digits3):
    model = keras.Sequential([keras.Input((16, 16, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(3, activation="softmax")])
    cached = part_inputs(digits3, "val")
    streamed = part_inputs(digits3, "val", cache_mb=0)
    assert isinstance(cached, np.ndarray) and isinstance(streamed, ImageChunks)
    assert len(streamed) == len(cached)
    small_chunks = ImageChunks(digits3, "val", chunk=2)
    assert len(list(small_chunks)) == -(-len(cached) // 2)
    expected = predict_inputs(model, cached, digits3.spec)
    np.testing.assert_allclose(predict_inputs(model, small_chunks, digits3.spec), expected,
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(predict_part(model, digits3, "val"), expected, rtol=1e-5,
                               atol=1e-6)


class _BackboneWatch(keras.callbacks.Callback):
    """Records, after every epoch, whether the backbone's kernels still equal the file's."""

    def __init__(self, original: list[np.ndarray]) -> None:
        super().__init__()
        self.original, self.unchanged, self.trainable = original, [], []

    def on_epoch_end(self, epoch, logs=None):
        backbone = self.model.get_layer("backbone")
        current = [np.asarray(w) for w in backbone.weights]
        self.unchanged.append(all(np.array_equal(c, o)
                                  for c, o in zip(current, self.original, strict=True)))
        self.trainable.append(backbone.trainable)


def test_two_phase_fine_tuning_trains_the_head_then_the_whole_model(small_folder, tmp_path):
    backbone = keras.applications.MobileNetV3Small(include_top=False, weights=None,
                                                   input_shape=(32, 32, 3))
    weights = tmp_path / "mobilenet_v3_small_notop.weights.h5"
    backbone.save_weights(weights)
    original = [np.asarray(w) for w in backbone.weights]
    data = load_image_folder(small_folder, image_size=32, channels=3, test_size=0.25)
    params = {"backbone": "mobilenet_v3_small", "weights_path": str(weights),
              "fine_tune": "two_phase", "optimizer": "adam", "learning_rate": 0.01,
              "batch_size": 8}
    watch = _BackboneWatch(original)
    config = TrainingConfig(metric="accuracy", max_epochs=4, patience=10)
    result = train_model(params, data, config, builder="cnn", callbacks=[watch])
    assert len(result.history) == 4 and [h["epoch"] for h in result.history] == [0, 1, 2, 3]
    assert watch.trainable == [False, False, True, True]
    assert watch.unchanged == [True, True, False, False]  # frozen, then fine-tuned
    rate = float(keras.ops.convert_to_numpy(result.model.optimizer.learning_rate))
    assert rate == pytest.approx(0.001)  # the second phase's rate is ten times lower
