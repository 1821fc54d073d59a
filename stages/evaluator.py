"""Stage evaluator: provide the yardstick every metric looks through. ``evaluator.source:
shipped`` copies the frozen evaluator the project ships, after checking its SHA-256;
``train`` trains one here (on the CPU, with its own seed). Either way, record its test accuracy."""

import json
import shutil
import time

from genbench import cli
from genbench.config import load_params
from genbench.data import load_split
from genbench.scoring.evaluator import (SHIPPED, SHIPPED_SHA256, accuracy, check_shipped, check_reads_digits, embed,
                                load_evaluator, save_evaluator, train_classifier)
from genbench.files import write_json
from genbench.runtime import count_parameters, seed_everything


def main():
    args = cli.arguments(__doc__, "--mnist", "--evaluator", "--metrics", "--timings")
    params = load_params()
    cfg = params.evaluator
    if cfg.source == "shipped":
        check_shipped(SHIPPED)
        args.evaluator.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHIPPED, args.evaluator)
        model = load_evaluator(args.evaluator, cfg.source)
        recipe = json.loads(SHIPPED.with_name("recipe.json").read_text())
        trained = {"train_images": recipe["train_images"], "epochs": recipe["recipe"]["epochs"],
                   "sha256": SHIPPED_SHA256}
        seconds = 0.0
    else:
        seed_everything(cfg.seed)
        x, y = load_split(args.mnist, train=True, subset=params.data.train_subset)
        start = time.perf_counter()
        model = train_classifier(x, y, cfg)
        seconds = time.perf_counter() - start
        save_evaluator(model, args.evaluator)
        trained = {"train_images": len(x), "epochs": cfg.epochs, "sha256": None}
    xt, yt = load_split(args.mnist, train=False)
    acc = accuracy(embed(model, xt)[1], yt)
    check_reads_digits(acc)
    write_json(args.metrics, {"source": cfg.source, "test_accuracy": acc, **trained,
                              "parameters": count_parameters(model)})
    write_json(args.timings, {"train_seconds": seconds})
    print(f"evaluator ({cfg.source}): test accuracy {acc:.4f}" + (f" ({seconds:.0f} s)" if seconds else ""))


if __name__ == "__main__":
    cli.run(main)
