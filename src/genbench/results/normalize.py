"""Map one model's numbers to four dimensions in [0, 1] (higher is better).

Each score uses only that model's own numbers and the fixed constants in params.yaml
(section ``normalize``), never the other models in the run: adding or removing a model,
or comparing two runs, moves nobody else's score. Quality and controllability come from
the scorecard's metrics that feed them, stability from the training history, efficiency
from the measured times. The README documents every formula.
"""

from __future__ import annotations

import math

import numpy as np

from genbench.config import NormalizeConfig
from genbench.results.catalogue import DIMENSIONS, METRICS, feeding
from genbench.results.stability import convergence, stability_score, stability_stats

# The summary keys that depend on measured times: written apart (metrics/timings/), so a
# re-run with identical weights changes none of metrics/summary.json.
TIMING_KEYS = ("efficiency", "overall_mean", "sample_seconds_per_1000", "train_seconds",
               "train_seconds_per_epoch")


def log_scale(value: float, best: float, worst: float) -> float:
    """1 at ``best`` (or better), 0 at ``worst`` (or worse), linear in log(value) between."""
    value = max(value, 1e-12)
    t = (math.log(worst) - math.log(value)) / (math.log(worst) - math.log(best))
    return float(min(max(t, 0.0), 1.0))


def normalize_model(scores: dict, history: list[dict], train: dict, train_timings: dict,
                    sample_timings: dict, c: NormalizeConfig) -> dict:
    """The four dimensions, the two overall scores, and the raw numbers behind stability and
    efficiency (``scores``: metrics/scores/MODEL.json; ``train``: metrics/train/MODEL.json;
    ``train_timings``/``sample_timings``: the stages' files under metrics/timings/)."""
    stats = stability_stats(history, c.stability_worsen_fraction)
    quality = log_scale(scores[feeding("quality")], c.fid_best, c.fid_worst)
    stability = stability_score(stats)
    acc = scores[feeding("controllability")]
    controllability = 0.0 if acc is None else float(min(max((acc - 0.1) / 0.9, 0.0), 1.0))
    efficiency = 0.5 * (
        log_scale(sample_timings["seconds_per_1000"], c.sample_seconds_best, c.sample_seconds_worst)
        + log_scale(train_timings["train_seconds"], c.train_seconds_best, c.train_seconds_worst))
    q_s_c = np.array([quality, stability, controllability])
    return {
        "quality": quality,
        "stability": stability,
        "controllability": controllability,
        "efficiency": efficiency,
        "overall_mean": float(np.mean([quality, stability, controllability, efficiency])),
        "overall_distance": float(1 - np.linalg.norm(q_s_c - 1) / math.sqrt(3)),
        "fid_spread": stats["fid_spread"],
        "fid_worsened_epochs": stats["fid_worsened_epochs"],
        "loss_variance": stats["loss_variance"],
        **convergence(history),
        "epochs": train["epochs"],
        "parameters": train["parameters"],
        "sample_seconds_per_1000": sample_timings["seconds_per_1000"],
        "train_seconds": train_timings["train_seconds"],
        "train_seconds_per_epoch": train_timings["train_seconds_per_epoch"],
    }


def split_timings(summary: dict) -> tuple[dict, dict]:
    """A model's summary without, and with only, the keys that depend on measured times."""
    return ({k: v for k, v in summary.items() if k not in TIMING_KEYS},
            {k: v for k, v in summary.items() if k in TIMING_KEYS})


def summary_row(name: str, scores: dict, reference: dict, summary: dict) -> dict:
    """One model's row of plots/summary.csv: every scorecard metric (with its std where it
    has one) beside its real-data value, then the model's summary; every comparison figure
    and the README table are drawn from these rows."""
    row = {"model": name}
    for m in METRICS:
        row[m.key] = scores[m.key]
        if f"{m.key}_std" in scores:
            row[f"{m.key}_std"] = scores[f"{m.key}_std"]
        row[f"{m.key}_real"] = reference[m.key]
    return {**row, **summary}
