"""Sample-quality metrics, all in the evaluator's feature / probability space.

FID (Frechet distance of Gaussians fitted to features), Inception Score, label accuracy
(GAN-test), and the class distribution of predictions with its normalized entropy.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from scipy import linalg


def gaussian_stats(features: torch.Tensor | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance (float64) of an N x D feature matrix."""
    f = np.asarray(features, dtype=np.float64)
    return f.mean(axis=0), np.cov(f, rowvar=False)


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)), with scipy's matrix square root."""
    diff = mu1 - mu2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        covmean = linalg.sqrtm(sigma1 @ sigma2)
        if not np.isfinite(covmean).all():  # singular product: regularize as the FID reference code does
            eps = np.eye(sigma1.shape[0]) * 1e-6
            covmean = linalg.sqrtm((sigma1 + eps) @ (sigma2 + eps))
    covmean = np.real(covmean)
    value = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * np.trace(covmean)
    return float(max(value, 0.0))


def fid(features_a, features_b) -> float:
    return frechet_distance(*gaussian_stats(features_a), *gaussian_stats(features_b))


def inception_score(probs: torch.Tensor | np.ndarray, splits: int = 10) -> tuple[float, float]:
    """exp(E_x KL(p(y|x) || p(y))), mean and std over ``splits`` equal parts."""
    p = np.asarray(probs, dtype=np.float64)
    scores = []
    for part in np.array_split(p, splits):
        marginal = part.mean(axis=0, keepdims=True)
        kl = (part * (np.log(part + 1e-12) - np.log(marginal + 1e-12))).sum(axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


def label_accuracy(probs, requested) -> tuple[float, list[float]]:
    """Share of samples the evaluator classifies as the requested digit, overall and per digit."""
    pred = np.asarray(probs).argmax(axis=1)
    requested = np.asarray(requested)
    per_digit = [float((pred[requested == d] == d).mean()) if (requested == d).any() else None
                 for d in range(10)]
    return float((pred == requested).mean()), per_digit


def class_distribution(probs) -> tuple[list[float], float]:
    """Share of each predicted digit, and its entropy divided by log(10) (1 = uniform, 0 = one digit)."""
    pred = np.asarray(probs).argmax(axis=1)
    share = np.bincount(pred, minlength=10) / len(pred)
    nz = share[share > 0]
    entropy = float(-(nz * np.log(nz)).sum() / np.log(10))
    return [float(s) for s in share], max(entropy, 0.0)
