"""Where the pipeline writes, read from dvc.yaml (the one place paths are written), for the
tools outside the DAG: the generate command and the web app."""

from __future__ import annotations

from pathlib import Path

import yaml


def stage_path(stage: str, model: str | None = None, section: str = "outs", index: int = 0,
               root: Path = Path(".")) -> Path:
    """The ``index``-th entry of ``section`` (outs, metrics) of stage ``stage`` in dvc.yaml,
    with ``${key}`` resolved to ``model`` for a foreach stage."""
    spec = yaml.safe_load((Path(root) / "dvc.yaml").read_text())["stages"][stage]
    entry = (spec.get("do", spec))[section][index]
    path = next(iter(entry)) if isinstance(entry, dict) else entry
    return Path(root) / path.replace("${key}", model or "")
