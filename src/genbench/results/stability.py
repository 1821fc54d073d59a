"""Training stability from a per-epoch history: whether the quick FID ever gets worse from
one measurement to the next, how it and the loss spread over the second half of training, and
how soon it converges. The quick FID is taken after some epochs only (``score.quick_fids``):
these read the rows that have one."""

from __future__ import annotations

import numpy as np

NOT_LOSSES = ("epoch", "seconds", "quick_fid", "quick_fid_seconds")


def measured(history: list[dict]) -> list[dict]:
    """The rows with a quick FID."""
    return [row for row in history if row.get("quick_fid") is not None]


def stability_stats(history: list[dict], worsen_fraction: float) -> dict:
    """fid_worsened_epochs: measurements (after the first) whose quick FID exceeds the
    previous one by more than ``worsen_fraction`` (relative), out of ``epochs_considered``,
    the measurements after the first: measurable from 2 on. fid_spread (std / mean of the
    quick FID) and loss_variance (of the first loss column): over the second half of the
    epochs, informative for long runs only (one epoch at 2 or 3)."""
    half = history[len(history) // 2:]
    fids = np.array([row["quick_fid"] for row in measured(half)], dtype=float)
    loss_key = next(k for k in history[0] if k not in NOT_LOSSES)
    losses = np.array([row[loss_key] for row in half], dtype=float)
    prev = np.array([row["quick_fid"] for row in measured(history)], dtype=float)
    worsened = sum(1 for i in range(1, len(prev)) if prev[i] > prev[i - 1] * (1 + worsen_fraction))
    return {
        "epochs_considered": len(prev) - 1,
        "fid_spread": float(fids.std() / fids.mean()) if len(fids) > 1 else 0.0,
        "loss_key": loss_key,
        "loss_variance": float(losses.var()) if len(losses) > 1 else 0.0,
        "fid_worsened_epochs": int(worsened),
    }


CONVERGED_WITHIN = 0.1  # of the final quick FID


def convergence(history: list[dict], within: float = CONVERGED_WITHIN) -> dict:
    """convergence_epoch: the first measured epoch from which the quick FID stays within
    ``within`` (relative) of its final value; convergence_fraction: that epoch / all epochs.
    Early convergence is a small fraction; 1.0 says the last epoch was still moving (or, with
    1-2 epochs, that there was too little history to tell)."""
    taken = [(epoch, row["quick_fid"]) for epoch, row in enumerate(history, 1) if row.get("quick_fid") is not None]
    final = taken[-1][1]
    i = len(taken) - 1
    while i > 0 and abs(taken[i - 1][1] - final) <= within * abs(final):
        i -= 1
    epoch = taken[i][0]
    return {"convergence_epoch": epoch, "convergence_fraction": epoch / len(history)}


def stability_score(stats: dict) -> float:
    """1 - the share of epochs (after the first) whose quick FID got worse: 1 for training
    that improves every epoch. Within one run that is what 2 epochs can measure; the spread
    of the final FID across seeds (genbench.results.intervals.seed_summary) is the other half of stability."""
    return float(1.0 - stats["fid_worsened_epochs"] / max(stats["epochs_considered"], 1))
