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


def stability_score(stats: dict, c: NormalizeConfig) -> float:
    """(1 - spread / spread_worst) x (1 - share of second-half epochs whose FID worsened)."""
    spread_term = 1.0 - min(stats["fid_spread"] / c.stability_fid_spread_worst, 1.0)
    worsened_term = 1.0 - stats["fid_worsened_epochs"] / max(stats["epochs_considered"], 1)
    return float(max(spread_term * worsened_term, 0.0))


def summary_row(scores: dict, dims: dict) -> dict:
    """One model's headline numbers, its real-data references and normalized scores: a row
    of plots/summary.csv, which every comparison figure is drawn from."""
    ref, eff = scores["reference"], scores["efficiency"]
    return {
        "model": scores["model"],
        "fid": scores["fid"], "fid_real": ref["fid_train_vs_test"],
        "inception_score": scores["inception_score"]["mean"],
        "inception_score_std": scores["inception_score"]["std"],
        "inception_score_real": ref["inception_score_test"]["mean"],
        "label_accuracy": scores["label_accuracy"], "label_accuracy_real": ref["label_accuracy_test"],
        "cas": scores["cas"], "cas_real": ref["cas_real"],
        "precision": scores["precision"], "precision_real": ref["precision_train_vs_test"],
        "recall": scores["recall"], "recall_real": ref["recall_train_vs_test"],
        "class_entropy": scores["class_entropy"],
        "sample_seconds_per_1000": eff["sample_seconds_per_1000"],
        "train_seconds": eff["train_seconds"],
        "parameters": eff["parameters"],
        **dims,
    }


def normalize_model(scores: dict, c: NormalizeConfig) -> dict:
    quality = log_scale(scores["fid"], c.fid_best, c.fid_worst)
    stability = stability_score(scores["stability"], c)
    acc = scores.get("label_accuracy")
    controllability = 0.0 if acc is None else float(min(max((acc - 0.1) / 0.9, 0.0), 1.0))
    efficiency = 0.5 * (
        log_scale(scores["efficiency"]["sample_seconds_per_1000"], c.sample_seconds_best, c.sample_seconds_worst)
        + log_scale(scores["efficiency"]["train_seconds"], c.train_seconds_best, c.train_seconds_worst))
    q_s_c = np.array([quality, stability, controllability])
    return {
        "quality": quality,
        "stability": stability,
        "controllability": controllability,
        "efficiency": efficiency,
        "overall_mean": float(np.mean([quality, stability, controllability, efficiency])),
        "overall_distance": float(1 - np.linalg.norm(q_s_c - 1) / math.sqrt(3)),
    }
