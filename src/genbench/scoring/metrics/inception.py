"""Inception Score (Salimans et al. 2016) from the evaluator's class probabilities."""

from __future__ import annotations

import numpy as np
import torch


def inception_score(probs: torch.Tensor | np.ndarray, splits: int = 10) -> tuple[float, float]:
    """exp(E_x KL(p(y|x) || p(y))), mean and std over ``splits`` equal parts.

    Rows are shuffled (fixed seed) before splitting: sample sets ordered by requested digit
    would otherwise give splits of one class each and an IS near 1.
    """
    p = np.asarray(probs, dtype=np.float64)
    if splits > len(p):
        raise ValueError(f"inception score: {splits} splits of {len(p)} samples")
    p = p[np.random.default_rng(0).permutation(len(p))]
    scores = []
    for part in np.array_split(p, splits):
        marginal = part.mean(axis=0, keepdims=True)
        kl = (part * (np.log(part + 1e-12) - np.log(marginal + 1e-12))).sum(axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))
