"""Memorization: are the samples new digits, or copies of training images?

For each sample, the distance (evaluator features) to its nearest training image, against the
same distance for real MNIST test images, which the models never saw: test digits are new
digits by construction.

- memorization_ratio: median nearest-training distance of the samples / that of the test
  images: about 1 for new digits, towards 0 for copies (and above 1 for samples far from
  every training digit, such as noise).
- copy_fraction: the share of samples closer to a training image than the closest 1 % of test
  images are (``COPY_PERCENTILE``): about 0.01 for new digits, 1 for copies.
"""

from __future__ import annotations

import torch

from genbench.results.catalogue import COPY_PERCENTILE


def nearest_distances(queries: torch.Tensor, train: torch.Tensor, chunk: int = 500) -> tuple[torch.Tensor, torch.Tensor]:
    """(distance, index) of each query row's nearest row of ``train``."""
    dist, index = [], []
    for i in range(0, len(queries), chunk):
        d, j = torch.cdist(queries[i:i + chunk].float(), train.float()).min(1)
        dist.append(d)
        index.append(j)
    return torch.cat(dist), torch.cat(index)


def memorization(sample_distances: torch.Tensor, test_distances: torch.Tensor) -> tuple[float, float]:
    """(memorization_ratio, copy_fraction) from nearest-training distances."""
    ratio = float(sample_distances.median() / test_distances.median())
    threshold = torch.quantile(test_distances.double(), COPY_PERCENTILE)
    return ratio, float((sample_distances.double() < threshold).double().mean())
