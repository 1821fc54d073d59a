"""FID across seeds, from DVC experiments.

Run the same pipeline with several seeds as experiments, then collect:

    dvc exp run --queue -S seed=1
    dvc exp run --queue -S seed=2
    dvc queue start && dvc queue status     # wait until they have run
    python -m genbench.seeds                # mean and std of each model's FID over seeds

Reads ``dvc.api.exp_show()`` (the workspace, the baseline commit and its experiments) and
writes ``metrics/seeds.json`` with, per model, the seeds found, their FIDs, mean and std
(sample standard deviation; null with fewer than two seeds).
"""

from __future__ import annotations

import json
import math
import re
import statistics
from pathlib import Path

from scipy import stats

# exp_show names a column by its key alone when that is unique, else "path:key"; values are floats.
FID_KEY = re.compile(r"^(?:metrics/scores/(?P<model>[^/]+)\.json:)?fid$")


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


def fid_across_seeds(rows: list[dict]) -> dict:
    """Group exp_show rows by seed; one FID per (model, seed), conflicting repeats refused."""
    per_model: dict[str, dict[int, float]] = {}
    for row in rows:
        seed = row.get("seed", row.get("params.yaml:seed"))
        if seed is None:
            continue
        seed = int(seed)
        for key, value in row.items():
            match = FID_KEY.search(key)
            if not match or value is None:
                continue
            seen = per_model.setdefault(match["model"] or "the only model", {})
            if seed in seen and seen[seed] != value:
                raise ValueError(f"{match['model']}: seed {seed} has two FIDs ({seen[seed]}, {value}); "
                                 "compare runs of the same code and params only")
            seen[seed] = value
    result = {}
    for model, by_seed in sorted(per_model.items()):
        seeds = sorted(by_seed)
        fids = [by_seed[s] for s in seeds]
        result[model] = {"seeds": seeds, "fid": fids, "mean": statistics.fmean(fids),
                         "std": statistics.stdev(fids) if len(fids) > 1 else None}
    return result


def main():
    import dvc.api

    result = fid_across_seeds(dvc.api.exp_show())
    Path("metrics").mkdir(exist_ok=True)
    Path("metrics/seeds.json").write_text(json.dumps(result, indent=2) + "\n")
    for model, r in result.items():
        std = "n/a" if r["std"] is None else f"{r['std']:.3f}"
        print(f"{model}: FID {r['mean']:.3f} ± {std} over seeds {r['seeds']}")


if __name__ == "__main__":
    main()
