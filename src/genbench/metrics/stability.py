"""Training stability from a per-epoch history: how the quick FID and the loss behave over
the second half of training."""

from __future__ import annotations

import numpy as np

NOT_LOSSES = ("epoch", "seconds", "quick_fid")


def stability_stats(history: list[dict], worsen_fraction: float) -> dict:
    """fid_spread: std / mean of the quick FID; loss_variance: variance of the first loss
    column; fid_worsened_epochs: epochs whose quick FID exceeds the previous one by more
    than ``worsen_fraction`` (relative); all over the second half of the epochs."""
    half = history[len(history) // 2:]
    fids = np.array([row["quick_fid"] for row in half], dtype=float)
    loss_key = next(k for k in history[0] if k not in NOT_LOSSES)
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
