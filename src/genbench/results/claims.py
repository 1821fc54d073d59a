"""The claims this project was started to check, each checked against one run's numbers
(plots/summary.csv and params.yaml of a run or a result set): the claim, where it was made,
what the run measured, and a verdict: holds, does not hold, or cannot tell.

A verdict reads one run (one seed): where the feature spaces disagree, or the run did not
train what the claim is about, it says "cannot tell" rather than pick.

    python -m genbench.results.claims results/epochs50   # the README's table of claims
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml

from genbench.files import read_csv

HOLDS, FAILS, UNKNOWN = "holds", "does not hold", "cannot tell"
PUBLIC = "the public MNIST comparisons this project replaces"
CIFAR = "the CIFAR-10 study of the project's brief"
FID_SPACES = {"fid": "evaluator", "fid_ae": "AE", "fid_pca": "PCA"}


def _best(rows: list[dict], key: str, lower: bool = False) -> list[str]:
    """The models with the best value of ``key`` (ties all), among the rows that have one."""
    values = {r["model"]: r[key] for r in rows if r.get(key) is not None}
    best = (min if lower else max)(values.values())
    return [m for m, v in values.items() if v == best]


def _figures(rows: list[dict], key: str, digits: int, models: list[str] | None = None) -> str:
    return ", ".join(f"{r['model']} {r[key]:,.{digits}f}" for r in rows
                     if r.get(key) is not None and (models is None or r["model"] in models))


def best_quality(model: str) -> Callable:
    """First by FID in every feature space: holds; another model first in every one: does
    not hold; the spaces' leaders differ: cannot tell."""
    def check(rows, params):
        leaders = {label: _best(rows, key, lower=True) for key, label in FID_SPACES.items()}
        said = "; ".join(f"FID ({label}) lowest: {', '.join(m)}" for label, m in leaders.items())
        firsts = {tuple(m) for m in leaders.values()}
        if firsts == {(model,)}:
            return HOLDS, said
        if len(firsts) == 1:
            return FAILS, said
        return UNKNOWN, said + " (the spaces disagree)"
    return check


def slowest(model: str) -> Callable:
    """The longest training and the slowest sampling both."""
    def check(rows, params):
        by_model = {r["model"]: r for r in rows}
        train, sample = _best(rows, "train_seconds"), _best(rows, "sample_seconds_per_1000")
        said = ("longest training: " + ", ".join(f"{m} ({by_model[m]['train_seconds'] / 60:,.0f} min)" for m in train)
                + "; slowest sampling: "
                + ", ".join(f"{m} ({by_model[m]['sample_seconds_per_1000']:,.2f} s / 1k samples)" for m in sample))
        return (HOLDS if train == sample == [model] else FAILS), said
    return check


def best_of(model: str, key: str, label: str, digits: int) -> Callable:
    """The highest ``key`` alone (a tie at the top: cannot tell)."""
    def check(rows, params):
        leaders = _best(rows, key)
        said = f"{label}: {_figures(rows, key, digits)}"
        if leaders == [model]:
            return HOLDS, said
        return (UNKNOWN, said + f" ({', '.join(leaders)} tie)") if model in leaders else (FAILS, said)
    return check


def spectral_norm_balance(model: str) -> Callable:
    """Best overall with spectral normalization: only a run that trained ``model`` with it can
    say; otherwise the measured overall scores, and cannot tell."""
    def check(rows, params):
        said = f"overall score (distance to the ideal): {_figures(rows, 'overall_distance', 2)}"
        if not params["models"][model]["train"].get("spectral_norm"):
            return UNKNOWN, said + f"; this run trained {model} without spectral normalization"
        return best_of(model, "overall_distance", "overall score", 2)(rows, params)
    return check


@dataclass(frozen=True)
class Claim:
    text: str
    made_in: str
    check: Callable[[list[dict], dict], tuple[str, str]]  # (rows, params) -> (verdict, what was measured)


CLAIMS = [
    Claim("The DDPM has the best quality", PUBLIC, best_quality("ddpm")),
    Claim("The DDPM is the slowest", PUBLIC, slowest("ddpm")),
    Claim("The cGAN has the best controllability", PUBLIC, best_of("cgan", "label_accuracy", "label accuracy", 3)),
    Claim("The VAE trains the most stably", PUBLIC, best_of("vae", "stability", "stability", 2)),
    Claim("WGAN-GP with spectral normalization has the best balance", CIFAR, spectral_norm_balance("wgan_gp")),
]


def markdown_claims(rows: list[dict], params: dict) -> str:
    lines = ["| claim | made in | measured | verdict |", "|---|---|---|---|"]
    for claim in CLAIMS:
        verdict, said = claim.check(rows, params)
        lines.append(f"| {claim.text} | {claim.made_in} | {said} | **{verdict}** |")
    return "\n".join(lines)


def run_claims(run: Path) -> str:
    """The claims table of the run (or result set) at ``run``."""
    return markdown_claims(read_csv(run / "plots" / "summary.csv"), yaml.safe_load((run / "params.yaml").read_text()))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m genbench.results.claims RUN_OR_RESULT_SET")
    print(run_claims(Path(sys.argv[1])))
