"""Stage reference: evaluator features of real MNIST, computed once for every score."""

import torch

from genbench import cli, paths
from genbench.config import load_params
from genbench.data import load_split
from genbench.evaluator import embed
from genbench.scoring import Reference, load_evaluator, reference_metrics
from genbench.utils import pick_device, write_json


def main():
    params = load_params()
    device = pick_device(params.device)
    evaluator = load_evaluator(paths.EVALUATOR, device)
    xt, yt = load_split(paths.MNIST_ROOT, train=False)
    x, _ = load_split(paths.MNIST_ROOT, train=True)
    pick = torch.randperm(len(x), generator=torch.Generator().manual_seed(params.seed))
    test_feats, test_probs = embed(evaluator, xt, device)
    train_feats, _ = embed(evaluator, x[pick[:params.score.num_real]], device)
    ref = Reference(test_feats, test_probs, yt, train_feats)
    ref.save(paths.REFERENCE)
    values = reference_metrics(ref, num_real=params.score.num_real, is_splits=params.score.is_splits)
    write_json(paths.METRICS / "reference.json", values)
    print("real-data reference:", values)


if __name__ == "__main__":
    cli.run(main)
