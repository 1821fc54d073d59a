"""Every figure of the comparison, drawn only from the pipeline's plot data.

Inputs are plain rows: the summary table (one row per model, written by normalize), the
per-epoch histories, the sampler sweeps, and the sample grids. Metric columns come from the
scorecard, so a new metric appears in the bars and the table without an edit here.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter  # noqa: E402
from PIL import Image  # noqa: E402

from genbench.results.agreement import rank_agreement  # noqa: E402
from genbench.results.catalogue import DIMENSIONS, HEADLINE, METRICS, STUDY_FIGURE, number  # noqa: E402
from genbench.results.tables import COLUMNS, cell  # noqa: E402
from genbench.results.stability import NOT_LOSSES, measured  # noqa: E402
from genbench.files import read_csv  # noqa: E402

DPI = 100
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


def metric_bars(rows, path):
    """One panel per scorecard metric: a bar per model (error bar where the metric has a
    std), the real-data value as a dashed line; models without the metric are left out."""
    cols, lines = 4, math.ceil(len(METRICS) / 4)
    fig, axes = plt.subplots(lines, cols, figsize=(4.2 * cols, 3.6 * lines), squeeze=False)
    for ax, m in zip(axes.flat, METRICS):
        shown = [(i, r) for i, r in enumerate(rows) if r[m.key] is not None]
        values = [r[m.key] for _, r in shown]
        errors = [r.get(f"{m.key}_std") for _, r in shown]
        bars = ax.bar([r["model"] for _, r in shown], values, color=[COLORS[i] for i, _ in shown],
                      yerr=errors if all(e is not None for e in errors) else None, capsize=4)
        ax.bar_label(bars, labels=[cell(v, m.digits) for v in values], padding=6, fontsize=8)
        ref = rows[0][f"{m.key}_real"]
        if ref is not None:
            ax.axhline(ref, color="black", linestyle="--", label=f"real data ({cell(ref, m.digits)})")
            ax.legend(loc="lower right", fontsize="small")
        top = max(values + [ref or 0], default=0)
        ax.set_ylim(0, top * 1.25 if top > 0 else 1)
        ax.set_title(f"{m.label} ({m.better} is better)" if m.better else m.label)
    for ax in list(axes.flat)[len(METRICS):]:
        ax.axis("off")
    fig.suptitle("Scorecard metrics in the evaluator's feature space (dashed: real data)")
    _save(fig, path)


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


def summary_table(rows, path):
    """The README's table as a figure: headline numbers of every model, with the real-data row."""
    header = ["model"] + [label for _, label, _, _ in COLUMNS]
    body = [[r["model"]] + [cell(r[k], d) for k, _, d, _ in COLUMNS] for r in rows]
    body.append(["real data"] + [cell(rows[0][ref], d) if ref else "" for _, _, d, ref in COLUMNS])
    fig, ax = plt.subplots(figsize=(2 + 1.25 * len(COLUMNS), 0.5 + 0.32 * (len(body) + 1)))
    ax.axis("off")
    table = ax.table(cellText=body, colLabels=header, loc="center", cellLoc="center")
    table.auto_set_font_size(False)
    table.set_fontsize(9)
    table.auto_set_column_width(list(range(len(header))))
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
            if key not in NOT_LOSSES:
                loss_ax.plot(epochs, [r[key] for r in rows], marker="o", markersize=3, label=key)
        loss_ax.set_title(name)
        loss_ax.set_xlabel("epoch")
        loss_ax.set_ylabel("loss / diagnostic (epoch mean)")
        loss_ax.legend(fontsize="small")
        fid_rows = measured(rows)  # the quick FID is taken after some epochs only
        fid_ax.plot([r["epoch"] for r in fid_rows], [r["quick_fid"] for r in fid_rows], marker="o", markersize=3,
                    color="tab:green")
        fid_ax.set_xlabel("epoch")
        fid_ax.set_ylabel("quick FID (log)")
        fid_ax.set_yscale("log")
        for ax in (loss_ax, fid_ax):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _save(fig, path)


def quality_over_training_time(histories: dict[str, list[dict]], path):
    """Which model is best for a training budget on this machine: every model's quick FID
    (where taken) against its cumulative training seconds (steps only), one line per model,
    both axes logarithmic. The quick FID is the histories' monitor (1,000 samples against
    training images, evaluator space), so it orders budgets, not the final scores."""
    fig, ax = plt.subplots(figsize=(8, 5.5))
    for name, rows in histories.items():
        elapsed, points = 0.0, []
        for row in rows:
            elapsed += row["seconds"]
            if row.get("quick_fid") is not None:
                points.append((elapsed / 60, row["quick_fid"]))
        if points:
            ax.plot(*zip(*points), marker="o", markersize=3, label=name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("training time on this machine (minutes, log; steps only)")
    ax.set_ylabel("quick FID (log; lower is better)")
    ax.set_title("Quality for a training budget: the best model at N minutes is the lowest line there")
    ax.legend(fontsize="small")
    ax.grid(True, which="both", alpha=0.3)
    _save(fig, path)


def sample_comparison(grids: dict[str, Path], path, headline: dict[str, float] | None = None):
    """Each model's sample grid side by side, titled with its headline number (FID) when
    ``headline`` has it."""
    fig, axes = plt.subplots(1, len(grids), figsize=(3.6 * len(grids), 4), squeeze=False)
    for ax, (name, grid) in zip(axes[0], grids.items()):
        ax.imshow(np.asarray(Image.open(grid).convert("L")), cmap="gray")
        value = (headline or {}).get(name)
        ax.set_title(name if value is None else f"{name}: {number(HEADLINE).label} {value:,.0f}")
        ax.axis("off")
    _save(fig, path)


def nearest_pairs(strips: dict[str, Path], path):
    """Each model's samples nearest the training set (top row of its strip) over their
    nearest training images (bottom row), one model under the other."""
    fig, axes = plt.subplots(len(strips), 1, figsize=(7, 1.9 * len(strips)), squeeze=False)
    for ax, (name, strip) in zip(axes[:, 0], strips.items()):
        ax.imshow(np.asarray(Image.open(strip).convert("L")), cmap="gray")
        ax.set_title(f"{name}: closest samples (top), nearest training images (bottom)", fontsize=9)
        ax.axis("off")
    _save(fig, path)


def sweep(model: str, series: dict[str, list[dict]], path):
    """One row per series of a model's sweep: KID (with its standard deviation over subsets),
    label accuracy and sampling time against the setting it varies (a categorical axis for
    text values)."""
    keys = [("kid", "KID (lower is better)", False), ("label_accuracy", "label accuracy", False),
            ("seconds_per_1000", "seconds per 1,000 samples (log)", True)]
    fig, axes = plt.subplots(len(series), 3, figsize=(13, 3.4 * len(series)), squeeze=False)
    for row_axes, (setting, rows) in zip(axes, series.items()):
        positions = list(range(len(rows)))
        for ax, (key, label, log) in zip(row_axes, keys):
            values = [r[key] for r in rows]
            if all(v is None for v in values):
                ax.axis("off")
                continue
            errors = [r[f"{key}_std"] for r in rows] if f"{key}_std" in rows[0] else None
            ax.errorbar(positions, values, yerr=errors, marker="o", color="tab:blue", capsize=3)
            ax.set_xticks(positions, [f"{r['value']:g}" if isinstance(r["value"], float) else str(r["value"])
                                      for r in rows])
            ax.set_xlabel(f"{setting} (n = {int(rows[0]['num_samples'])} samples)")
            ax.set_ylabel(label)
            if log:
                ax.set_yscale("log")
            else:
                ax.ticklabel_format(axis="y", useOffset=False)
    fig.suptitle(f"{model}: sampler settings, one varied at a time from the params' defaults")
    _save(fig, path)


def seed_intervals(summary: dict, real: dict, path):
    """One panel per scorecard metric and normalized score: each model's mean over seeds
    with its 95 % confidence interval as the error bar (none with one seed), the real-data
    value dashed; the number of seeds in the title."""
    keys = [(m.key, m.label, m.digits) for m in METRICS] + [
        (d, d, 2) for d in DIMENSIONS + ["overall_distance", "seed_stability"]]
    keys = [k for k in keys if any(k[0] in s for s in summary.values())]
    cols = 4
    fig, axes = plt.subplots(math.ceil(len(keys) / cols), cols,
                             figsize=(4.2 * cols, 3.6 * math.ceil(len(keys) / cols)), squeeze=False)
    models = list(summary)
    for ax, (key, label, digits) in zip(axes.flat, keys):
        shown = [(i, m) for i, m in enumerate(models) if isinstance(summary[m].get(key), dict)]
        means = [summary[m][key]["mean"] for _, m in shown]
        errors = [[0 if summary[m][key]["ci_low"] is None else summary[m][key]["mean"] - summary[m][key]["ci_low"]
                   for _, m in shown],
                  [0 if summary[m][key]["ci_high"] is None else summary[m][key]["ci_high"] - summary[m][key]["mean"]
                   for _, m in shown]]
        if key == "seed_stability":  # one value per model across seeds, no interval
            shown = [(i, m) for i, m in enumerate(models) if summary[m].get(key) is not None]
            means, errors = [summary[m][key] for _, m in shown], None
        bars = ax.bar([m for _, m in shown], means, color=[COLORS[i] for i, _ in shown], yerr=errors, capsize=4)
        ax.bar_label(bars, labels=[cell(v, digits) for v in means], padding=6, fontsize=8)
        if real.get(key) is not None:
            ax.axhline(real[key], color="black", linestyle="--", label=f"real data ({cell(real[key], digits)})")
            ax.legend(loc="upper right", fontsize="small")
        top = max([h + (e or 0) for h, e in zip(means, errors[1] if errors else [0] * len(means))]
                  + [real.get(key) or 0], default=0)
        ax.set_ylim(0, top * 1.25 if top > 0 else 1)
        ax.tick_params(axis="x", labelrotation=45)
        ax.set_title(label)
    for ax in list(axes.flat)[len(keys):]:
        ax.axis("off")
    seeds = sorted({s for m in summary.values() for s in m["seeds"]})
    fig.suptitle(f"Mean over seeds {', '.join(map(str, seeds))} with 95 % confidence intervals (Student t); "
                 "dashed: real data")
    _save(fig, path)


def space_ranks(rows, path):
    """One panel per measure taken in several feature spaces: each model's rank (1 = best) in
    each space, a line per model; parallel lines mean the spaces agree, crossings that the
    ordering depends on the space. Kendall's tau of every pair of spaces in the title."""
    real = {m.key: rows[0].get(f"{m.key}_real") for m in METRICS} if rows else {}
    agreement = rank_agreement({r["model"]: r for r in rows}, real)
    cols = 3
    lines = max(1, math.ceil(len(agreement) / cols))
    fig, axes = plt.subplots(lines, cols, figsize=(4.6 * cols, 3.8 * lines), squeeze=False)
    colors = {r["model"]: COLORS[i % len(COLORS)] for i, r in enumerate(rows)}
    for ax, (measure, a) in zip(axes.flat, agreement.items()):
        spaces = list(a["ranks"])
        for model in a["ranks"][spaces[0]]:
            ax.plot(range(len(spaces)), [a["ranks"][s][model] for s in spaces], "o-", color=colors[model],
                    label=model)
        ax.set_xticks(range(len(spaces)), spaces)
        ax.set_ylim(len(a["ranks"][spaces[0]]) + 0.5, 0.5)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        taus = ", ".join("n/a" if t is None else f"{t:.2f}" for t in a["kendall_tau"].values())
        ax.set_title(f"{number(measure).label}: rank per space\nKendall's tau {taus}", fontsize=10)
        ax.set_ylabel("rank (1 = best)")
    for ax in list(axes.flat)[len(agreement):]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False)
    fig.subplots_adjust(bottom=0.12)
    _save(fig, path)


def render_all(summary: Path, history_dir: Path, sweeps_dir: Path, grids_dir: Path, nearest_dir: Path,
               out: Path) -> list[Path]:
    """Draw every figure into ``out``: the comparison figures from the summary table, the
    training curves from each model's history, a side-by-side of the models' grids, the
    models' memorization pairs one above the other, and one figure per model sweep (each a
    folder of series tables under ``sweeps_dir``)."""
    out.mkdir(parents=True, exist_ok=True)
    rows = read_csv(summary)
    models = [r["model"] for r in rows]
    drawn = {
        "radar.png": lambda p: radar(rows, p),
        "heatmap.png": lambda p: heatmap(rows, p),
        "metrics.png": lambda p: metric_bars(rows, p),
        "space_ranks.png": lambda p: space_ranks(rows, p),
        "timings.png": lambda p: timings(rows, p),
        "tradeoff_3d.png": lambda p: tradeoff_3d(rows, p),
        "summary_table.png": lambda p: summary_table(rows, p),
        "training_curves.png": lambda p: training_curves(
            {m: read_csv(history_dir / f"{m}.csv") for m in models}, p),
        "quality_over_time.png": lambda p: quality_over_training_time(
            {m: read_csv(history_dir / f"{m}.csv") for m in models}, p),
        "samples_side_by_side.png": lambda p: sample_comparison(
            {m: grids_dir / m / "grid.png" for m in models}, p, {r["model"]: r[HEADLINE] for r in rows}),
        "memorization.png": lambda p: nearest_pairs({m: nearest_dir / f"{m}.png" for m in models}, p),
    }
    for model in models:
        tables = sorted((sweeps_dir / model).glob("*.csv")) if (sweeps_dir / model).is_dir() else []
        if tables:
            drawn[f"sweep_{model}.png"] = lambda p, m=model, t=tables: sweep(
                m, {f.stem: read_csv(f) for f in t}, p)
    for filename, draw in drawn.items():
        draw(out / filename)
    return [out / f for f in drawn]


def study(summary: dict, path):
    """A study (genbench.results.intervals.study_summary): its catalogued figure metrics against the varied
    param, one line per model, each point the mean over its seeds with the 95 % interval as
    the error bar (none with one seed); the values evenly spaced, in the study's order."""
    panels = [(k, number(k).header + (" (log)" if number(k).log_scale else ""), number(k).log_scale)
              for k in STUDY_FIGURE]
    short_key = summary["key"].rsplit(".", 1)[-1]
    labels = [f"{short_key}={json.dumps(v)}" for v in summary["values"]]
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.8), squeeze=False)
    for ax, (key, title, log) in zip(axes.flat, panels):
        for i, (model, per_value) in enumerate(summary["models"].items()):
            xs = [x for x, label in enumerate(labels) if key in per_value.get(label, {})]
            stats = [per_value[labels[x]][key] for x in xs]
            errors = [[0 if s["ci_low"] is None else s["mean"] - s["ci_low"] for s in stats],
                      [0 if s["ci_high"] is None else s["ci_high"] - s["mean"] for s in stats]]
            ax.errorbar(xs, [s["mean"] for s in stats], yerr=errors, marker="o", capsize=4,
                        color=COLORS[i % len(COLORS)], label=model)
        ax.set_xticks(range(len(labels)), [json.dumps(v) for v in summary["values"]])
        ax.set_xlabel(short_key)
        if log:
            ax.set_yscale("log")
        ax.set_title(title)
    axes.flat[0].legend(fontsize="small")
    seeds = sorted({s for per_value in summary["models"].values() for e in per_value.values() for s in e["seeds"]})
    fig.suptitle(f"{summary['title']}: mean over seeds {', '.join(map(str, seeds))}, "
                 "95 % confidence intervals (Student t) where there are several")
    _save(fig, path)


def study_not_collected(name: str, path):
    """A study defined but not collected yet: a figure that says so and how to make it."""
    fig, ax = plt.subplots(figsize=(6, 1.6))
    ax.axis("off")
    ax.text(0.5, 0.5, f"study {name}: not collected yet\n(make study STUDY={name})", ha="center", va="center")
    _save(fig, path)
