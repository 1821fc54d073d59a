"""Stage evaluator: train the CNN every metric looks through; record its test accuracy."""

import time

from genbench import cli, paths
from genbench.config import load_params
from genbench.data import load_split
from genbench.evaluator import Evaluator, accuracy, embed, train_classifier
from genbench.utils import count_parameters, pick_device, save_torch, seed_everything, write_json


def main():
    params = load_params()
    cfg = params.evaluator
    seed_everything(params.seed)
    device = pick_device(params.device)
    x, y = load_split(paths.MNIST_ROOT, train=True)
    if params.data.train_subset:
        x, y = x[:params.data.train_subset], y[:params.data.train_subset]
    start = time.perf_counter()
    model = train_classifier(Evaluator(cfg.width), x, y, epochs=cfg.epochs, lr=cfg.lr,
                             batch_size=params.batch_size, seed=params.seed, device=device,
                             mixed_precision=cfg.mixed_precision)
    seconds = time.perf_counter() - start
    xt, yt = load_split(paths.MNIST_ROOT, train=False)
    _, probs = embed(model, xt, device)
    save_torch({"width": cfg.width, "state_dict": model.state_dict()}, paths.EVALUATOR)
    acc = accuracy(probs, yt)
    write_json(paths.METRICS / "evaluator.json", {
        "test_accuracy": acc, "train_seconds": seconds, "train_images": len(x),
        "epochs": cfg.epochs, "parameters": count_parameters(model)})
    print(f"evaluator: test accuracy {acc:.4f} after {cfg.epochs} epochs ({seconds:.0f} s)")


if __name__ == "__main__":
    cli.run(main)
