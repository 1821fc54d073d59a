"""Within-digit diversity: how different two samples of the same digit are, by SSIM and by
a perceptual distance through the evaluator's layers.

Pairs are drawn at random among the samples of one digit: the requested digit for a
conditional model, the reader's predicted digit otherwise (real data: the test labels).
A model that draws the same image for every request scores diversity 0.

- SSIM diversity: 1 - the mean SSIM of the pairs (Wang et al. 2004; the ``pytorch_msssim``
  package: Gaussian window 11, sigma 1.5, images in [0, 1]).
- Perceptual diversity: the mean LPIPS-style distance of the pairs (Zhang et al. 2018) with
  the evaluator's four convolutional layers in place of ImageNet's AlexNet/VGG, whose weights
  this project cannot download: each layer's activations unit-normalized over channels at
  every position, the squared difference averaged over positions, the layers averaged with
  equal weights (LPIPS' untrained "baseline" form: no learned per-channel weights). It is not
  LPIPS and does not compare with published LPIPS numbers.
"""

from __future__ import annotations

import torch
from pytorch_msssim import ssim

from genbench.results.catalogue import PAIRS_PER_DIGIT


def same_digit_pairs(digits: torch.Tensor, seed: int, per_digit: int = PAIRS_PER_DIGIT) -> torch.Tensor:
    """P x 2 indices of distinct items with the same digit, ``per_digit`` pairs for each digit
    with at least two items, drawn with ``seed``."""
    gen = torch.Generator().manual_seed(seed)
    pairs = []
    for d in range(10):
        members = torch.nonzero(digits == d)[:, 0]
        if len(members) < 2:
            continue
        first = torch.randint(len(members), (per_digit,), generator=gen)
        offset = torch.randint(1, len(members), (per_digit,), generator=gen)  # never the same item
        pairs.append(torch.stack([members[first], members[(first + offset) % len(members)]], 1))
    return torch.cat(pairs) if pairs else torch.zeros(0, 2, dtype=torch.long)


def ssim_diversity(images: torch.Tensor, pairs: torch.Tensor, chunk: int = 2000) -> float | None:
    """1 - mean SSIM over ``pairs`` of ``images`` (N x 1 x 28 x 28 in [0, 1])."""
    if len(pairs) == 0:
        return None
    values = [ssim(images[p[:, 0]].float(), images[p[:, 1]].float(), data_range=1.0, size_average=False)
              for p in pairs.split(chunk)]
    return float(1 - torch.cat(values).mean())


@torch.no_grad()
def perceptual_diversity(evaluator, images: torch.Tensor, pairs: torch.Tensor, chunk: int = 1000) -> float | None:
    """Mean evaluator-feature perceptual distance over ``pairs`` of ``images``; each image
    of a chunk of pairs goes through the evaluator once, however many pairs it is in."""
    if len(pairs) == 0:
        return None
    evaluator.eval()
    total = 0.0
    for p in pairs.split(chunk):
        used, index = p.unique(return_inverse=True)
        per_layer = []
        for activation in evaluator.activations(images[used].float()):
            unit = _unit(activation)
            per_layer.append(((unit[index[:, 0]] - unit[index[:, 1]]) ** 2).sum(1).mean((1, 2)))
        total += torch.stack(per_layer).mean(0).sum().item()
    return total / len(pairs)


def _unit(activation: torch.Tensor, eps: float = 1e-10) -> torch.Tensor:
    return activation / (activation.norm(dim=1, keepdim=True) + eps)
