"""Images per second delivered by the image input pipeline against those a training step eats.

Writes a folder of synthetic JPEG photos (smooth random colour fields, two classes) or uses
``--folder``, loads it with ``load_image_folder``, then measures, each after a warm-up:

* pipeline: images/s that ``ImageDataset.batches("train", shuffle=True)`` delivers (read,
  decode, resize, batch), with nothing else running;
* training: images/s that ``train_on_batch`` of a small CNN (``cnn`` builder, 3 blocks of 32,
  64, 128 filters) consumes from one batch already in memory;
* end to end: images/s of ``model.fit`` fed by the pipeline (both share the CPU cores).

The pipeline is not the bottleneck when pipeline / training > 1.

Usage: python benchmarks/image_pipeline.py [--n-images 2000] [--source-size 96]
       [--image-size 64] [--batch-size 64] [--steps 30] [--pipeline auto] [--folder DIR]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from automl.data import ImageDataset  # noqa: E402
from automl.data import load_image_folder  # noqa: E402
from automl.data import read_image  # noqa: E402
from automl.models import build_model  # noqa: E402
from automl.models import compile_model  # noqa: E402
from automl.models import encode_targets  # noqa: E402

SMALL_CNN = {"n_blocks": 3, "filters": 32, "filter_growth": 2.0, "batch_norm": True}
WARMUP_STEPS = 3


def write_photos(folder: Path, n_images: int, size: int, seed: int = 0) -> Path:
    """Writes ``n_images`` smooth random-colour JPEGs of ``size`` px into two class folders."""
    rng = np.random.default_rng(seed)
    for index in range(n_images):
        target = folder / f"class_{index % 2}"
        target.mkdir(parents=True, exist_ok=True)
        coarse = rng.integers(0, 256, size=(6, 6, 3), dtype=np.uint8)
        image = Image.fromarray(coarse).resize((size, size), Image.Resampling.BICUBIC)
        image.save(target / f"{index:06d}.jpg", quality=90)
    return folder


def pipeline_rate(data: ImageDataset, args: argparse.Namespace) -> float:
    """Images per second the pipeline delivers on its own."""
    batches = data.batches("train", args.batch_size, shuffle=True, repeat=True,
                           pipeline=args.pipeline)
    for _ in _fetch(batches, WARMUP_STEPS):
        pass
    started, n_images = time.perf_counter(), 0
    for images, _ in _fetch(batches, args.steps):
        n_images += len(images)
    return n_images / (time.perf_counter() - started)


def _fetch(batches: Any, n_batches: int) -> Iterator[Any]:
    """The next batches: from a tf.data pipeline, or a PyDataset read by its worker threads
    (as Keras's enqueuer does)."""
    if hasattr(batches, "take"):
        yield from batches.take(n_batches).as_numpy_iterator()
        return
    with concurrent.futures.ThreadPoolExecutor(max_workers=batches.workers) as pool:
        yield from pool.map(batches.__getitem__, range(n_batches))


def small_model(data: ImageDataset):
    """The small CNN the training rates are measured with, compiled."""
    model = build_model("cnn", SMALL_CNN, data.spec)
    return compile_model(model, {"optimizer": "adam"}, data.spec, steps_per_epoch=100,
                         max_epochs=1)


def training_rate(data: ImageDataset, args: argparse.Namespace) -> float:
    """Images per second one training step consumes, from a batch already in memory."""
    model = small_model(data)
    files = data.files("train")[:args.batch_size]
    x = np.stack([read_image(path, data.image_size, data.channels) for path in files])
    y = encode_targets(data.y_train[:args.batch_size], data.spec)
    for _ in range(WARMUP_STEPS):
        model.train_on_batch(x, y)
    started = time.perf_counter()
    for _ in range(args.steps):
        model.train_on_batch(x, y)
    return args.steps * len(x) / (time.perf_counter() - started)


def end_to_end_rate(data: ImageDataset, args: argparse.Namespace) -> float:
    """Images per second of ``model.fit`` fed by the pipeline."""
    model = small_model(data)
    targets = encode_targets(data.y_train, data.spec)
    batches = data.batches("train", args.batch_size, shuffle=True, repeat=True,
                           targets=targets, pipeline=args.pipeline)
    model.fit(batches, steps_per_epoch=WARMUP_STEPS, epochs=1, verbose=0)
    started = time.perf_counter()
    model.fit(batches, steps_per_epoch=args.steps, epochs=1, verbose=0)
    return args.steps * args.batch_size / (time.perf_counter() - started)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-images", type=int, default=2000)
    parser.add_argument("--source-size", type=int, default=96, help="side of the JPEGs written")
    parser.add_argument("--image-size", type=int, default=64, help="side the model sees")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=30, help="batches timed per measure")
    parser.add_argument("--pipeline", default="auto", choices=["auto", "tf.data", "python"])
    parser.add_argument("--folder", type=Path, help="an image folder to use instead")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    folder = args.folder or write_photos(Path(tempfile.mkdtemp(prefix="automl-images-")),
                                         args.n_images, args.source_size)
    data = load_image_folder(folder, image_size=args.image_size, test_size=0.1, val_size=0.1)
    shape = "x".join(str(side) for side in data.spec.input_shape)
    delivered = pipeline_rate(data, args)
    consumed = training_rate(data, args)
    fed = end_to_end_rate(data, args)
    print(f"folder: {folder} ({len(data.files('train'))} training images), model input {shape}, "
          f"batch {args.batch_size}, {os.cpu_count()} CPU cores")
    print(f"pipeline ({args.pipeline}):           {delivered:8.0f} images/s")
    print(f"training step (small CNN):    {consumed:8.0f} images/s")
    print(f"end to end (fit on pipeline): {fed:8.0f} images/s "
          f"({100 * fed / consumed:.0f}% of the training-step rate)")
    verdict = "not the bottleneck" if delivered > consumed else "THE BOTTLENECK"
    print(f"ratio pipeline / training:    {delivered / consumed:8.2f}  -> the pipeline is "
          f"{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
