"""Image artifacts of an image classifier: the confusion matrix and the grid of misclassified
test images, drawn from real PNG files of scikit-learn's digits (no mocks)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from reports_testkit import assert_png

from automl.reports import image_model_artifacts, misclassified_indices
from automl.reports._figures import plot_context, pyplot
from automl.reports._image_plots import misclassified_grid

CLASS_NAMES = ["zero", "one", "a class name far too long to fit in a tile"]


def _images_testkit():
    """``tests/images_tests/images_testkit.py``, which is not on this folder's path."""
    if "images_testkit" not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "images_tests" / "images_testkit.py"
        spec = importlib.util.spec_from_file_location("images_testkit", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules["images_testkit"] = module
    return sys.modules["images_testkit"]


@pytest.fixture
def digits(tmp_path):
    """Six PNG digits of each of the classes 0, 1 and 2: ``(files, y_true)``."""
    root = _images_testkit().write_digits(tmp_path / "digits", n_per_class=6, classes=(0, 1, 2))
    files = sorted(root.glob("digit_*/*.png"))
    return files, np.array([int(path.parent.name.removeprefix("digit_")) for path in files])


def outputs_with_mistakes(y_true, wrong, confidences):
    """Confident right answers, except rows ``wrong`` predicted as the next class with the
    given probabilities."""
    outputs = np.full((len(y_true), 3), 0.05)
    outputs[np.arange(len(y_true)), y_true] = 0.9
    for row, confidence in zip(wrong, confidences):
        outputs[row] = (1.0 - confidence) / 2
        outputs[row, (y_true[row] + 1) % 3] = confidence
    return outputs


def artifacts(folder, files, y_true, outputs, **options):
    return image_model_artifacts(folder, files=files, y_true=y_true, outputs=outputs,
                                 class_names=CLASS_NAMES, image_size=(16, 16), channels=1,
                                 **options)


def png_size(path):
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.format == "PNG"
        return image.size


def tile_titles(figure):
    titles = [axis.get_title() for axis in figure.axes]
    pyplot().close(figure)
    return titles


def test_misclassified_indices_put_the_most_confident_mistakes_first():
    y_true = [0, 1, 2, 0, 1, 2]
    outputs = [[0.9, 0.05, 0.05],   # right
               [0.6, 0.3, 0.1],     # wrong, p=0.6
               [0.1, 0.8, 0.1],     # wrong, p=0.8
               [0.2, 0.2, 0.6],     # wrong, p=0.6 (ties keep the rows' order)
               [0.1, 0.7, 0.2],     # right
               [0.95, 0.0, 0.05]]   # wrong, p=0.95
    assert misclassified_indices(y_true, outputs, max_images=36).tolist() == [5, 2, 1, 3]
    assert misclassified_indices(y_true, outputs, max_images=2).tolist() == [5, 2]
    assert misclassified_indices(y_true, outputs, max_images=0).tolist() == []
    assert misclassified_indices([0, 1], [[0.7, 0.3], [0.2, 0.8]]).tolist() == []


def test_both_pngs_are_written_and_the_grid_holds_one_tile_per_mistake(digits, tmp_path):
    files, y_true = digits
    wrong = [1, 7, 13, 4]
    outputs = outputs_with_mistakes(y_true, wrong, [0.55, 0.93, 0.7, 0.8])
    written = artifacts(tmp_path / "new" / "folder", files, y_true, outputs)
    assert written == {"confusion_matrix": tmp_path / "new/folder/confusion_matrix.png",
                       "misclassified": tmp_path / "new/folder/misclassified.png"}
    for path in written.values():
        assert_png(path)
        width, height = png_size(path)
        assert 300 < width < 2500 and 200 < height < 2500
    assert sorted(p.name for p in written["confusion_matrix"].parent.iterdir()) == [
        "confusion_matrix.png", "misclassified.png"]  # no temporary file left behind
    assert misclassified_indices(y_true, outputs).tolist() == [7, 4, 13, 1]
    with plot_context():
        titles = tile_titles(misclassified_grid(files, y_true, outputs, CLASS_NAMES, 16, 1))
    assert len(titles) == 4
    assert titles[0] == "true: one / pred: a class n\u2026 (p=0.93)"


def test_the_grid_stops_at_max_images_and_grows_within_bounds(digits, tmp_path):
    files, y_true = digits
    outputs = outputs_with_mistakes(y_true, range(len(y_true)), np.linspace(0.5, 0.9, 18))
    sizes = {}
    for count in (2, 9, 18):
        written = artifacts(tmp_path / str(count), files, y_true, outputs, max_images=count)
        sizes[count] = png_size(written["misclassified"])
        with plot_context():
            figure = misclassified_grid(files, y_true, outputs, CLASS_NAMES, (16, 16), 1,
                                        max_images=count)
            assert len(tile_titles(figure)) == count
    assert sizes[2][0] < sizes[9][0] < sizes[18][0] <= 2000
    assert sizes[2][1] < sizes[9][1] < sizes[18][1] <= 2000
    with plot_context():
        assert len(tile_titles(misclassified_grid(files, y_true, outputs, CLASS_NAMES, 16, 1))) \
            == 18  # all 18 mistakes are below the default of 36


def test_no_mistake_gives_no_misclassified_grid(digits, tmp_path):
    files, y_true = digits
    stale = tmp_path / "misclassified.png"
    stale.write_bytes(b"from an earlier run")
    written = artifacts(tmp_path, files, y_true, outputs_with_mistakes(y_true, [], []))
    assert list(written) == ["confusion_matrix"]
    assert_png(written["confusion_matrix"])
    assert not stale.exists()


def test_unreadable_files_become_blank_tiles_named_by_the_reason(digits, tmp_path):
    files, y_true = digits
    outputs = outputs_with_mistakes(y_true, [2, 9, 15], [0.9, 0.8, 0.7])
    files[2].unlink()
    files[9].write_bytes(b"not an image any more")
    written = artifacts(tmp_path / "out", files, y_true, outputs)
    assert_png(written["misclassified"])
    with plot_context():
        titles = tile_titles(misclassified_grid(files, y_true, outputs, CLASS_NAMES, 16, 1))
    assert [title.split("\n")[1:] for title in titles] == [
        ["unreadable: FileNotFoundError"], ["unreadable: UnidentifiedImageError"], []]


def test_binary_outputs_and_rgb_images(digits, tmp_path):
    files, y_true = digits
    keep = y_true < 2
    files, y_true = [f for f, k in zip(files, keep) if k], y_true[keep]
    positive = np.where(y_true == 1, 0.8, 0.1)
    positive[0] = 0.97  # a zero called one
    written = image_model_artifacts(tmp_path, files=files, y_true=y_true,
                                    outputs=np.stack([1 - positive, positive], axis=1),
                                    class_names=["zero", "one"], image_size=(24, 32), channels=3)
    assert set(written) == {"confusion_matrix", "misclassified"}
    for path in written.values():
        assert_png(path, min_bytes=2_000)


def test_inputs_that_disagree_are_refused_before_anything_is_written(digits, tmp_path):
    files, y_true = digits
    outputs = outputs_with_mistakes(y_true, [0], [0.9])
    with pytest.raises(ValueError, match="disagree"):
        artifacts(tmp_path / "a", files[:-1], y_true, outputs)
    with pytest.raises(ValueError, match="disagree"):
        artifacts(tmp_path / "b", files, y_true, outputs[:, :2])
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
