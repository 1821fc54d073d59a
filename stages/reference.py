"""Stage reference: evaluator features of real MNIST, computed once for every score, and the
real-data value of every metric (CAS of a classifier trained on real images included)."""

import torch

from genbench import cli, paths
from genbench.config import load_params
from genbench.data import load_split
from genbench.evaluator import embed, load_evaluator
from genbench.reference import Reference
from genbench.scoring import classification_accuracy_score, reference_metrics
from genbench.utils import pick_device, seed_everything, write_json


def main():
    params = load_params()
    seed_everything(params.seed)
    device = pick_device(params.device)
    n = params.score.num_real
    evaluator = load_evaluator(paths.EVALUATOR, device)
    xt, yt = load_split(paths.MNIST_ROOT, train=False)
    x, y = load_split(paths.MNIST_ROOT, train=True)
    pick = torch.randperm(len(x), generator=torch.Generator().manual_seed(params.seed))[:n]
    noise = torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(params.seed))
    test_feats, test_probs = embed(evaluator, xt, device)
    ref = Reference(test_feats, test_probs, yt, embed(evaluator, x[pick], device)[0],
                    embed(evaluator, noise, device)[0])
    ref.save(paths.REFERENCE)
    values = reference_metrics(ref, num_real=n, is_splits=params.score.is_splits)
    # CAS reference: the CAS classifier trained on as many real images as a model's sample set.
    m = params.sample.num_samples
    real = torch.randperm(len(x), generator=torch.Generator().manual_seed(params.seed + 1))[:m]
    values["cas_real"] = classification_accuracy_score(
        x[real], y[real], xt, yt, recipe=params.evaluator, batch_size=params.batch_size,
        seed=params.seed, device=device)
    values["cas_real_train_images"] = len(real)
    write_json(paths.METRICS / "reference.json", values)
    print("real-data reference:", values)


if __name__ == "__main__":
    cli.run(main)
