"""Every figure of the comparison, drawn only from the pipeline's metrics and histories.

Inputs are plain rows: the summary table (``plots/summary.csv``: one row per model), the
per-epoch histories, the DDPM sampler and guidance sweeps, and the sample grids the sample stage drew.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
from PIL import Image  # noqa: E402

DPI = 100
DIMENSIONS = ["quality", "stability", "controllability", "efficiency"]
COLORS = plt.get_cmap("tab10").colors


def _save(fig, path):
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def _names(rows):
    return [r["model"] for r in rows]


def radar(rows, path):
    """The four normalized dimensions, one polygon per model."""
    angles = np.linspace(0, 2 * np.pi, len(DIMENSIONS), endpoint=False).tolist()
    fig, ax = plt.subplots(figsize=(6, 6), subplot_kw={"polar": True})
    for i, r in enumerate(rows):
        values = [r[d] for d in DIMENSIONS]
        ax.plot(angles + angles[:1], values + values[:1], color=COLORS[i], label=r["model"])
        ax.fill(angles + angles[:1], values + values[:1], color=COLORS[i], alpha=0.1)
    ax.set_xticks(angles, DIMENSIONS)
    ax.set_ylim(0, 1)
    ax.set_title("Normalized dimensions (1 = best)", pad=20)
    ax.legend(loc="upper right", bbox_to_anchor=(1.25, 1.1))
    _save(fig, path)


def heatmap(rows, path):
    """Models x normalized scores, value in each cell."""
    cols = DIMENSIONS + ["overall_mean", "overall_distance"]
    data = np.array([[r[c] for c in cols] for r in rows])
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.6 * len(rows)))
    im = ax.imshow(data, cmap="viridis", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(cols)), [c.replace("_", "\n") for c in cols])
    ax.set_yticks(range(len(rows)), _names(rows))
    for i in range(len(rows)):
        for j in range(len(cols)):
            ax.text(j, i, f"{data[i, j]:.2f}", ha="center", va="center",
                    color="white" if data[i, j] < 0.6 else "black")
    fig.colorbar(im, ax=ax, label="score (1 = best)")
    ax.set_title("Normalized scores")
    _save(fig, path)


def _bars(rows, path, key, ref_key, ylabel, title, err_key=None):
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    values = [r[key] for r in rows]
    errors = [r[err_key] for r in rows] if err_key else None
    bars = ax.bar(_names(rows), values, yerr=errors, capsize=4, color=COLORS[: len(rows)])
    ax.bar_label(bars, fmt="%.2f", padding=3)
    ref = rows[0][ref_key]
    ax.axhline(ref, color="black", linestyle="--", label=f"real data ({ref:.2f})")
    ax.set_ylim(0, max(values + [ref]) * 1.2)
    ax.set_xlabel("model")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="upper right")
    _save(fig, path)


def fid_bars(rows, path):
    _bars(rows, path, "fid", "fid_real", "FID in evaluator features (lower is better)",
          "FID vs MNIST test (real: train vs test)")


def is_bars(rows, path):
    _bars(rows, path, "inception_score", "inception_score_real",
          "Inception Score, evaluator softmax (higher is better)",
          "Inception Score, mean ± std over 10 splits", err_key="inception_score_std")


def timings(rows, path):
    """Sampling seconds per 1,000 images and training seconds, both on log scales."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
    for ax, key, label in [(axes[0], "sample_seconds_per_1000", "sampling seconds per 1,000 images"),
                           (axes[1], "train_seconds", "training seconds")]:
        values = [r[key] for r in rows]
        bars = ax.bar(_names(rows), values, color=COLORS[: len(rows)])
        ax.bar_label(bars, labels=[f"{v:.3g}" for v in values], padding=3)
        ax.set_yscale("log")
        ax.set_ylim(min(values) / 3, max(values) * 5)
        ax.set_xlabel("model")
        ax.set_ylabel(f"{label} (log scale)")
        ax.set_title(label.capitalize())
    _save(fig, path)


def tradeoff_3d(rows, path):
    """Quality / stability / controllability with the ideal corner (1, 1, 1)."""
    fig = plt.figure(figsize=(7, 6))
    ax = fig.add_subplot(projection="3d")
    for i, r in enumerate(rows):
        ax.scatter(r["quality"], r["stability"], r["controllability"], s=80, color=COLORS[i],
                   label=f"{r['model']} (distance score {r['overall_distance']:.2f})")
        ax.plot([r["quality"], 1], [r["stability"], 1], [r["controllability"], 1],
                color=COLORS[i], linestyle=":", linewidth=1)
    ax.scatter(1, 1, 1, marker="*", s=250, color="gold", edgecolor="black", label="ideal (1, 1, 1)")
    ax.set_xlim(0, 1), ax.set_ylim(0, 1), ax.set_zlim(0, 1)
    ax.set_xlabel("quality"), ax.set_ylabel("stability"), ax.set_zlabel("controllability")
    ax.set_title("Trade-offs: 1 - |(q, s, c) - (1, 1, 1)| / sqrt(3)")
    ax.legend(loc="upper left", fontsize="small")
    _save(fig, path)


def _fmt(value, digits=3):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.{digits}g}" if abs(value) < 1e4 else f"{value:,.0f}"


TABLE_COLUMNS = [("model", "model"), ("fid", "FID"), ("inception_score", "IS"),
                 ("label_accuracy", "label acc."), ("cas", "CAS"), ("precision", "precision"),
                 ("recall", "recall"), ("sample_seconds_per_1000", "s/1k samples"),
                 ("train_seconds", "train s"), ("overall_distance", "distance")]


def summary_table(rows, path):
    """Headline numbers of every model, with the real-data reference row."""
    header = [label for _, label in TABLE_COLUMNS]
    body = [[r["model"]] + [_fmt(r[k]) for k, _ in TABLE_COLUMNS[1:]] for r in rows]
    ref = rows[0]
    body.append(["real data", _fmt(ref["fid_real"]), _fmt(ref["inception_score_real"]),
                 _fmt(ref["label_accuracy_real"]), _fmt(ref["cas_real"]),
                 _fmt(ref["precision_real"]), _fmt(ref["recall_real"]), "", "", ""])
    fig, ax = plt.subplots(figsize=(13, 0.5 + 0.32 * (len(body) + 1)))
    ax.axis("off")
    table = ax.table(cellText=body, colLabels=header, loc="center", cellLoc="center")
    table.auto_set_font_size(False)
    table.set_fontsize(10)
    table.scale(1, 1.4)
    ax.set_title("Headline numbers (evaluator feature space; real data for reference)")
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)


def training_curves(histories: dict[str, list[dict]], path):
    """One column per model: losses per epoch (top) and quick FID per epoch (bottom)."""
    n = len(histories)
    fig, axes = plt.subplots(2, n, figsize=(4.2 * n, 7), squeeze=False)
    for col, (name, rows) in enumerate(histories.items()):
        epochs = [r["epoch"] for r in rows]
        loss_ax, fid_ax = axes[0][col], axes[1][col]
        for key in rows[0]:
            if key not in ("epoch", "seconds", "quick_fid"):
                loss_ax.plot(epochs, [r[key] for r in rows], marker="o", markersize=3, label=key)
        loss_ax.set_title(name)
        loss_ax.set_xlabel("epoch")
        loss_ax.set_ylabel("loss / diagnostic (epoch mean)")
        loss_ax.legend(fontsize="small")
        fid_ax.plot(epochs, [r["quick_fid"] for r in rows], marker="o", markersize=3, color="tab:green")
        fid_ax.set_xlabel("epoch")
        fid_ax.set_ylabel("quick FID (log)")
        fid_ax.set_yscale("log")
        for ax in (loss_ax, fid_ax):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _save(fig, path)


def sample_comparison(grids: dict[str, Path], path):
    """Each model's sample grid side by side."""
    fig, axes = plt.subplots(1, len(grids), figsize=(3.6 * len(grids), 4), squeeze=False)
    for ax, (name, grid) in zip(axes[0], grids.items()):
        ax.imshow(np.asarray(Image.open(grid).convert("L")), cmap="gray")
        ax.set_title(name)
        ax.axis("off")
    _save(fig, path)


def sweep(rows, path):
    """DDPM: FID and label accuracy against sampling seconds per 1,000 images."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    usual_n = int(rows[0]["num_samples"])
    for ax, key, label in [(axes[0], "fid", "FID (lower is better)"),
                           (axes[1], "label_accuracy", "label accuracy")]:
        for i, r in enumerate(rows):
            ancestral = r["sampler"] == "ancestral"
            ax.scatter(r["seconds_per_1000"], r[key], marker="s" if ancestral else "o", s=60,
                       color="tab:red" if ancestral else "tab:blue")
            text = "ancestral" if ancestral else f"DDIM {int(r['sample_steps'])}"
            if int(r["num_samples"]) != usual_n:
                text += f", n={int(r['num_samples'])}"
            ax.annotate(text, (r["seconds_per_1000"], r[key]), textcoords="offset points",
                        xytext=(6, 6 if i % 2 == 0 else -12), fontsize=8)  # alternate: no overlaps
        ax.set_xscale("log")
        ax.set_xlabel("sampling seconds per 1,000 images (log)")
        ax.set_ylabel(label)
        ax.margins(x=0.3, y=0.15)
    fig.suptitle(f"DDPM samplers: quality against time (blue: DDIM, red: ancestral; "
                 f"n={usual_n} samples unless marked)")
    _save(fig, path)


def guidance(rows, path):
    """DDPM: FID and label accuracy against the classifier-free guidance scale."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    scales = [r["guidance"] for r in rows]
    for ax, key, label in [(axes[0], "fid", "FID (lower is better)"),
                           (axes[1], "label_accuracy", "label accuracy")]:
        ax.plot(scales, [r[key] for r in rows], marker="o", color="tab:blue")
        ax.set_xticks(scales)
        ax.set_xlabel("guidance scale (0: plain conditional prediction)")
        ax.set_ylabel(label)
    n = int(rows[0]["num_samples"])
    fig.suptitle(f"DDPM classifier-free guidance (default sampler, {n} samples each)")
    _save(fig, path)


def render_all(models: list[str], plots_dir: Path, out: Path) -> list[Path]:
    """Draw every figure into ``out`` from the data files under ``plots_dir``."""
    from genbench.utils import read_csv

    out.mkdir(parents=True, exist_ok=True)
    rows = read_csv(plots_dir / "summary.csv")
    histories = {name: read_csv(plots_dir / "history" / f"{name}.csv") for name in models}
    grids = {name: plots_dir / "samples" / name / "grid.png" for name in models}
    drawn = {
        "radar.png": lambda p: radar(rows, p),
        "heatmap.png": lambda p: heatmap(rows, p),
        "fid.png": lambda p: fid_bars(rows, p),
        "inception_score.png": lambda p: is_bars(rows, p),
        "timings.png": lambda p: timings(rows, p),
        "tradeoff_3d.png": lambda p: tradeoff_3d(rows, p),
        "summary_table.png": lambda p: summary_table(rows, p),
        "training_curves.png": lambda p: training_curves(histories, p),
        "samples_side_by_side.png": lambda p: sample_comparison(grids, p),
    }
    if "ddpm" in models:
        drawn["ddpm_sweep.png"] = lambda p: sweep(read_csv(plots_dir / "sweep" / "ddpm.csv"), p)
        drawn["ddpm_guidance.png"] = lambda p: guidance(
            read_csv(plots_dir / "sweep" / "ddpm_guidance.csv"), p)
    for filename, draw in drawn.items():
        draw(out / filename)
    return [out / f for f in drawn]
