"""Stage evaluator: train the CNN every metric looks through (on the CPU, with its own seed);
record its test accuracy."""

import time

from genbench import cli
from genbench.config import load_params
from genbench.data import load_split
from genbench.evaluator import accuracy, check_yardstick, embed, save_evaluator, train_classifier
from genbench.utils import count_parameters, seed_everything, write_json


def main():
    args = cli.arguments(__doc__, "--mnist", "--evaluator", "--metrics", "--timings")
    params = load_params()
    cfg = params.evaluator
    seed_everything(cfg.seed)
    x, y = load_split(args.mnist, train=True, subset=params.data.train_subset)
    start = time.perf_counter()
    model = train_classifier(x, y, cfg)
    seconds = time.perf_counter() - start
    xt, yt = load_split(args.mnist, train=False)
    acc = accuracy(embed(model, xt)[1], yt)
    check_yardstick(acc)
    save_evaluator(model, args.evaluator)
    write_json(args.metrics, {"test_accuracy": acc, "train_images": len(x), "epochs": cfg.epochs,
                              "parameters": count_parameters(model)})
    write_json(args.timings, {"train_seconds": seconds})
    print(f"evaluator: test accuracy {acc:.4f} after {cfg.epochs} epochs ({seconds:.0f} s)")


if __name__ == "__main__":
    cli.run(main)
