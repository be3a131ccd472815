"""``automl search FOLDER`` end to end: scikit-learn's digits written as PNG files into class
folders (with unusable, hidden and odd-mode files among them), searched, tracked in MLflow,
resumed, and predicted on with ``automl predict``."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from images_testkit import digit_image
from images_testkit import write_digits

SPACE = """\
builder: cnn
params:
  n_blocks: {type: int, low: 1, high: 2}
  filters: {type: categorical, choices: [16, 24]}
  learning_rate: {type: float, low: 3.0e-3, high: 1.0e-2, log: true}
  optimizer: {type: fixed, value: adam}
  batch_size: {type: fixed, value: 32}
"""
CLASSES = [f"digit_{k}" for k in range(10)]


def _automl(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "automl", *args]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600,
                          env=env, stdin=subprocess.DEVNULL)


def _digit_folder(root: Path) -> Path:
    """30 digits per class, plus each awkward entry the loader must handle."""
    folder = write_digits(root / "digits", n_per_class=30)
    (folder / "digit_0" / "zero_bytes.png").write_bytes(b"")
    (folder / "digit_1" / "notes.png").write_text("not an image", encoding="utf-8")
    digit_image(1700).convert("RGBA").save(folder / "digit_2" / "rgba.png")
    digit_image(1701).convert("P").save(folder / "digit_3" / "palette.png")
    digit_image(1702).save(folder / "digit_4" / ".hidden.png")
    (folder / "digit_5" / "readme.txt").write_text("ignored", encoding="utf-8")
    return folder


def _mlflow_client(store: Path):
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=f"sqlite:///{store / 'mlflow.db'}")


@pytest.mark.slow
def test_image_folder_search_end_to_end(tmp_path):
    folder = _digit_folder(tmp_path)
    (tmp_path / "space.yaml").write_text(SPACE, encoding="utf-8")
    common = ["--space", "space.yaml", "--image-size", "16", "--channels", "1",
              "--max-epochs", "15", "--patience", "5", "--study-name", "digits",
              "--root", "store", "--no-report"]
    done = _automl("search", "digits", "--n-trials", "2", *common, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    store = tmp_path / "store"
    study = store / "studies" / "digits"

    # The scan: two unusable files skipped with a warning; hidden and non-image files ignored.
    assert "Skipping 2 unusable file(s)" in done.stderr
    assert "Data: image folder 'digits', 10 classes, 302 images" in done.stderr
    assert "at 16x16x1; 2 unusable file(s) skipped." in done.stderr
    summary = json.loads((study / "dataset" / "image_dataset.json").read_text())["summary"]
    assert {entry["path"] for entry in summary["skipped"]} == {
        "digit_0/zero_bytes.png", "digit_1/notes.png"}
    assert summary["ignored"]["hidden"] >= 1 and summary["ignored"]["not_image"] >= 1
    parts = json.loads((study / "dataset" / "image_dataset.json").read_text())["parts"]
    used = {Path(path).name for part in parts.values() for path in part["files"]}
    assert {"rgba.png", "palette.png"} <= used and ".hidden.png" not in used
    search_parts = json.loads((study / "dataset_search" / "image_dataset.json").read_text())
    assert search_parts["parts"]["test"]["files"] == []  # workers never see the test part

    # The best model: well above chance (10 classes) on the held-out test images.
    bundle = store / "studies" / "digits" / "best_model"
    metadata = json.loads((bundle / "metadata.json").read_text())
    assert metadata["test_scores"]["accuracy"] > 0.6, metadata["test_scores"]
    preprocessing = json.loads((bundle / "preprocessing.json").read_text())
    assert preprocessing["image"]["class_names"] == CLASSES
    assert preprocessing["image"]["image_size"] == [16, 16]
    assert "Held-out test scores" in done.stdout

    # MLflow: the class mapping, and the best model's confusion matrix and misclassified grid.
    client = _mlflow_client(store)
    experiment = client.get_experiment_by_name("digits")
    runs = client.search_runs([experiment.experiment_id])
    parent = next(r for r in runs if r.data.tags.get("automl.role") == "search")
    assert parent.data.params["class_names"].startswith("['digit_0'")
    listed = {a.path for a in client.list_artifacts(parent.info.run_id, "best_model_images")}
    assert "best_model_images/confusion_matrix.png" in listed
    mapping = json.loads(Path(client.download_artifacts(
        parent.info.run_id, "data_summary.json", str(tmp_path))).read_text())["class_mapping"]
    assert mapping == {name: index for index, name in enumerate(CLASSES)}
    best_run = parent.data.tags["automl.best_run_id"]
    assert {a.path for a in client.list_artifacts(best_run, "best_model_images")}

    # automl predict on the folder: one row per image file, unreadable ones as error entries.
    done_predict = _automl("predict", str(bundle), "digits", "-o", "predictions.csv",
                           cwd=tmp_path)
    assert done_predict.returncode == 0, done_predict.stderr
    table = pd.read_csv(tmp_path / "predictions.csv", keep_default_na=False)
    assert len(table) == 30 * 10 + 4  # 300 digits, rgba, palette and the two unusable files
    errors = table[table["error"] != ""]
    assert sorted(Path(f).name for f in errors["file"]) == ["notes.png", "zero_bytes.png"]
    readable = table[table["error"] == ""]
    truth = readable["file"].map(lambda f: Path(f).parent.name)
    assert (readable["prediction"] == truth).mean() > 0.6
    probabilities = readable[[f"probability_{name}" for name in CLASSES]].astype(float)
    assert ((probabilities.sum(axis=1) - 1).abs() < 1e-4).all()

    # ...and on single files.
    one = folder / "digit_7" / sorted(os.listdir(folder / "digit_7"))[0]
    done_one = _automl("predict", str(bundle), str(one), cwd=tmp_path)
    assert done_one.returncode == 0, done_one.stderr
    single = pd.read_csv(io.StringIO(done_one.stdout), keep_default_na=False)
    assert len(single) == 1 and single["prediction"][0] in CLASSES

    # Resume: the same command with a larger budget runs only the missing trial.
    done = _automl("search", "digits", "--n-trials", "3", *common, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "resuming with 2 trials done" in done.stderr
    import optuna

    resumed = optuna.load_study(study_name="digits", storage=optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(str(study / "journal.log"))))
    assert [t.state.name for t in resumed.trials] == ["COMPLETE"] * 3
