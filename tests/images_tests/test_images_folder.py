"""load_image_folder: the scan, the layouts, the split, the summary and the errors."""

from __future__ import annotations

import json
import logging
import os
import re

import numpy as np
import pytest
from images_testkit import digit_image
from images_testkit import encoded
from images_testkit import odd_images
from images_testkit import write_digits

from automl.data import Dataset
from automl.data import ImageDataset
from automl.data import choose_image_size
from automl.data import load_csv
from automl.data import load_image_folder
from automl.data import load_saved_dataset
from automl.exceptions import ConfigError
from automl.exceptions import DataError

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")


def test_a_folder_of_class_folders_is_split_with_every_class_in_every_part(small_folder):
    data = load_image_folder(small_folder, val_size=0.25, test_size=0.25)
    assert data.class_names == ("digit_0", "digit_1", "digit_2")
    assert (data.spec.kind, data.spec.task, data.spec.n_classes) == ("image", "multiclass", 3)
    # 8x8 images: the smallest automatic size; grayscale files: one channel
    assert data.spec.input_shape == (32, 32, 1)
    assert data.summary["channels_chosen"] is True
    sizes = {part: len(data.files(part)) for part in ("train", "val", "test")}
    assert sizes == {"train": 12, "val": 6, "test": 6}
    for part in ("train", "val", "test"):
        assert sorted(set(data.labels(part).tolist())) == [0, 1, 2]
        for path, label in zip(data.files(part), data.labels(part), strict=True):
            assert f"digit_{label}" in path
    all_files = data.files("train") + data.files("val") + data.files("test")
    assert len(set(all_files)) == 24


def test_two_classes_make_a_binary_task_and_the_split_follows_the_seed(small_folder):
    (small_folder / "digit_2").rename(small_folder / "zzz")
    for path in (small_folder / "zzz").iterdir():
        path.unlink()
    (small_folder / "zzz").rmdir()
    first, again = load_image_folder(small_folder), load_image_folder(small_folder)
    other = load_image_folder(small_folder, seed=1)
    assert (first.spec.task, first.spec.n_outputs) == ("binary", 1)
    assert first.files("test") == again.files("test") != other.files("test")
    assert first.fingerprint() == again.fingerprint() != other.fingerprint()


def test_the_summary_is_json_ready_and_complete(small_folder):
    data = load_image_folder(small_folder, image_size=(16, 24), channels=1, seed=3)
    summary = json.loads(json.dumps(data.summary))
    assert summary["class_mapping"] == {"digit_0": 0, "digit_1": 1, "digit_2": 2}
    assert summary["n_files"] == {"digit_0": 8, "digit_1": 8, "digit_2": 8}
    assert (summary["image_size"], summary["channels"]) == ([16, 24], 1)
    assert summary["layout"] == "class_folders" and summary["seed"] == 3
    assert summary["split_sizes"] == {"train": 15, "val": 3, "test": 6}
    assert summary["n_skipped"] == 0 and summary["skipped"] == []
    assert len(summary["data_sha256"]) == len(summary["split_sha256"]) == 64
    assert data.spec.input_shape == (16, 24, 1)


def test_unusable_files_are_skipped_with_a_warning_and_listed(small_folder, caplog):
    (small_folder / "digit_0" / "empty.png").write_bytes(b"")
    (small_folder / "digit_1" / "notes.png").write_text("not an image")
    (small_folder / "digit_2" / "cut.png").write_bytes(encoded(digit_image(5), "PNG")[:70])
    with caplog.at_level(logging.WARNING, logger="automl.data"):
        data = load_image_folder(small_folder)
    assert data.summary["n_files"] == {"digit_0": 8, "digit_1": 8, "digit_2": 8}
    assert data.summary["skipped"] == [
        {"path": "digit_0/empty.png", "reason": "empty file (0 bytes)"},
        {"path": "digit_1/notes.png", "reason": "not an image (unknown format)"},
        {"path": "digit_2/cut.png", "reason": data.summary["skipped"][2]["reason"]},
    ]
    assert data.summary["skipped"][2]["reason"].startswith("truncated or corrupt (")
    assert re.search(r"Skipping 3 unusable file\(s\) in '.*digits': 'digit_0/empty.png' "
                     r"\(empty file \(0 bytes\)\), 'digit_1/notes.png' \(not an image",
                     caplog.text)


def test_strict_mode_makes_unusable_files_an_error(small_folder):
    (small_folder / "digit_0" / "empty.png").write_bytes(b"")
    (small_folder / "digit_1" / "notes.png").write_text("not an image")
    with pytest.raises(DataError, match=(
            r"^Image folder '.*digits' has 2 unusable file\(s\) \(strict mode\): "
            r"'digit_0/empty.png' \(empty file \(0 bytes\)\), 'digit_1/notes.png' \(not an "
            r"image \(unknown format\)\)\. Remove or fix them, or leave out --strict to skip "
            r"them\.$")):
        load_image_folder(small_folder, strict=True)


def test_every_colour_mode_and_format_is_usable(small_folder):
    for name, content in odd_images().items():
        (small_folder / "digit_1" / name).write_bytes(content)
    data = load_image_folder(small_folder, strict=True, channels=1)
    assert data.summary["n_files"]["digit_1"] == 8 + len(odd_images())
    x, _ = data.arrays("train")
    assert x.shape[1:] == (32, 32, 1) and x.dtype == np.float32


def test_hidden_and_non_image_files_are_ignored_and_counted(small_folder):
    (small_folder / "digit_0" / ".hidden.png").write_bytes(b"")
    (small_folder / "digit_0" / "notes.txt").write_text("hello")
    (small_folder / "README.md").write_text("about the data")
    (small_folder / ".git").mkdir()
    (small_folder / ".git" / "x.png").write_bytes(b"")
    data = load_image_folder(small_folder, strict=True)
    assert data.summary["ignored"] == {"hidden": 2, "not_image": 1, "outside_class_folders": 1}
    assert data.class_names == ("digit_0", "digit_1", "digit_2")


def test_symbolic_links_outside_the_folder_are_not_followed(small_folder, tmp_path):
    outside = write_digits(tmp_path / "outside", n_per_class=3, classes=(7,))
    os.symlink(outside / "digit_7", small_folder / "digit_0" / "linked_folder")
    os.symlink(next((outside / "digit_7").iterdir()), small_folder / "digit_0" / "linked.png")
    os.symlink(small_folder / "digit_1", small_folder / "digit_2" / "inside_link")
    os.symlink(small_folder, small_folder / "digit_2" / "loop")
    data = load_image_folder(small_folder)
    reason = "symbolic link to outside the folder (not followed)"
    assert data.summary["skipped"] == [{"path": "digit_0/linked.png", "reason": reason},
                                       {"path": "digit_0/linked_folder", "reason": reason}]
    assert data.summary["n_files"] == {"digit_0": 8, "digit_1": 8, "digit_2": 8}
    assert not any("digit_7" in path for path in data.files("train") + data.files("val"))


def test_a_symbolic_link_loop_ends(small_folder):
    os.symlink(small_folder / "digit_0", small_folder / "digit_0" / "self")
    os.symlink("missing-target", small_folder / "digit_1" / "broken.png")
    data = load_image_folder(small_folder)
    assert data.summary["n_files"]["digit_0"] == 8
    assert data.summary["skipped"] == [{"path": "digit_1/broken.png",
                                        "reason": "broken symbolic link"}]


def test_a_one_class_folder_is_an_error(tmp_path):
    folder = write_digits(tmp_path / "one", n_per_class=5, classes=(4,))
    with pytest.raises(DataError, match=r"^Image folder '.*one' has 1 class folder\(s\) "
                                        r"\['digit_4'\]; at least 2 are needed\. Expected one "
                                        r"subfolder of images per class\.$"):
        load_image_folder(folder)


def test_an_empty_class_is_an_error_even_when_its_files_are_only_unusable(small_folder):
    (small_folder / "digit_9").mkdir()
    (small_folder / "digit_9" / "empty.png").write_bytes(b"")
    with pytest.raises(DataError, match=r"^Class folder\(s\) \['digit_9'\] in '.*digits' hold "
                                        r"no usable images\. Expected at least 3 images per "
                                        r"class; add images or remove the folder\.$"):
        load_image_folder(small_folder)


def test_a_class_too_small_to_split_is_an_error(small_folder):
    for path in sorted((small_folder / "digit_2").iterdir())[2:]:
        path.unlink()
    with pytest.raises(DataError, match=r"^Class 'digit_2' has 2 usable image\(s\) in "
                                        r"'.*digits'; at least 3 per class are needed for a "
                                        r"stratified split into train, validation and test "
                                        r"parts\.$"):
        load_image_folder(small_folder)


def test_a_train_and_test_pair_gives_the_held_out_test_part(tmp_path):
    write_digits(tmp_path / "pair" / "train", n_per_class=6, classes=(0, 1))
    test = write_digits(tmp_path / "pair" / "test", n_per_class=2, classes=(0, 1))
    data = load_image_folder(tmp_path / "pair")
    assert data.summary["layout"] == "train_test_folders"
    assert sorted(data.files("test")) == sorted(str(p) for p in test.rglob("*.png"))
    assert {part: len(data.files(part)) for part in ("train", "val", "test")} == {
        "train": 10, "val": 2, "test": 4}


def test_test_data_supplies_the_test_part_and_must_share_the_classes(small_folder, tmp_path):
    test = write_digits(tmp_path / "test", n_per_class=2, classes=(0, 2))
    data = load_image_folder(small_folder, test_data=test)
    assert data.summary["layout"] == "test_data" and data.summary["test_data_sha256"]
    assert sorted(data.labels("test").tolist()) == [0, 0, 2, 2]
    write_digits(test, n_per_class=1, classes=(8,))
    with pytest.raises(DataError, match=r"^Test folder '.*test' has class folders \['digit_8'\] "
                                        r"that the training folder '.*digits' lacks\."):
        load_image_folder(small_folder, test_data=test)


@pytest.mark.parametrize(("options", "error", "message"), [
    ({"val_size": 1.5}, ConfigError, r"`val_size` must be a number between 0 and 1"),
    ({"max_image_size": 16}, ConfigError, r"`max_image_size` must be an integer >= 32\. "
                                          r"Received: 16\."),
    ({"channels": 4}, ConfigError, r"`channels` must be one of \[1, 3\]\. Received: 4\."),
    ({"test_data": "/nonexistent/folder"}, DataError, r"^Test image folder '/nonexistent/"
                                                      r"folder' not found\.$"),
])
def test_invalid_options(small_folder, options, error, message):
    with pytest.raises(error, match=message):
        load_image_folder(small_folder, **options)


def test_a_missing_folder_or_a_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match=r"^Image folder '.*nope' not found\.$"):
        load_image_folder(tmp_path / "nope")
    (tmp_path / "a.csv").write_text("a,b\n")
    with pytest.raises(DataError, match=r"^Image folder '.*a.csv' is not a folder\."):
        load_image_folder(tmp_path / "a.csv")


def test_the_automatic_image_size():
    assert choose_image_size([(8, 8)] * 5) == (32, 32)
    assert choose_image_size([(100, 150), (101, 149), (500, 700)]) == (104, 152)
    assert choose_image_size([(480, 640)] * 3, 128) == (128, 128)
    many = [(64, 64)] * 300 + [(1000, 1000)] * 10
    assert choose_image_size(many) == (64, 64)


def test_save_and_load_round_trip_in_json_only(small_folder, tmp_path):
    data = load_image_folder(small_folder, image_size=16)
    data.save(tmp_path / "saved")
    assert [p.name for p in (tmp_path / "saved").iterdir()] == ["image_dataset.json"]
    loaded = ImageDataset.load(tmp_path / "saved")
    assert loaded.spec == data.spec and loaded.summary == data.summary
    for part in ("train", "val", "test"):
        assert loaded.files(part) == data.files(part)
        assert np.array_equal(loaded.labels(part), data.labels(part))
    assert loaded.fingerprint() == data.fingerprint()
    assert isinstance(load_saved_dataset(tmp_path / "saved"), ImageDataset)


def test_without_test_keeps_the_identity_and_load_saved_dataset_reads_tabular_too(small_folder,
                                                                                tmp_path):
    data = load_image_folder(small_folder)
    search = data.without_test()
    assert search.files("test") == () and search.labels("test").shape == (0,)
    assert search.fingerprint() == data.fingerprint()
    load_csv(os.path.join(EXAMPLES, "wine.csv"), target="cultivar").save(tmp_path / "tabular")
    assert isinstance(load_saved_dataset(tmp_path / "tabular"), Dataset)
    with pytest.raises(DataError, match=r"is missing"):
        load_saved_dataset(tmp_path / "nothing")


def test_channels_auto_picks_one_for_grayscale_and_three_once_a_colour_image_is_there(
        small_folder):
    from PIL import Image

    grey = load_image_folder(small_folder)
    assert grey.channels == 1 and grey.summary["channels_chosen"]
    assert load_image_folder(small_folder, channels=3).channels == 3
    Image.new("RGB", (8, 8), (200, 10, 10)).save(small_folder / "digit_1" / "red.png")
    colour = load_image_folder(small_folder)
    assert colour.channels == 3 and colour.summary["channels_chosen"]
    assert not load_image_folder(small_folder, channels=1).summary["channels_chosen"]

