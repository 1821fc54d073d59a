"""Train a network the project ships (``genbench/scoring/yardstick/``) with its frozen recipe,
and write the recipe, what it measured and the machine beside it (``recipe.json`` for the
evaluator, ``NAME.json`` for the others); or record the shipped reader's and evaluator's
accuracy on the corrupted test set (``reading.json``).

    python -m genbench.scoring.freeze reader --mnist data/mnist/MNIST/raw
    python -m genbench.scoring.freeze reading --mnist data/mnist/MNIST/raw

Run once per network; the printed SHA-256 then goes into ``genbench.scoring.evaluator.SHIPPED_SHA256``
(the evaluator) or ``genbench.scoring.shipped.SHA256``. Every number the project has published
is measured through the files this made: a new one is a new yardstick, and no score before it
compares with one after it.
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import torch

from genbench import cli
from genbench.config import EvaluatorConfig
from genbench.data import load_split
from genbench.files import file_sha256, write_json
from genbench.runtime import count_parameters, cpu_model, seed_everything
from genbench.scoring.corruptions import TEST_SEVERITY
from genbench.scoring.evaluator import (MAX_ROTATION, MAX_SCALE, MAX_SHIFT, SHIPPED, SHIPPED_SHA256, accuracy,
                                        check_reads_digits, embed, load_evaluator, save_evaluator, train_classifier)
from genbench.scoring.reader import FLOORS, digits_accuracy, meets_floors, reading_accuracy, readings, train_reader
from genbench.scoring.shipped import READING, SHA256, load_network, save_network, shipped_path
from genbench.scoring.spaces import embed_features, fit_pca, train_autoencoder

# The recipes: the pipeline's evaluator architecture, trained longer, on augmented digits; the
# reader the same on corrupted digits too, from another seed; the autoencoder; PCA has none.
RECIPE = EvaluatorConfig(source="train", seed=0, batch_size=128, epochs=20, lr=0.003, width=32,
                         precision="float32")
READER_RECIPE = EvaluatorConfig(source="train", seed=1, batch_size=128, epochs=20, lr=0.003, width=32,
                                precision="float32")
AUTOENCODER_RECIPE = {"seed": 2, "epochs": 10, "batch_size": 128, "lr": 1e-3, "width": 32}
TARGET_ACCURACY = 0.996
AUGMENT = {"function": "genbench.scoring.evaluator.augment_batch", "max_shift_pixels": MAX_SHIFT,
           "max_rotation_degrees": MAX_ROTATION, "max_scale": MAX_SCALE}


def _machine() -> dict:
    return {"cpu": cpu_model(), "threads": torch.get_num_threads(), "torch": torch.__version__,
            "python": platform.python_version()}


def _classifier_recipe(recipe: EvaluatorConfig, **more) -> dict:
    return {**{k: v for k, v in recipe.__dict__.items() if k != "source"}, "augment": AUGMENT, **more,
            "optimizer": "Adam, one-cycle schedule"}


def freeze_evaluator(x, y, xt, yt, out: Path) -> dict:
    model = train_classifier(x, y, RECIPE, augment=True)
    acc = accuracy(embed(model, xt)[1], yt)
    check_reads_digits(acc)
    save_evaluator(model, out)
    return {"test_accuracy": acc, "parameters": count_parameters(model), "recipe": _classifier_recipe(RECIPE)}


def freeze_reader(x, y, xt, yt, out: Path) -> dict:
    model = train_reader(x, y, READER_RECIPE)
    reads = reading_accuracy(model, xt, yt)
    save_network(model, out)
    return {"accuracy": reads, "floors": FLOORS, "meets_floors": meets_floors(reads),
            "parameters": count_parameters(model),
            "recipe": _classifier_recipe(READER_RECIPE, corrupt="genbench.scoring.corruptions.corrupt_batch")}


def freeze_autoencoder(x, y, xt, yt, out: Path) -> dict:
    model = train_autoencoder(x, **AUTOENCODER_RECIPE)
    with torch.no_grad():
        bce = torch.nn.functional.binary_cross_entropy_with_logits(model(xt), xt).item()
    save_network(model, out)
    return {"test_reconstruction_bce": bce, "parameters": count_parameters(model),
            "recipe": {**AUTOENCODER_RECIPE, "loss": "binary cross-entropy per pixel", "optimizer": "Adam"}}


def freeze_pca(x, y, xt, yt, out: Path) -> dict:
    pca = fit_pca(x)
    centred = xt.flatten(1) - pca.mean
    kept = float((embed_features(pca, xt) ** 2).sum() / (centred ** 2).sum())
    save_network(pca, out)
    return {"test_variance_kept": kept, "components": pca.axes.shape[0],
            "recipe": {"fit": "MNIST train pixels, float64 covariance eigendecomposition"}}


FREEZE = {"evaluator": freeze_evaluator, "reader": freeze_reader, "autoencoder": freeze_autoencoder,
          "pca": freeze_pca}


def record_reading(mnist: Path) -> dict:
    """The shipped reader's and evaluator's accuracy on clean and corrupted MNIST test
    (``yardstick/reading.json``): what the evaluator stage reports for the shipped files
    without re-reading 100,000 images each run; and the digit the reader reads in each image
    (``reader_digits``: one string of digits per set), so that a test re-reads a slice of the
    images and compares image by image."""
    xt, yt = load_split(mnist, train=False)
    reader = load_network("reader", shipped_path("reader"), "shipped")
    evaluator = load_evaluator(SHIPPED, "shipped")
    digits = readings(reader, xt)
    record = {"sha256": {"reader": SHA256["reader"], "evaluator": SHIPPED_SHA256}, "severity": TEST_SEVERITY,
              "reader": {name: digits_accuracy(d, yt) for name, d in digits.items()},
              "evaluator": reading_accuracy(evaluator, xt, yt), "machine": _machine(),
              "reader_digits": {name: "".join(map(str, d.tolist())) for name, d in digits.items()}}
    write_json(READING, record)
    return record


def main():
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("network", choices=[*FREEZE, "reading"],
                        help="a network to train and ship, or `reading`: record the shipped reader's and "
                        "evaluator's accuracy on the corrupted test set")
    parser.add_argument("--mnist", type=Path, required=True, help="the four MNIST IDX files (stage download)")
    parser.add_argument("--out", type=Path, help="default: the shipped file")
    args = parser.parse_args()
    if args.network == "reading":
        record = record_reading(args.mnist)
        print(f"reading: reader {record['reader']}, evaluator {record['evaluator']} -> {READING}")
        return
    out = args.out or (SHIPPED if args.network == "evaluator" else shipped_path(args.network))
    seed_everything(0)
    x, y = load_split(args.mnist, train=True)
    xt, yt = load_split(args.mnist, train=False)
    start = time.perf_counter()
    measured = FREEZE[args.network](x, y, xt, yt, out)
    seconds = time.perf_counter() - start
    digest = file_sha256(out)
    record = out.with_name("recipe.json" if args.network == "evaluator" else f"{args.network}.json")
    write_json(record, {"sha256": digest, "train_images": len(x), **measured, "train_seconds": round(seconds, 1),
                        "machine": _machine()})
    print(f"{args.network}: {({k: v for k, v in measured.items() if k != 'recipe'})} ({seconds:.0f} s); "
          f"SHA-256 {digest}")


if __name__ == "__main__":
    cli.run(main)
