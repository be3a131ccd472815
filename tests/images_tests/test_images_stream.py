"""Streaming batches from disk: tf.data and the PyDataset fallback, shapes, labels, order."""

from __future__ import annotations

import numpy as np
import pytest

from automl.data import load_image_folder
from automl.exceptions import ConfigError
from automl.models import encode_targets

PIPELINES = ["tf.data", "python"]


@pytest.fixture
def data(small_folder):
    """24 digits of 3 classes as non-square 16x24 RGB images."""
    return load_image_folder(small_folder, image_size=(16, 24), channels=3)


def one_epoch(batches) -> list:
    """Every batch of one pass, as NumPy arrays."""
    if hasattr(batches, "num_batches"):
        items = [batches[index] for index in range(len(batches))]
        batches.on_epoch_end()
    else:
        items = list(batches.as_numpy_iterator())
    return [tuple(np.asarray(a) for a in item) if isinstance(item, tuple) else np.asarray(item)
            for item in items]


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_batches_hold_the_decoded_images_and_their_labels_in_order(data, pipeline):
    batches = one_epoch(data.batches("train", 4, pipeline=pipeline))
    assert [len(x) for x, _ in batches] == [4, 4, 4, 3]
    x = np.concatenate([x for x, _ in batches])
    y = np.concatenate([y for _, y in batches])
    expected_x, expected_y = data.arrays("train")
    assert x.shape == (15, 16, 24, 3) and x.dtype == np.float32
    assert np.array_equal(x, expected_x) and np.array_equal(y, expected_y)
    assert y.dtype == np.int64


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_shuffling_is_seeded_and_changes_at_every_epoch(data, pipeline):
    def labels_of(epoch):
        return [tuple(np.round(x.mean(axis=(1, 2, 3)), 5)) for x, _ in epoch]

    batches = data.batches("train", 16, shuffle=True, seed=7, pipeline=pipeline)
    first, second = one_epoch(batches), one_epoch(batches)
    again = one_epoch(data.batches("train", 16, shuffle=True, seed=7, pipeline=pipeline))
    assert labels_of(first) == labels_of(again) != labels_of(second)
    order = np.concatenate([y for _, y in first])
    assert sorted(order.tolist()) == sorted(data.labels("train").tolist())
    assert not np.array_equal(order, data.labels("train"))


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_targets_array_sample_weights_and_images_only(data, pipeline):
    targets = encode_targets(data.labels("val"), data.spec)
    weights = np.arange(len(targets), dtype=np.float32)
    (x, y, w), = one_epoch(data.batches("val", 64, targets=targets, sample_weights=weights,
                                        pipeline=pipeline))
    assert y.shape == (len(targets), 3) and np.array_equal(y, targets)
    assert np.array_equal(w, weights) and x.shape[0] == len(targets)
    (images,) = [one_epoch(data.batches("val", 64, targets=None, pipeline=pipeline))[0]]
    assert images.shape == (len(targets), 16, 24, 3)


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_repeated_batches_run_past_one_epoch(data, pipeline):
    batches = data.batches("test", 4, shuffle=True, repeat=True, pipeline=pipeline)
    if pipeline == "python":
        assert batches.num_batches is None
        items = [batches[index] for index in range(5)]
    else:
        items = list(batches.take(5).as_numpy_iterator())
    assert [len(x) for x, _ in items] == [4, 2, 4, 2, 4]


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_model_fit_and_predict_take_the_batches(data, pipeline):
    import keras

    inputs = keras.Input(data.spec.input_shape)
    outputs = keras.layers.Dense(3, activation="softmax")(keras.layers.Flatten()(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    targets = encode_targets(data.labels("train"), data.spec)
    history = model.fit(data.batches("train", 8, shuffle=True, targets=targets,
                                     pipeline=pipeline), epochs=2, verbose=0, shuffle=False)
    assert len(history.history["loss"]) == 2
    predictions = model.predict(data.batches("test", 4, targets=None, pipeline=pipeline),
                                verbose=0)
    assert predictions.shape == (len(data.files("test")), 3)


@pytest.mark.parametrize(("arguments", "message"), [
    ({"part": "holdout"}, r"`part` must be one of \['train', 'val', 'test'\]\. "
                          r"Received: 'holdout'\."),
    ({"batch_size": 0}, r"`batch_size` must be an integer >= 1\. Received: 0\."),
    ({"targets": np.zeros(3)}, r"Arrays batched with the images need one row per image file "
                               r"\(15\)\. Received: 3 rows\."),
    ({"targets": "onehot"}, r"`targets` must be one of \['index', 'none'\], None or an array\."),
    ({"targets": None, "sample_weights": np.ones(15)}, r"`sample_weights` need targets"),
    ({"pipeline": "grain"}, r"`pipeline` must be one of \['auto', 'tf.data', 'python'\]\."),
])
def test_invalid_batch_arguments_are_config_errors(data, arguments, message):
    arguments = {"part": "train", "batch_size": 4, **arguments}
    with pytest.raises(ConfigError, match=message):
        data.batches(arguments.pop("part"), arguments.pop("batch_size"), **arguments)
