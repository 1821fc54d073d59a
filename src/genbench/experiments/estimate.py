"""What a run of N epochs would cost, before it starts: each model's measured cost per epoch
(its training history's epoch seconds, plus its quick FIDs at the protocol's spacing) times N,
plus its sampling, from the committed run's files; and the machine they were measured on,
beside this one. While a run trains, ``run_progress`` says where the whole run stands.

    genbench estimate --epochs 50
"""

from __future__ import annotations

import hashlib
import statistics
from pathlib import Path

import yaml

from genbench.config import quick_fid_epochs
from genbench.errors import ConfigError
from genbench.files import read_csv, read_json
from genbench.layout import stage_path


def epoch_seconds(history: list[dict]) -> float:
    """The typical epoch's training seconds: the median over the epochs after the first (whose
    warm-up is not typical) when there are several."""
    measured = [row["seconds"] for row in history]
    if not measured:
        raise ConfigError("no measured epochs in the training history")
    return statistics.median(measured[1:] if len(measured) > 1 else measured)


def quick_fid_seconds(history: list[dict]) -> float:
    """The median seconds of one quick FID (0 for a history without any)."""
    measured = [row["quick_fid_seconds"] for row in history if row.get("quick_fid_seconds") is not None]
    return statistics.median(measured) if measured else 0.0


def model_cost(history: list[dict], sample_timings: dict, epochs: int, quick_fids: int) -> dict:
    """Seconds to train ``epochs`` epochs at the typical measured epoch, with the quick FIDs
    taken at the protocol's spacing, and to draw the samples."""
    train = epoch_seconds(history) * epochs + quick_fid_seconds(history) * len(quick_fid_epochs(epochs, quick_fids))
    sample = sample_timings["seconds"]
    return {"seconds_per_epoch": train / epochs, "train_seconds": train, "sample_seconds": sample,
            "total_seconds": train + sample}


def estimate(models: list[str], epochs: int, quick_fids: int, root: Path = Path(".")) -> dict[str, dict]:
    """Per model: its cost at ``epochs`` epochs, from the committed run's history and timings."""
    out = {}
    for model in models:
        history = stage_path("train", model, index=1, root=root)
        timings = stage_path("sample", model, index=1, root=root)
        if not history.is_file() or not timings.is_file():
            raise ConfigError(f"{history}: missing; `dvc repro` measures each model's epoch first")
        out[model] = model_cost(read_csv(history), read_json(timings), epochs, quick_fids)
    return out


def _lookup(params: dict, dotted: str):
    value = params
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def trained_already(model: str, root: Path = Path(".")) -> bool:
    """Whether dvc.lock records train@MODEL as run with today's params.yaml values and today's
    files (the check `dvc status` makes, for the stage's params and file deps; DVC writes a
    stage's lock entry as soon as the stage ends, so within a run it says what is done)."""
    lock_path = Path(root) / "dvc.lock"
    if not lock_path.is_file():
        return False
    entry = (yaml.safe_load(lock_path.read_text()) or {}).get("stages", {}).get(f"train@{model}")
    if not entry:
        return False
    params = yaml.safe_load((Path(root) / "params.yaml").read_text())
    for key, value in entry.get("params", {}).get("params.yaml", {}).items():
        if _lookup(params, key) != value:
            return False
    for dep in entry.get("deps", []):
        path = Path(root) / dep["path"]
        if str(dep.get("md5", "")).endswith(".dir") or not path.is_file():
            continue  # a folder (the data): checked by DVC, not here
        if hashlib.md5(path.read_bytes()).hexdigest() != dep.get("md5"):
            return False
    return True


def run_progress(epochs: dict[str, int], current: str, history: list[dict], quick_fids: int,
                 root: Path = Path(".")) -> str:
    """One line on the whole run while ``current`` trains (``history``: its epochs so far): the
    models trained, the one training, the share of the estimated training time done and what is
    left. Every other model's epoch cost comes from its last history in the work tree."""
    done_models, total, done = [], 0.0, 0.0
    for model, target in epochs.items():
        if model == current:
            per_epoch = (sum(row["seconds"] + (row.get("quick_fid_seconds") or 0.0) for row in history)
                         / max(len(history), 1))
            total += per_epoch * target
            done += per_epoch * len(history)
            continue
        try:
            cost = model_cost(read_csv(stage_path("train", model, index=1, root=root)),
                              {"seconds": 0.0}, target, quick_fids)["train_seconds"]
        except (OSError, ConfigError, KeyError):
            cost = 0.0  # never trained here: no measure of its epoch
        total += cost
        if trained_already(model, root):
            done_models.append(model)
            done += cost
    share = done / total if total else 0.0
    return (f"run: {len(done_models)} of {len(epochs)} models trained, {current} epoch {len(history)}/"
            f"{epochs[current]}; about {100 * share:.0f} % of the estimated training done, "
            f"{_duration(total - done)} left")


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


def report(costs: dict[str, dict], epochs: int, quick_fids: int, measured: str, here: str) -> str:
    """The table a user reads before a long run."""
    lines = [f"{'model':<10}{'s / epoch':>11}{'train':>11}{'sample':>10}{'total':>11}"]
    for model, c in costs.items():
        lines.append(f"{model:<10}{c['seconds_per_epoch']:>11.1f}{_duration(c['train_seconds']):>11}"
                     f"{_duration(c['sample_seconds']):>10}{_duration(c['total_seconds']):>11}")
    total = sum(c["total_seconds"] for c in costs.values())
    lines.append(f"{'all':<10}{'':>11}{'':>11}{'':>10}{_duration(total):>11}")
    lines.append(f"{epochs} epochs, one model after another (dvc repro), quick FIDs after "
                 f"{len(quick_fid_epochs(epochs, quick_fids))} of them; scoring adds about a minute a model.")
    lines.append(f"Measured on: {measured}. This machine: {here}."
                 + ("" if here.split(",")[0] == measured.split(",")[0] else " Another machine: expect another cost."))
    return "\n".join(lines)
