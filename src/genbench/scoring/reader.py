"""The reader: which digit a sample shows, read as a person reads it.

Label accuracy, the Inception Score and the class histogram (and the digit an unconditional
sample's diversity pairs are drawn by) come from the reader, not from the evaluator whose
features FID measures in. The two jobs pull apart: a reader must not care about a little
speckle or blur on a legible 3, while a distance to real digits must see them. The reader has
the evaluator's architecture (its own weights) trained on digits that are also randomly
corrupted (``corruptions.corrupt_batch``): noise, speckle, blur, shifts, rotations, scaling and
stroke width. Its accuracy on clean MNIST test and on every corruption of the corrupted test set
is a tracked metric (metrics/evaluator.json) with floors (``FLOORS``).
"""

from __future__ import annotations

import torch
from torch import nn

from genbench.scoring.corruptions import corrupt_batch, corrupted_test_set
from genbench.scoring.evaluator import Evaluator, _train_classifier, embed

FLOORS = {"clean": 0.996, "corrupted": 0.98}  # what the shipped reader must read correctly


class _Corrupting(nn.Module):
    """The network, seeing randomly corrupted batches while it trains."""

    def __init__(self, net: Evaluator, gen: torch.Generator):
        super().__init__()
        self.net, self.gen = net, gen

    def forward(self, x):
        return self.net(corrupt_batch(x, self.gen) if self.training else x)


def train_reader(x: torch.Tensor, y: torch.Tensor, recipe) -> Evaluator:
    """A reader trained with ``recipe`` (an ``EvaluatorConfig``) on shifted, rotated, scaled
    and corrupted digits; everything random from ``recipe.seed`` alone."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(recipe.seed)
        wrapped = _Corrupting(Evaluator(recipe.width), torch.Generator().manual_seed(recipe.seed + 1))
        return _train_classifier(wrapped, x, y, recipe, "reader", augment=True).net.eval()


def readings(network: Evaluator, images: torch.Tensor, keep: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
    """The digit ``network`` reads in each of ``images`` (MNIST test, N x 1 x 28 x 28 in
    [0, 1]) and in each corruption of them at its test severity: {"clean": N digits,
    corruption: ...}; with ``keep`` (indices), in those images of each set only (the sets are
    corrupted whole: their random draws run over every image in turn)."""
    keep = slice(None) if keep is None else keep
    out = {"clean": embed(network, images[keep])[1].argmax(1)}
    for name, corrupted in corrupted_test_set(images).items():
        out[name] = embed(network, corrupted[keep].unsqueeze(1).float() / 255)[1].argmax(1)
    return out


def reading_accuracy(reader: Evaluator, images: torch.Tensor, labels: torch.Tensor) -> dict[str, float]:
    """The reader's accuracy on ``images`` and on each corruption of them: {"clean": ..., corruption: ...}."""
    return {name: digits_accuracy(digits, labels) for name, digits in readings(reader, images).items()}


def digits_accuracy(digits: torch.Tensor, labels: torch.Tensor) -> float:
    return (digits == labels).float().mean().item()


def meets_floors(accuracies: dict[str, float]) -> bool:
    return all(acc >= FLOORS["clean" if name == "clean" else "corrupted"] for name, acc in accuracies.items())
