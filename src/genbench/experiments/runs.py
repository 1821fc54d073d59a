"""The DVC experiments that the seeds table and the studies are made of: the baseline commit
(HEAD) and its finished experiments, each with its params and its plots/summary.csv rows,
read from git (``dvc exp show``, ``params_show``, ``read``), so experiments pulled from
another machine count the same as local ones."""

from __future__ import annotations

import csv
import io
import subprocess
from dataclasses import dataclass


def flatten(params: dict, prefix: str = "") -> dict[str, object]:
    """Nested params as ``{"models.gan.train.lr": 0.0002, ...}`` (lists are values)."""
    flat = {}
    for key, value in params.items():
        if isinstance(value, dict) and value:
            flat |= flatten(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def differences(params: dict, base: dict) -> set[str]:
    """The flattened keys whose values differ between two runs' params."""
    return {k for k in params.keys() | base.keys() if params.get(k) != base.get(k)}


@dataclass(frozen=True)
class Run:
    """The baseline or one finished experiment."""

    rev: str  # its commit, abbreviated (an experiment's commit stays reachable from its ref)
    name: str  # the experiment's name; "baseline" for HEAD
    params: dict  # flattened
    rows: list[dict]  # its summary table: one dict of text cells per model


def finished_runs(summary_csv: str = "plots/summary.csv") -> list[Run]:
    """The baseline first, then each of its experiments that finished, in `dvc exp show`'s order."""
    import dvc.api

    shown = dvc.api.exp_show()
    baseline = next(r for r in shown if r["typ"] == "baseline" and r["rev"] != "workspace")
    experiments = [r for r in shown if r["typ"] != "baseline" and r.get("State") in (None, "Success")]
    runs = []
    for entry in [baseline] + experiments:
        rev = entry["rev"]
        commit = subprocess.run(["git", "rev-parse", "--short=10", rev], check=True, capture_output=True,
                                text=True).stdout.strip()
        rows = list(csv.DictReader(io.StringIO(dvc.api.read(summary_csv, rev=rev))))
        runs.append(Run(commit, "baseline" if entry is baseline else entry.get("Experiment") or rev,
                        flatten(dvc.api.params_show(rev=rev)), rows))
    return runs
