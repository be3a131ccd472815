"""Decoding one image: every format and colour mode to the same float32 shape, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from images_testkit import digit_image
from images_testkit import encoded
from images_testkit import odd_base
from images_testkit import odd_images
from PIL import Image

from automl.data import list_image_files
from automl.data import read_image
from automl.data import read_images
from automl.data._image_decode import decode_image_bytes
from automl.exceptions import ConfigError
from automl.exceptions import DataError


@pytest.mark.parametrize("name", sorted(odd_images()))
@pytest.mark.parametrize("channels", [1, 3])
def test_every_kind_of_image_becomes_the_same_shape(tmp_path, name, channels):
    path = tmp_path / name
    path.write_bytes(odd_images()[name])
    image = read_image(path, (16, 24), channels)
    assert image.shape == (16, 24, channels) and image.dtype == np.float32
    assert 0.0 <= image.min() and image.max() <= 1.0 and image.max() > 0.0


def test_grey_values_survive_every_encoding_alike(tmp_path):
    reference = read_image(_write(tmp_path, "a.png", encoded(odd_base(), "PNG")), 8, 1)
    for name in ("rgba.png", "grey16.png", "picture.bmp", "picture.webp", "png_named.jpg"):
        image = read_image(_write(tmp_path, name, odd_images()[name]), 8, 1)
        assert np.abs(image - reference).max() < 0.02, name


def test_transparency_is_premultiplied_onto_black():
    half = Image.new("RGBA", (8, 8), (255, 255, 255, 128))
    image = decode_image_bytes(encoded(half, "PNG"), 8, 3)
    assert np.allclose(image, 128 / 255, atol=0.01)


def test_a_gif_gives_its_first_frame(tmp_path):
    image = read_image(_write(tmp_path, "a.gif", odd_images()["animated.gif"]), 8, 1)
    assert image.max() < 1.0  # the second frame is all white


def test_sixteen_bit_images_use_their_full_range():
    ramp = Image.fromarray(np.full((8, 8), 65535, dtype=np.uint16))
    assert np.allclose(decode_image_bytes(encoded(ramp, "PNG"), 8, 3), 1.0)


def test_grayscale_to_rgb_repeats_the_channel(tmp_path):
    image = read_image(_write(tmp_path, "a.png", encoded(digit_image(3), "PNG")), 8, 3)
    assert np.array_equal(image[..., 0], image[..., 2])


@pytest.mark.parametrize(("content", "reason"), [
    (b"", r"empty file \(0 bytes\)"),
    (b"hello, I am text", r"not an image \(unknown format\)"),
    (encoded(digit_image(0), "PNG")[:60], r"truncated or corrupt \(.*\)"),
])
def test_an_unreadable_file_is_a_one_line_data_error(tmp_path, content, reason):
    path = _write(tmp_path, "bad.png", content)
    with pytest.raises(DataError, match=rf"^Image file '.*bad.png' cannot be read: {reason}\. "
                                        r"Expected a PNG, JPEG, BMP, GIF, TIFF or WebP image\.$"):
        read_image(path, 8)


def test_a_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match=r"^Image file '.*nope.png' not found\.$"):
        read_image(tmp_path / "nope.png", 8)


def test_read_images_gives_an_error_entry_per_unreadable_file(tmp_path):
    good = _write(tmp_path, "good.png", encoded(digit_image(0), "PNG"))
    bad = _write(tmp_path, "bad.png", b"text")
    images, errors = read_images([good, bad, good], 16, 1)
    assert images.shape == (2, 16, 16, 1)
    assert errors[0] is None and errors[2] is None
    assert errors[1].startswith("Image file '") and "not an image" in errors[1]


def test_read_images_in_threads_keeps_the_order_and_the_errors(tmp_path):
    files = [_write(tmp_path, f"{i}.png", encoded(digit_image(i), "PNG")) for i in range(12)]
    files[5] = _write(tmp_path, "bad.png", b"text")
    serial, serial_errors = read_images(files, 16, 1)
    threaded, threaded_errors = read_images(files, 16, 1, n_threads=4)
    np.testing.assert_array_equal(threaded, serial)
    assert threaded_errors == serial_errors and serial_errors[5] is not None
    assert sum(error is None for error in threaded_errors) == len(threaded) == 11


@pytest.mark.parametrize(("size", "channels", "message"), [
    (4, 3, r"`image_size` must be an integer >= 8 or a pair \(height, width\) of such "
           r"integers\. Received: 4\."),
    ((32, 32, 3), 3, r"`image_size` must be .* Received: \(32, 32, 3\)\."),
    (32, 2, r"`channels` must be one of \[1, 3\]\. Received: 2\."),
])
def test_invalid_options_are_config_errors(tmp_path, size, channels, message):
    path = _write(tmp_path, "a.png", encoded(digit_image(0), "PNG"))
    with pytest.raises(ConfigError, match=message):
        read_image(path, size, channels)


def test_list_image_files_walks_a_folder_and_keeps_a_single_file(tmp_path):
    for name in ("b.png", "sub/a.jpg", ".hidden.png", "notes.txt"):
        _write(tmp_path, name, b"x")
    assert list_image_files(tmp_path) == [tmp_path / "b.png", tmp_path / "sub" / "a.jpg"]
    assert list_image_files(tmp_path / "notes.txt") == [tmp_path / "notes.txt"]
    with pytest.raises(FileNotFoundError):
        list_image_files(tmp_path / "nope")


def _write(folder, name, content):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path
