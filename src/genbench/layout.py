"""Where the pipeline writes, read from dvc.yaml (the one place paths are written), for the
tools outside the DAG: the generate command and the web app."""

from __future__ import annotations

from pathlib import Path

import yaml


def entry_path(entry) -> str:
    """The path of a dvc.yaml deps/outs/metrics/plots entry: a string, or {path: options}."""
    return next(iter(entry)) if isinstance(entry, dict) else entry


def stage_path(stage: str, model: str | None = None, section: str = "outs", index: int = 0,
               root: Path = Path(".")) -> Path:
    """The ``index``-th entry of ``section`` (outs, metrics) of stage ``stage`` in dvc.yaml,
    with ``${key}`` resolved to ``model`` for a foreach stage."""
    spec = yaml.safe_load((Path(root) / "dvc.yaml").read_text())["stages"][stage]
    path = entry_path(spec.get("do", spec)[section][index])
    return Path(root) / path.replace("${key}", model or "")
