"""Map one model's raw metrics to four dimensions in [0, 1] (higher is better).

Each score uses only that model's own numbers and the fixed constants in params.yaml
(section ``normalize``), never the other models in the run: adding or removing a model,
or comparing two runs, moves nobody else's score. The README documents every formula.
"""

from __future__ import annotations

import math

import numpy as np

from genbench.config import NormalizeConfig


def log_scale(value: float, best: float, worst: float) -> float:
    """1 at ``best`` (or better), 0 at ``worst`` (or worse), linear in log(value) between."""
    value = max(value, 1e-12)
    t = (math.log(worst) - math.log(value)) / (math.log(worst) - math.log(best))
    return float(min(max(t, 0.0), 1.0))


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


def stability_score(stats: dict, c: NormalizeConfig) -> float:
    """(1 - spread / spread_worst) x (1 - share of second-half epochs whose FID worsened)."""
    spread_term = 1.0 - min(stats["fid_spread"] / c.stability_fid_spread_worst, 1.0)
    worsened_term = 1.0 - stats["fid_worsened_epochs"] / max(stats["epochs_considered"], 1)
    return float(max(spread_term * worsened_term, 0.0))


def normalize_model(scores: dict, history: list[dict], c: NormalizeConfig) -> dict:
    quality = log_scale(scores["fid"], c.fid_best, c.fid_worst)
    stats = stability_stats(history, c.stability_worsen_fraction)
    stability = stability_score(stats, c)
    acc = scores.get("label_accuracy")
    controllability = 0.0 if acc is None else float(min(max((acc - 0.1) / 0.9, 0.0), 1.0))
    efficiency = 0.5 * (
        log_scale(scores["sample"]["seconds_per_1000"], c.sample_seconds_best, c.sample_seconds_worst)
        + log_scale(scores["train"]["train_seconds"], c.train_seconds_best, c.train_seconds_worst))
    q_s_c = np.array([quality, stability, controllability])
    return {
        "quality": quality,
        "stability": stability,
        "controllability": controllability,
        "efficiency": efficiency,
        "overall_mean": float(np.mean([quality, stability, controllability, efficiency])),
        "overall_distance": float(1 - np.linalg.norm(q_s_c - 1) / math.sqrt(3)),
    }
