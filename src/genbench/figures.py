"""Figures drawn only from the pipeline's metrics and histories (matplotlib, Agg backend)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

DPI = 100


def _save(fig, path):
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def fid_bars(rows: list[dict], path) -> None:
    """FID per model (lower is better) with the real train-vs-test FID as a reference line."""
    fig, ax = plt.subplots(figsize=(6, 4))
    names = [r["model"] for r in rows]
    values = [r["fid"] for r in rows]
    bars = ax.bar(names, values, color="tab:blue")
    ax.bar_label(bars, fmt="%.2f", padding=2)
    ax.axhline(rows[0]["fid_real"], color="tab:red", linestyle="--",
               label=f"real train vs test ({rows[0]['fid_real']:.2f})")
    ax.set_ylabel("FID (evaluator features, lower is better)")
    ax.set_xlabel("model")
    ax.set_title("FID vs MNIST test")
    ax.set_ylim(0, max(values) * 1.15)
    ax.legend(loc="upper left")
    _save(fig, path)


def training_curves(histories: dict[str, list[dict]], path) -> None:
    """One column per model: its losses per epoch (top) and quick FID per epoch (bottom)."""
    n = len(histories)
    fig, axes = plt.subplots(2, n, figsize=(4 * n, 6), squeeze=False)
    for col, (name, rows) in enumerate(histories.items()):
        epochs = [r["epoch"] for r in rows]
        loss_ax, fid_ax = axes[0][col], axes[1][col]
        for key in rows[0]:
            if key not in ("epoch", "seconds", "quick_fid"):
                loss_ax.plot(epochs, [r[key] for r in rows], marker="o", label=key)
        loss_ax.set_title(name)
        loss_ax.set_xlabel("epoch")
        loss_ax.set_ylabel("loss / diagnostic")
        loss_ax.legend(fontsize="small")
        fid_ax.plot(epochs, [r["quick_fid"] for r in rows], marker="o", color="tab:green")
        fid_ax.set_xlabel("epoch")
        fid_ax.set_ylabel("quick FID")
        fid_ax.set_yscale("log")
    _save(fig, path)
