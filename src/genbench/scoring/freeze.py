"""Train the evaluator the project ships (``genbench/scoring/yardstick/evaluator.pt``) with its frozen
recipe, and write the recipe, its measured test accuracy and the machine beside it.

    python -m genbench.scoring.freeze --mnist data/mnist/MNIST/raw

Run once; the printed SHA-256 then goes into ``genbench.scoring.evaluator.SHIPPED_SHA256``. Every
number the project has published is measured through the file this made: a new one is a new
yardstick, and no score before it compares with one after it.
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
from genbench.files import file_sha256
from genbench.scoring.evaluator import (MAX_ROTATION, MAX_SCALE, MAX_SHIFT, SHIPPED, accuracy, check_reads_digits, embed,
                                save_evaluator, train_classifier)
from genbench.files import write_json
from genbench.runtime import count_parameters, cpu_model, seed_everything

# The recipe: the pipeline's evaluator architecture, trained longer, on augmented digits.
RECIPE = EvaluatorConfig(source="train", seed=0, batch_size=128, epochs=20, lr=0.003, width=32,
                         precision="float32")
TARGET_ACCURACY = 0.996


def main():
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--mnist", type=Path, required=True, help="the four MNIST IDX files (stage download)")
    parser.add_argument("--out", type=Path, default=SHIPPED)
    args = parser.parse_args()
    seed_everything(RECIPE.seed)
    x, y = load_split(args.mnist, train=True)
    start = time.perf_counter()
    model = train_classifier(x, y, RECIPE, augment=True)
    seconds = time.perf_counter() - start
    xt, yt = load_split(args.mnist, train=False)
    acc = accuracy(embed(model, xt)[1], yt)
    check_reads_digits(acc)
    save_evaluator(model, args.out)
    digest = file_sha256(args.out)
    write_json(args.out.with_name("recipe.json"), {
        "sha256": digest,
        "test_accuracy": acc,
        "train_images": len(x),
        "parameters": count_parameters(model),
        "recipe": {**{k: v for k, v in RECIPE.__dict__.items() if k != "source"},
                   "augment": {"function": "genbench.scoring.evaluator.augment_batch", "max_shift_pixels": MAX_SHIFT,
                               "max_rotation_degrees": MAX_ROTATION, "max_scale": MAX_SCALE},
                   "optimizer": "Adam, one-cycle schedule"},
        "train_seconds": round(seconds, 1),
        "machine": {"cpu": cpu_model(), "threads": torch.get_num_threads(), "torch": torch.__version__,
                    "python": platform.python_version()},
    })
    print(f"evaluator: test accuracy {acc:.4f} (target {TARGET_ACCURACY}) after {RECIPE.epochs} epochs "
          f"({seconds:.0f} s); SHA-256 {digest}")


if __name__ == "__main__":
    cli.run(main)
