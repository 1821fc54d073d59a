"""The one reader of dvc.yaml (the one place paths are written): its stages, and where a stage
writes, for the tools outside the DAG (the generate command, the web app, the parallel runner,
the committed-outputs check)."""

from __future__ import annotations

from pathlib import Path

import yaml


def pipeline_stages(root: Path = Path(".")) -> dict[str, dict]:
    """dvc.yaml's ``stages`` mapping, as written (``foreach`` stages unexpanded)."""
    return yaml.safe_load((Path(root) / "dvc.yaml").read_text())["stages"]


def entry_path(entry) -> str:
    """The path of a dvc.yaml deps/outs/metrics/plots entry: a string, or {path: options}."""
    return next(iter(entry)) if isinstance(entry, dict) else entry


def stage_path(stage: str, model: str | None = None, section: str = "outs", index: int = 0,
               root: Path = Path(".")) -> Path:
    """The ``index``-th entry of ``section`` (outs, metrics) of stage ``stage`` in dvc.yaml,
    with ``${key}`` resolved to ``model`` for a foreach stage."""
    spec = pipeline_stages(root)[stage]
    path = entry_path(spec.get("do", spec)[section][index])
    return Path(root) / path.replace("${key}", model or "")
