"""Score a sample set against the real-data reference computed once by the reference stage."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from genbench import metrics
from genbench.evaluator import Evaluator, embed
from genbench.models.base import GenerativeModel
from genbench.sampling import generate
from genbench.utils import load_torch


def load_evaluator(path, device) -> Evaluator:
    ckpt = load_torch(path, device)
    model = Evaluator(width=ckpt["width"])
    model.load_state_dict(ckpt["state_dict"])
    return model.to(device).eval()


@dataclass
class Reference:
    """Evaluator features of real data: MNIST test (the target) and a train subset."""
    test_features: torch.Tensor
    test_probs: torch.Tensor
    test_labels: torch.Tensor
    train_features: torch.Tensor

    def save(self, path):
        from genbench.utils import save_torch
        save_torch(self.__dict__, path)

    @classmethod
    def load(cls, path) -> "Reference":
        return cls(**load_torch(path))

    def test_stats(self, n: int):
        return metrics.gaussian_stats(self.test_features[:n])


class QuickFID:
    """FID of ``n`` fresh samples (fixed seed) against MNIST test, for per-epoch histories."""

    def __init__(self, evaluator: Evaluator, reference: Reference, n: int, seed: int):
        self.evaluator, self.n, self.seed = evaluator, n, seed
        self.n -= n % 10  # conditional models draw equal digits
        self.mu, self.sigma = reference.test_stats(len(reference.test_features))

    def __call__(self, model: GenerativeModel) -> float:
        images, _, _ = generate(model, self.n, self.seed)
        feats, _ = embed(self.evaluator, images, model.device)
        return metrics.frechet_distance(*metrics.gaussian_stats(feats), self.mu, self.sigma)


def score_samples(evaluator: Evaluator, images: torch.Tensor, labels: torch.Tensor,
                  reference: Reference, *, num_real: int, is_splits: int,
                  device: torch.device) -> dict:
    """Every sample-based metric of one model, as a JSON-ready dict."""
    feats, probs = embed(evaluator, images, device)
    is_mean, is_std = metrics.inception_score(probs, is_splits)
    share, entropy = metrics.class_distribution(probs)
    conditional = bool((labels >= 0).all())
    if conditional:
        acc, per_digit = metrics.label_accuracy(probs, labels)
    else:
        acc, per_digit = None, None
    return {
        "num_samples": len(images),
        "fid": metrics.fid(feats, reference.test_features[:num_real]),
        "inception_score": {"mean": is_mean, "std": is_std},
        "label_accuracy": acc,
        "label_accuracy_per_digit": per_digit,
        "class_distribution": share,
        "class_entropy": entropy,
    }


def reference_metrics(reference: Reference, *, num_real: int, is_splits: int) -> dict:
    """The same metrics for real data, so every model's number has its calibration beside it."""
    is_mean, is_std = metrics.inception_score(reference.test_probs[:num_real], is_splits)
    acc, _ = metrics.label_accuracy(reference.test_probs, reference.test_labels)
    share, entropy = metrics.class_distribution(reference.test_probs[:num_real])
    return {
        "fid_train_vs_test": metrics.fid(reference.train_features[:num_real],
                                         reference.test_features[:num_real]),
        "inception_score_test": {"mean": is_mean, "std": is_std},
        "label_accuracy_test": acc,
        "class_entropy_test": entropy,
        "num_real": int(min(num_real, len(reference.test_features))),
    }


def uniform_noise_fid(evaluator: Evaluator, reference: Reference, n: int, seed: int,
                      device: torch.device) -> float:
    """FID of uniform noise images: the 'no model at all' end of the scale."""
    gen = torch.Generator().manual_seed(seed)
    noise = torch.rand(n, 1, 28, 28, generator=gen)
    feats, _ = embed(evaluator, noise, device)
    return metrics.fid(feats, reference.test_features[:n])
