"""The image model bundle: save, load (safe mode), predict on files and folders, and
``automl predict``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from images_testkit import write_digits

from automl import models
from automl.bundle import ImageModelBundle
from automl.bundle import ModelBundle
from automl.bundle import bundle_input_kind
from automl.bundle import load_bundle
from automl.bundle import save_bundle
from automl.bundle import save_image_bundle
from automl.cli import main
from automl.data import InputSpec
from automl.data import list_image_files
from automl.data import load_csv
from automl.data import read_images
from automl.exceptions import DataError

CLASSES = ("digit_0", "digit_1", "digit_2")
SPEC = InputSpec(kind="image", input_shape=(16, 16, 1), task="multiclass", n_classes=3,
                 class_names=CLASSES)
PARAMS = {"n_blocks": 1, "filters": 8}
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """A small cnn trained 3 epochs on 3 digit classes, saved as an image bundle."""
    import keras

    keras.utils.set_random_seed(0)
    root = tmp_path_factory.mktemp("bundle")
    folder = write_digits(root / "digits", n_per_class=12, classes=(0, 1, 2))
    files = list_image_files(folder)
    x, errors = read_images(files, SPEC.input_shape[:2], SPEC.input_shape[2])
    assert not any(errors)
    labels = np.array([CLASSES.index(path.parent.name) for path in files])
    model = models.build_model("cnn", PARAMS, SPEC)
    models.compile_model(model, PARAMS, SPEC, steps_per_epoch=3, max_epochs=3)
    model.fit(x, models.encode_targets(labels, SPEC), batch_size=12, epochs=3, verbose=0)
    bundle = save_image_bundle(root / "model", model=model, spec=SPEC,
                               metadata={"params": PARAMS, "kind": "image"})
    return SimpleNamespace(folder=folder, files=files, x=x, model=model, bundle=bundle,
                           expected=models.predict_outputs(model, x, SPEC))


@pytest.fixture(scope="module")
def tabular_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untrained mlp on breast_cancer.csv saved as a tabular bundle."""
    dataset = load_csv(EXAMPLES / "breast_cancer.csv", target="diagnosis")
    model = models.build_model("mlp", {}, dataset.spec)
    return save_bundle(tmp_path_factory.mktemp("tabular") / "model", model=model,
                       preprocessor=dataset.preprocessor, target_encoder=dataset.target_encoder,
                       spec=dataset.spec, metadata={})


def run_predict(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str]:
    code = main(["predict", *(str(arg) for arg in args)])
    return code, capsys.readouterr().err


def test_the_folder_records_the_image_preprocessing_in_json_only(trained):
    names = sorted(path.name for path in trained.bundle.iterdir())
    assert names == ["metadata.json", "model.keras", "preprocessing.json"]
    assert not list(trained.bundle.parent.glob(".model.tmp-*"))
    stored = json.loads((trained.bundle / "preprocessing.json").read_text())
    assert stored["kind"] == "image" and InputSpec.from_dict(stored["spec"]) == SPEC
    assert stored["image"] == {"image_size": [16, 16], "channels": 1,
                               "class_names": list(CLASSES), "value_range": [0, 1],
                               "resize": "bilinear"}
    metadata = json.loads((trained.bundle / "metadata.json").read_text())
    assert metadata["kind"] == "model" and metadata["params"] == PARAMS  # never "ensemble"
    assert bundle_input_kind(trained.bundle) == "image"


def test_the_loaded_bundle_predicts_like_the_model_in_memory(trained):
    bundle = load_bundle(trained.bundle)
    assert isinstance(bundle, ImageModelBundle)
    assert (bundle.class_names, bundle.image_size, bundle.channels) == (CLASSES, (16, 16), 1)
    assert bundle.spec == SPEC and bundle.metadata["params"] == PARAMS
    table = bundle.predict_files(trained.files, batch_size=7)  # several chunks
    probabilities = table[[f"probability_{name}" for name in CLASSES]].to_numpy()
    np.testing.assert_allclose(probabilities, trained.expected, atol=1e-6)
    assert table.columns.tolist() == ["file", "prediction", *[f"probability_{c}" for c in
                                                              CLASSES], "error"]
    assert table["file"].tolist() == [str(path) for path in trained.files]
    assert (table["error"] == "").all()
    assert table["prediction"].tolist() == [CLASSES[i] for i in trained.expected.argmax(1)]
    pd.testing.assert_frame_equal(bundle.predict(trained.folder), table)
    pd.testing.assert_frame_equal(bundle.predict([str(p) for p in trained.files]), table)
    from_array = bundle.predict(trained.x)
    assert from_array.columns.tolist() == table.columns.tolist()[1:-1]
    np.testing.assert_allclose(from_array.iloc[:, 1:].to_numpy(), trained.expected, atol=1e-6)
    np.testing.assert_allclose(bundle.predict_outputs(trained.x[0]), trained.expected[:1],
                               atol=1e-6)


def test_a_reloaded_bundle_gives_identical_outputs(trained):
    first = load_bundle(trained.bundle).predict_outputs(trained.x)
    second = load_bundle(trained.bundle).predict_outputs(trained.x)
    np.testing.assert_array_equal(first, second)
    uint8 = np.round(trained.x * 255).astype(np.uint8)
    np.testing.assert_allclose(load_bundle(trained.bundle).predict_outputs(uint8), first,
                               atol=1e-5)


def test_arrays_that_do_not_fit_the_model_are_refused(trained):
    bundle = load_bundle(trained.bundle)
    with pytest.raises(DataError, match=r"must have shape \(n, 16, 16, 1\)\. "
                                        r"Received: \(2, 16, 16, 3\)"):
        bundle.predict(np.zeros((2, 16, 16, 3), dtype=np.float32))
    with pytest.raises(DataError, match=r"must lie in \[0, 1\].*from 0 to 255\."):
        bundle.predict_outputs(np.linspace(0, 255, 256).reshape(1, 16, 16, 1))


def test_automl_predict_on_a_folder_and_on_one_file(trained, tmp_path, capsys):
    output = tmp_path / "out" / "predictions.csv"
    code, err = run_predict(capsys, trained.bundle, trained.folder, "-o", output)
    assert code == 0
    assert err.strip() == f"Wrote {len(trained.files)} predictions to {output}"
    table = pd.read_csv(output, keep_default_na=False)
    assert len(table) == len(trained.files)
    assert table["file"].tolist() == [str(path) for path in trained.files]
    probabilities = table[[f"probability_{name}" for name in CLASSES]].to_numpy()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(probabilities, trained.expected, atol=1e-6)
    assert set(table["prediction"]) <= set(CLASSES) and (table["error"] == "").all()

    single = tmp_path / "one.csv"
    assert run_predict(capsys, trained.bundle, trained.files[3], "-o", single)[0] == 0
    row = pd.read_csv(single, keep_default_na=False)
    assert row["file"].tolist() == [str(trained.files[3])]
    assert row["prediction"].tolist() == [CLASSES[trained.expected[3].argmax()]]


def test_unreadable_files_get_an_error_entry_and_the_rest_predictions(trained, tmp_path,
                                                                      capsys):
    folder = tmp_path / "photos"
    shutil.copytree(trained.folder / "digit_1", folder / "nested")
    (folder / "empty.png").write_bytes(b"")
    (folder / "notes.png").write_text("not an image\n")
    (folder / "readme.txt").write_text("ignored: not named like an image\n")
    output = tmp_path / "predictions.csv"
    code, err = run_predict(capsys, trained.bundle, folder, "-o", output)
    assert code == 0
    n_files = len(list((folder / "nested").iterdir())) + 2
    assert err.strip() == f"Wrote {n_files} predictions to {output}; 2 files could not be read"
    table = pd.read_csv(output, keep_default_na=False).set_index("file")
    assert len(table) == n_files
    bad = table.loc[[str(folder / "empty.png"), str(folder / "notes.png")]]
    assert bad["error"].str.contains("empty file").tolist() == [True, False]
    assert bad["error"].str.contains("not an image").tolist() == [False, True]
    assert (bad["prediction"] == "").all()
    assert (bad[f"probability_{CLASSES[0]}"] == "").all()  # NaN written as an empty field
    good = table.drop(index=bad.index)
    assert (good["error"] == "").all() and set(good["prediction"]) <= set(CLASSES)


def test_inputs_of_the_wrong_kind_end_with_one_line_and_exit_code_2(trained, tabular_bundle,
                                                                    tmp_path, capsys):
    code, err = run_predict(capsys, trained.bundle, EXAMPLES / "breast_cancer.csv")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "breast_cancer.csv' is not an image (tables such as CSV files are for tabular " \
           "models). The image model" in err
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("x")
    code, err = run_predict(capsys, trained.bundle, tmp_path / "empty")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "has no image files" in err
    code, err = run_predict(capsys, trained.bundle, tmp_path / "nowhere")
    assert code == 2 and "does not exist" in err
    code, err = run_predict(capsys, tabular_bundle, trained.folder)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "it is a tabular model and takes a CSV file of raw rows. Received: a folder." in err
    code, err = run_predict(capsys, tabular_bundle, trained.files[0])
    assert code == 2 and "Received: an image file." in err
    assert not list(tmp_path.glob("*.csv"))


def test_tabular_bundles_still_load_and_predict_on_rows(tabular_bundle, tmp_path, capsys):
    assert bundle_input_kind(tabular_bundle) == "tabular"
    bundle = load_bundle(tabular_bundle)
    assert type(bundle) is ModelBundle
    frame = pd.read_csv(EXAMPLES / "breast_cancer.csv").head(5)
    assert bundle.predict(frame).columns.tolist() == [
        "prediction", *[f"probability_{c}" for c in bundle.spec.class_names]]
    output = tmp_path / "rows.csv"
    code, err = run_predict(capsys, tabular_bundle, EXAMPLES / "breast_cancer.csv", "-o", output)
    assert code == 0 and err.strip() == f"Wrote 569 predictions to {output}"
