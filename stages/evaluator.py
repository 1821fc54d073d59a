"""Stage evaluator: provide the yardstick every metric looks through: the evaluator, the
reader, the autoencoder and the PCA basis. ``evaluator.source: shipped`` copies the frozen
files the project ships, after checking their SHA-256s; ``train`` trains them here (on the
CPU, with their own seeds). Either way, record the evaluator's accuracy on the test images
the scores compare with (the first ``score.num_real``), the reader's accuracy on clean and
corrupted MNIST test (for the shipped files as measured once on all of it in
yardstick/reading.json, with the evaluator's had it to read them; for trained ones on those
test images), and draw the corrupted test set."""

import json
import shutil
import time

from genbench import cli
from genbench.config import load_params
from genbench.data import load_split
from genbench.files import write_json
from genbench.grids import draw_corruptions
from genbench.runtime import count_parameters, seed_everything
from genbench.scoring.corruptions import TEST_SEVERITY, corrupted_test_set
from genbench.scoring.evaluator import (SHIPPED, SHIPPED_SHA256, accuracy, check_reads_digits, check_shipped, embed,
                                        load_evaluator, save_evaluator, train_classifier)
from genbench.scoring.reader import FLOORS, reading_accuracy
from genbench.scoring.shipped import (NETWORKS, SHA256, check_shipped_network, load_network, save_network,
                                      shipped_path, shipped_reading, train_networks)


def main():
    args = cli.arguments(__doc__, "--mnist", "--networks", "--metrics", "--timings", "--corruptions")
    params = load_params()
    cfg = params.evaluator
    out = {name: args.networks / f"{name}.pt" for name in ("evaluator", *NETWORKS)}
    args.networks.mkdir(parents=True, exist_ok=True)
    if cfg.source == "shipped":
        check_shipped(SHIPPED)
        for name in NETWORKS:
            check_shipped_network(name, shipped_path(name))
        shutil.copyfile(SHIPPED, out["evaluator"])
        for name in NETWORKS:
            shutil.copyfile(shipped_path(name), out[name])
        recipe = json.loads(SHIPPED.with_name("recipe.json").read_text())
        trained = {"train_images": recipe["train_images"], "epochs": recipe["recipe"]["epochs"],
                   "sha256": SHIPPED_SHA256}
        seconds = 0.0
    else:
        seed_everything(cfg.seed)
        x, y = load_split(args.mnist, train=True, subset=params.data.train_subset)
        start = time.perf_counter()
        save_evaluator(train_classifier(x, y, cfg), out["evaluator"])
        for name, net in train_networks(x, y, cfg).items():
            save_network(net, out[name])
        seconds = time.perf_counter() - start
        trained = {"train_images": len(x), "epochs": cfg.epochs, "sha256": None}
    model = load_evaluator(out["evaluator"], cfg.source)
    reader = load_network("reader", out["reader"], cfg.source)
    xt, yt = load_split(args.mnist, train=False)
    n = params.score.num_real  # the test images the scores compare against (all 10,000 by default)
    acc = accuracy(embed(model, xt[:n])[1], yt[:n])
    check_reads_digits(acc)
    if cfg.source == "shipped":  # measured once on these files (yardstick/reading.json; a test re-measures it)
        record = shipped_reading()
        reads, evaluator_reads = record["reader"], record["evaluator"]
    else:  # the reader's floors are what matter; the evaluator's reading is the shipped files' story
        reads, evaluator_reads = reading_accuracy(reader, xt[:n], yt[:n]), None
    draw_corruptions(xt, corrupted_test_set(xt), args.corruptions)
    write_json(args.metrics, {"source": cfg.source, "test_accuracy": acc, **trained,
                              "parameters": count_parameters(model),
                              "reader": {"accuracy": reads, "floors": FLOORS, "severity": TEST_SEVERITY,
                                         "test_images": len(xt) if cfg.source == "shipped" else min(n, len(xt)),
                                         "sha256": SHA256["reader"] if cfg.source == "shipped" else None},
                              "evaluator_reading": evaluator_reads})
    write_json(args.timings, {"train_seconds": seconds})
    print(f"evaluator ({cfg.source}): test accuracy {acc:.4f}" + (f" ({seconds:.0f} s)" if seconds else ""))
    print("reader:", ", ".join(f"{k} {v:.4f}" for k, v in reads.items()))


if __name__ == "__main__":
    cli.run(main)
