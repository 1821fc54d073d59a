"""Sample-quality metrics, all in the evaluator's feature / probability space.

FID (Frechet distance of Gaussians fitted to features), Inception Score, label accuracy
(GAN-test), the class distribution of predictions with its normalized entropy, improved
precision / recall, and the stability statistics of a per-epoch training history.
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
    """exp(E_x KL(p(y|x) || p(y))), mean and std over ``splits`` equal parts.

    Rows are shuffled (fixed seed) before splitting: sample sets ordered by requested digit
    would otherwise give splits of one class each and an IS near 1.
    """
    p = np.asarray(probs, dtype=np.float64)
    p = p[np.random.default_rng(0).permutation(len(p))]
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
    return [float(s) for s in share], max(0.0, entropy)  # never -0.0


def _kth_neighbour_radii(feats: torch.Tensor, k: int, chunk: int = 1000) -> torch.Tensor:
    """Distance from each row to its k-th nearest other row."""
    radii = []
    for i in range(0, len(feats), chunk):
        d = torch.cdist(feats[i:i + chunk], feats)
        radii.append(d.kthvalue(k + 1, dim=1).values)  # +1: the row itself is at distance 0
    return torch.cat(radii)


def _share_inside(queries: torch.Tensor, support: torch.Tensor, radii: torch.Tensor,
                  chunk: int = 1000) -> float:
    """Share of queries within the k-NN ball of at least one support point."""
    inside = []
    for i in range(0, len(queries), chunk):
        d = torch.cdist(queries[i:i + chunk], support)
        inside.append((d <= radii[None, :]).any(dim=1))
    return torch.cat(inside).float().mean().item()


def precision_recall(real, fake, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall (Kynkaanniemi et al. 2019) with k-NN manifolds.

    Precision: share of fake samples inside the real manifold (quality); recall: share of
    real samples inside the fake manifold (coverage of the data).
    """
    real = torch.as_tensor(np.asarray(real), dtype=torch.float32)
    fake = torch.as_tensor(np.asarray(fake), dtype=torch.float32)
    precision = _share_inside(fake, real, _kth_neighbour_radii(real, k))
    recall = _share_inside(real, fake, _kth_neighbour_radii(fake, k))
    return precision, recall


def stability_stats(history: list[dict], worsen_fraction: float) -> dict:
    """Second-half statistics of the per-epoch history.

    fid_spread: std / mean of the quick FID; loss_variance: variance of the first loss column;
    fid_worsened_epochs: epochs whose quick FID exceeds the previous one by more than
    ``worsen_fraction`` (relative).
    """
    half = history[len(history) // 2:]
    fids = np.array([row["quick_fid"] for row in half], dtype=float)
    loss_key = next(k for k in history[0] if k not in ("epoch", "seconds", "quick_fid"))
    losses = np.array([row[loss_key] for row in half], dtype=float)
    prev = np.array([row["quick_fid"] for row in history], dtype=float)
    start = len(history) - len(half)
    worsened = sum(1 for i in range(max(start, 1), len(prev)) if prev[i] > prev[i - 1] * (1 + worsen_fraction))
    return {
        "epochs_considered": len(half),
        "fid_spread": float(fids.std() / fids.mean()) if len(fids) > 1 else 0.0,
        "loss_key": loss_key,
        "loss_variance": float(losses.var()) if len(losses) > 1 else 0.0,
        "fid_worsened_epochs": int(worsened),
    }
