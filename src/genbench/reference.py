"""Evaluator features of real MNIST, computed once (stage reference), and the per-epoch quick FID."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from genbench import metrics
from genbench.evaluator import Evaluator, embed
from genbench.models.base import GenerativeModel
from genbench.sampling import generate
from genbench.utils import load_torch, save_torch


@dataclass
class Reference:
    """Evaluator features of real data: MNIST test (the target) and a train subset, and of
    uniform-noise images (the no-model end of the scale)."""
    test_features: torch.Tensor
    test_probs: torch.Tensor
    test_labels: torch.Tensor
    train_features: torch.Tensor
    noise_features: torch.Tensor

    def save(self, path):
        save_torch(self.__dict__, path)

    @classmethod
    def load(cls, path) -> "Reference":
        return cls(**load_torch(path))


class QuickFID:
    """FID of ``n`` fresh samples (fixed seed) against MNIST test, for per-epoch histories."""

    def __init__(self, evaluator: Evaluator, reference: Reference, n: int, seed: int,
                 batch_size: int):
        self.evaluator, self.seed, self.batch_size = evaluator, seed, batch_size
        self.n = n - n % 10  # conditional models draw equal digits
        self.mu, self.sigma = metrics.gaussian_stats(reference.test_features)

    def __call__(self, model: GenerativeModel) -> float:
        images, _, _ = generate(model, self.n, self.seed, self.batch_size)
        feats, _ = embed(self.evaluator, images, model.device)
        return metrics.frechet_distance(*metrics.gaussian_stats(feats), self.mu, self.sigma)
