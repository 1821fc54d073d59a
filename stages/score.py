"""Stage score@MODEL: every metric of one model, beside the real-data reference."""

import dataclasses

import numpy as np
import torch

from genbench import cli, paths
from genbench.config import load_params
from genbench.data import load_split
from genbench.evaluator import load_evaluator
from genbench.metrics import stability_stats
from genbench.reference import Reference
from genbench.sampling import from_uint8
from genbench.scoring import classification_accuracy_score, score_samples
from genbench.utils import pick_device, read_csv, read_json, seed_everything, write_json


def main():
    params = load_params()
    name = cli.model_arg(params)
    seed_everything(params.seed)
    device = pick_device(params.device)
    cfg = params.score
    with np.load(paths.samples(name)) as data:
        images, labels = from_uint8(data["images"]), torch.from_numpy(data["labels"])
    conditional = bool((labels >= 0).all())
    scores = {"model": name, "conditional": conditional,
              **score_samples(load_evaluator(paths.EVALUATOR, device), images, labels,
                              Reference.load(paths.REFERENCE), num_real=cfg.num_real,
                              is_splits=cfg.is_splits, device=device)}
    scores["cas"] = None
    if conditional and cfg.cas:
        xt, yt = load_split(paths.MNIST_ROOT, train=False)
        scores["cas"] = classification_accuracy_score(
            images, labels, xt, yt, recipe=params.evaluator, batch_size=params.batch_size,
            seed=params.seed, device=device)
    scores["stability"] = stability_stats(read_csv(paths.history(name)),
                                          cfg.stability_worsen_fraction)
    train, sample = read_json(paths.train_metrics(name)), read_json(paths.sample_metrics(name))
    scores["efficiency"] = {
        "train_seconds": train["train_seconds"],
        "train_images_per_second": train["train_images_per_second"],
        "sample_seconds_per_1000": sample["seconds_per_1000"],
        "parameters": train["parameters"],
        "peak_memory_mb": train["peak_memory_mb"],
        "train_device": train["device"],
        "sample_device": sample["device"],
        "epochs": train["epochs"],
    }
    scores["config"] = dataclasses.asdict(params.models[name])
    scores["reference"] = read_json(paths.METRICS / "reference.json")
    write_json(paths.scores(name), scores)
    print(f"{name}: FID {scores['fid']:.2f} (real {scores['reference']['fid_train_vs_test']:.2f}, "
          f"noise {scores['reference']['fid_uniform_noise']:.0f}), IS {scores['inception_score']['mean']:.2f}, "
          f"label accuracy {scores['label_accuracy']}, CAS {scores['cas']}")


if __name__ == "__main__":
    cli.run(main)
