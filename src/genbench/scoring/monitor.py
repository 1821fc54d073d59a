"""The per-epoch quick FID of training histories: a fixed-seed sample from the model, in the
evaluator's features, against the reference's fixed subset of *training* images, so choosing
a checkpoint by it (``checkpoint: best``) never looks at the test set. Only FID: a new metric
never re-trains a model."""

from __future__ import annotations

from genbench.scoring.evaluator import Evaluator, embed
from genbench.scoring.metrics.fid import frechet_distance, gaussian_stats
from genbench.models.base import GenerativeModel
from genbench.scoring.reference import Reference
from genbench.sampling import generate

# Images per generate() call, by device: fixed, so the monitor's numbers never depend on a speed
# setting. A GPU takes the whole quick sample in one call (a DDPM's 1,000 in 10 network calls, not
# 100 launch-bound ones); a CPU is no faster with bigger calls.
CHUNK = {"cpu": 100, "cuda": 1000}


class QuickFID:
    """FID of ``n`` samples (seed ``seed``, the model's default sampler settings)."""

    def __init__(self, evaluator: Evaluator, reference: Reference, n: int, seed: int):
        self.evaluator, self.seed = evaluator, seed
        self.n = n - n % 10  # conditional models draw equal digits
        self.mu, self.sigma = gaussian_stats(reference.train_features)

    def __call__(self, model: GenerativeModel) -> float:
        images, _, _ = generate(model, self.n, self.seed, CHUNK.get(model.device.type, CHUNK["cpu"]))
        feats, _ = embed(self.evaluator, images)
        return frechet_distance(*gaussian_stats(feats), self.mu, self.sigma)
