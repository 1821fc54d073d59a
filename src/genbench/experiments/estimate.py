"""What a run of N epochs would cost, before it starts: each model's measured cost per epoch
(its training history's epoch seconds, quick FID included) times N, plus its sampling, from
the committed run's files; and the machine they were measured on, beside this one.

    genbench estimate --epochs 50
"""

from __future__ import annotations

import statistics
from pathlib import Path

from genbench.errors import ConfigError
from genbench.files import read_csv, read_json
from genbench.layout import stage_path


def model_cost(history: list[dict], sample_timings: dict, epochs: int) -> dict:
    """Seconds to train ``epochs`` epochs at the median measured epoch (every epoch after the
    first, whose warm-up is not typical, when there are several) and to draw the samples."""
    measured = [row["seconds"] for row in history] if history else []
    if not measured:
        raise ConfigError("no measured epochs in the training history")
    typical = statistics.median(measured[1:] if len(measured) > 1 else measured)
    sample = sample_timings["seconds"]
    return {"seconds_per_epoch": typical, "train_seconds": typical * epochs, "sample_seconds": sample,
            "total_seconds": typical * epochs + sample}


def estimate(models: list[str], epochs: int, root: Path = Path(".")) -> dict[str, dict]:
    """Per model: its cost at ``epochs`` epochs, from the committed run's history and timings."""
    out = {}
    for model in models:
        history = stage_path("train", model, index=1, root=root)
        timings = stage_path("sample", model, index=1, root=root)
        if not history.is_file() or not timings.is_file():
            raise ConfigError(f"{history}: missing; `dvc repro` measures each model's epoch first")
        out[model] = model_cost(read_csv(history), read_json(timings), epochs)
    return out


def measured_on(models: list[str], root: Path = Path(".")) -> str:
    """The processor and thread count the committed trainings ran with."""
    numerics = read_json(stage_path("train", models[0], index=2, root=root)).get("numerics", {})
    return f"{numerics.get('processor', '?')}, {numerics.get('threads', '?')} torch threads"


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.0f} s"


def report(costs: dict[str, dict], epochs: int, measured: str, here: str) -> str:
    """The table a user reads before a long run."""
    lines = [f"{'model':<10}{'s / epoch':>11}{'train':>11}{'sample':>10}{'total':>11}"]
    for model, c in costs.items():
        lines.append(f"{model:<10}{c['seconds_per_epoch']:>11.1f}{_duration(c['train_seconds']):>11}"
                     f"{_duration(c['sample_seconds']):>10}{_duration(c['total_seconds']):>11}")
    total = sum(c["total_seconds"] for c in costs.values())
    lines.append(f"{'all':<10}{'':>11}{'':>11}{'':>10}{_duration(total):>11}")
    lines.append(f"{epochs} epochs, one model after another (dvc repro); scoring adds about a minute a model.")
    lines.append(f"Measured on: {measured}. This machine: {here}."
                 + ("" if here.split(",")[0] == measured.split(",")[0] else " Another machine: expect another cost."))
    return "\n".join(lines)
