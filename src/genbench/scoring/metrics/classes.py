"""What the reader reads in samples: label accuracy (GAN-test, Shmelkov et al. 2018) and
the class distribution of its predictions with its normalized entropy (mode collapse)."""

from __future__ import annotations

import numpy as np


def label_accuracy(probs, requested) -> tuple[float, dict[str, float | None]]:
    """Share of samples the reader classifies as the requested digit, overall and per digit
    (keyed "0" to "9": `dvc metrics show` displays mappings, not lists)."""
    pred = np.asarray(probs).argmax(axis=1)
    requested = np.asarray(requested)
    per_digit = {str(d): float((pred[requested == d] == d).mean()) if (requested == d).any() else None
                 for d in range(10)}
    return float((pred == requested).mean()), per_digit


def class_distribution(probs) -> tuple[dict[str, float], float]:
    """Share of each predicted digit (keyed "0" to "9"), and its entropy divided by log(10)
    (1 = uniform, 0 = one digit)."""
    pred = np.asarray(probs).argmax(axis=1)
    share = np.bincount(pred, minlength=10) / len(pred)
    nz = share[share > 0]
    entropy = float(-(nz * np.log(nz)).sum() / np.log(10))
    return {str(d): float(s) for d, s in enumerate(share)}, max(0.0, entropy)  # never -0.0
