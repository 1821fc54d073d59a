"""Stage score@MODEL: every metric of one model's samples, beside the real-data reference."""

import numpy as np
import torch

from genbench import cli, paths
from genbench.config import load_params
from genbench.sampling import from_uint8
from genbench.scoring import Reference, load_evaluator, reference_metrics, score_samples
from genbench.utils import pick_device, read_json, seed_everything, write_json


def main():
    params = load_params()
    name = cli.model_arg(params)
    seed_everything(params.seed)
    device = pick_device(params.device)
    evaluator = load_evaluator(paths.EVALUATOR, device)
    reference = Reference.load(paths.REFERENCE)
    with np.load(paths.samples(name)) as data:
        images, labels = from_uint8(data["images"]), torch.from_numpy(data["labels"])
    cfg = params.score
    scores = {"model": name,
              **score_samples(evaluator, images, labels, reference, num_real=cfg.num_real,
                              is_splits=cfg.is_splits, device=device),
              "train": read_json(paths.train_metrics(name)),
              "sample": read_json(paths.sample_metrics(name)),
              "reference": reference_metrics(reference, num_real=cfg.num_real, is_splits=cfg.is_splits)}
    write_json(paths.scores(name), scores)
    print(f"{name}: FID {scores['fid']:.3f} (real train-vs-test "
          f"{scores['reference']['fid_train_vs_test']:.3f}), IS {scores['inception_score']['mean']:.3f}")


if __name__ == "__main__":
    cli.run(main)
