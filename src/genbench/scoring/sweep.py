"""A model's sampler settings against quality and time: each series of the model's sweep
varies one setting of its ``sample`` section, the others kept at their params values."""

from __future__ import annotations

from genbench.config import SweepConfig
from genbench.scoring.metrics.classes import label_accuracy
from genbench.scoring.metrics.fid import fid
from genbench.scoring.metrics.kid import kid
from genbench.models.base import GenerativeModel
from genbench.sampling import generate
from genbench.scoring.scorecard import Yardstick


def _label(setting: str, value) -> str:
    return f"{setting}={value:g}" if isinstance(value, (int, float)) else f"{setting}={value}"


def run_sweep(model: GenerativeModel, defaults: dict, sweep: SweepConfig, yardstick: Yardstick,
              seed: int) -> dict[str, list[dict]]:
    """Rows per series: seconds per 1,000 samples, KID and FID (evaluator features, against
    MNIST test) and the reader's label accuracy for each value, and time and FID relative to the series' row at the
    default value. KID is the unbiased measure at a sweep's 100-300 samples; FID is biased
    upwards there (and more so for fewer samples), so its rows compare within a series only."""
    generate(model, sweep.batch_size, seed + 1, sweep.batch_size, **defaults)  # warm-up, not timed
    result = {}
    for series in sweep.series:
        rows = []
        for value in series.values:
            settings = {**defaults, series.setting: value}
            images, labels, seconds = generate(model, series.num_samples, seed, sweep.batch_size,
                                               progress=True, **settings)
            seen = yardstick.look(images, labels)
            feats, probs, real_features = seen.features["evaluator"], seen.probs, yardstick.real_test("evaluator")
            rows.append({"setting": series.setting, "value": value, "label": _label(series.setting, value),
                         "num_samples": series.num_samples,
                         "seconds_per_1000": seconds / series.num_samples * 1000,
                         **dict(zip(("kid", "kid_std"), kid(feats, real_features))),
                         "fid": fid(feats, real_features),
                         "label_accuracy": label_accuracy(probs, labels)[0] if model.conditional else None})
            print(rows[-1])
        default = next((r for r in rows if r["value"] == defaults[series.setting]), None)
        for r in rows:
            r["seconds_vs_default"] = r["seconds_per_1000"] / default["seconds_per_1000"] if default else None
            r["fid_vs_default"] = r["fid"] / default["fid"] if default else None
        result[series.setting] = rows
    return result
