"""Results over seeds: each number's mean with its Student-t confidence interval over
independent runs, per model (the seeds table) and per model and value of a study."""

from __future__ import annotations

import json
import math
import statistics

from scipy import stats

from genbench.results.catalogue import STUDY_SUMMARY

# Columns of a per-seed row that are not one model's result to average.
NOT_AVERAGED = ("model", "seed", "rev")


def interval(values: list[float], confidence: float = 0.95) -> dict:
    """Mean, sample standard deviation and the two-sided Student-t confidence interval of
    the mean of ``values`` (independent runs: one per seed); std and interval are None for
    fewer than two values."""
    n = len(values)
    mean = statistics.fmean(values)
    if n < 2:
        return {"n": n, "mean": mean, "std": None, "ci_low": None, "ci_high": None}
    std = statistics.stdev(values)
    half = float(stats.t.ppf((1 + confidence) / 2, n - 1)) * std / math.sqrt(n)
    return {"n": n, "mean": mean, "std": std, "ci_low": mean - half, "ci_high": mean + half}


def seed_summary(rows: list[dict], cv_worst: float, confidence: float = 0.95) -> dict:
    """Per model: the seeds, every numeric column's interval over them (real-data values and
    per-run standard deviations left out: they do not vary with the model's seed), the
    coefficient of variation of the final FID across seeds (``fid_cv``, std / mean) and the
    stability it gives, ``seed_stability`` = 1 - min(fid_cv / cv_worst, 1)."""
    result = {}
    for model in dict.fromkeys(r["model"] for r in rows):
        mine = [r for r in rows if r["model"] == model]
        seeds = [int(float(r["seed"])) for r in mine]
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"{model}: seed listed twice in {seeds}")
        summary = {"seeds": sorted(seeds)}
        for key in mine[0]:
            if key in NOT_AVERAGED or key.endswith(("_real", "_std")):
                continue
            values = [r[key] for r in mine]
            if any(not isinstance(v, (int, float)) for v in values):
                continue  # a null metric (label accuracy of an unconditional model)
            summary[key] = interval(values, confidence)
        fid = summary["fid"]
        summary["fid_cv"] = None if fid["std"] is None else fid["std"] / fid["mean"]
        summary["seed_stability"] = (None if summary["fid_cv"] is None
                                     else 1.0 - min(summary["fid_cv"] / cv_worst, 1.0))
        result[model] = summary
    return result


def study_summary(study, rows: list[dict], confidence: float = 0.95) -> dict:
    """Per model and value (``"lr=0.0002"``), each metric's mean with its Student-t interval
    over the point's seeds (``interval``). ``study``: a genbench.experiments.studies.Study;
    ``rows`` as its study_rows writes them
    (text cells; an empty cell is a metric the model does not have)."""
    models = {}
    for model in study.models:
        per_value = {}
        for value in map(json.dumps, study.values):
            mine = [r for r in rows if r["model"] == model and r[study.short_key] == value]
            if not mine:
                continue
            entry = {"seeds": sorted(int(r["seed"]) for r in mine)}
            for key in STUDY_SUMMARY:
                if all(r.get(key) not in (None, "") for r in mine):
                    entry[key] = interval([float(r[key]) for r in mine], confidence)
            per_value[f"{study.short_key}={value}"] = entry
        models[model] = per_value
    return {"title": study.title, "claim": study.claim, "key": study.key, "values": list(study.values),
            "fixed": study.fixed, "models": models}
