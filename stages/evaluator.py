"""Stage evaluator: train the CNN every metric looks through; record its test accuracy."""

import time

from genbench import cli
from genbench.config import load_params
from genbench.data import load_split
from genbench.evaluator import Evaluator, accuracy, check_yardstick, embed, save_evaluator, train_classifier
from genbench.utils import count_parameters, pick_device, seed_everything, write_json


def main():
    args = cli.arguments(__doc__, "--mnist", "--evaluator", "--metrics")
    params = load_params()
    cfg = params.evaluator
    seed_everything(params.seed)
    device = pick_device(params.device)
    x, y = load_split(args.mnist, train=True, subset=params.data.train_subset)
    start = time.perf_counter()
    model = train_classifier(Evaluator(cfg.width), x, y, epochs=cfg.epochs, lr=cfg.lr,
                             batch_size=params.batch_size, seed=params.seed, device=device,
                             precision=cfg.precision)
    seconds = time.perf_counter() - start
    xt, yt = load_split(args.mnist, train=False)
    acc = accuracy(embed(model, xt, device)[1], yt)
    check_yardstick(acc)
    save_evaluator(model, args.evaluator)
    write_json(args.metrics, {"test_accuracy": acc, "train_seconds": seconds, "train_images": len(x),
                              "epochs": cfg.epochs, "parameters": count_parameters(model)})
    print(f"evaluator: test accuracy {acc:.4f} after {cfg.epochs} epochs ({seconds:.0f} s)")


if __name__ == "__main__":
    cli.run(main)
