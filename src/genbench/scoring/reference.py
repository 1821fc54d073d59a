"""Real MNIST seen through the evaluator, computed once (stage reference) for every score."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from genbench.scoring.evaluator import Evaluator, embed
from genbench.runtime import load_torch, save_torch


@dataclass
class Reference:
    """Evaluator features of real data: MNIST test (the target of every final score), a train
    subset (a second sample of real data, and the target of the per-epoch quick FID, so
    nothing is selected on the test set), and uniform-noise images (the no-model end of
    every scale)."""
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


def compute_reference(evaluator: Evaluator, train_x: torch.Tensor, test_x: torch.Tensor,
                      test_y: torch.Tensor, *, num_real: int, seed: int, batch_size: int = 1000) -> Reference:
    """Features of MNIST test, of ``num_real`` training images and of as many uniform-noise
    images, the subsets drawn with ``seed``, embedded ``batch_size`` images at a time."""
    pick = torch.randperm(len(train_x), generator=torch.Generator().manual_seed(seed))[:num_real]
    noise = torch.rand(num_real, 1, 28, 28, generator=torch.Generator().manual_seed(seed))
    test_features, test_probs = embed(evaluator, test_x, batch_size)
    return Reference(test_features, test_probs, test_y, embed(evaluator, train_x[pick], batch_size)[0],
                     embed(evaluator, noise, batch_size)[0])
