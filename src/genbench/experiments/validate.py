"""Check that the committed plots and summaries are what the committed inputs produce.

Every plain stage of dvc.yaml whose inputs and outputs are all committed files is run again
(``rerunnable_stages``: today normalize, plot, seeds and studies) in a temporary copy of the
project, from its own command in dvc.yaml; each of its outputs must come out the same: data
files byte for byte, figures pixel by pixel (at most ``PIXEL_TOLERANCE`` of a figure's pixels
may differ by more than ``LEVEL_TOLERANCE`` grey levels: anti-aliasing noise, not a moved bar
or a changed number; matplotlib is pinned, so renderings are stable). Stages that need the
DVC-cached data or write DVC-cached outputs (download, training, sampling, scoring) are
skipped: their committed outputs are checked as the inputs of these.
CI runs this through the test suite; ``python -m genbench.experiments.validate`` runs it by hand.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from genbench.layout import pipeline_stages

COPIED = ["dvc.yaml", "params.yaml", "stages", "studies", "metrics", "plots"]
CHECK = "check_params"  # the stage every other depends on: run first in the copy, from its code and params
PIXEL_TOLERANCE = 1e-4  # share of a figure's pixels
LEVEL_TOLERANCE = 8  # of 255, in any channel


def _outs(stage: dict) -> dict[str, bool]:
    """Each output of a stage, and whether it is committed to git (``cache: false``)."""
    outs = {}
    for key in ("outs", "metrics", "plots"):
        for out in stage.get(key, []):
            path, options = next(iter(out.items())) if isinstance(out, dict) else (out, {})
            outs[path] = (options or {}).get("cache", True) is False
    return outs


def rerunnable_stages(root: Path) -> dict[str, dict]:
    """The plain stages (no foreach) whose outputs are all committed files and whose inputs
    are too: code (the installed genbench runs it) or files under the copied folders."""
    stages = pipeline_stages(root)
    checked = set(_outs(stages[CHECK]))

    def committed(dep: str) -> bool:
        top = dep.split("/")[0]
        return top == "src" or dep in checked or (top in COPIED and (root / dep).exists())

    return {name: s for name, s in stages.items()
            if name != CHECK and "cmd" in s and "${" not in s["cmd"] and all(_outs(s).values())
            and all(committed(d) for d in s.get("deps", []))}


def _pixels(path: Path) -> np.ndarray | None:
    """The image's RGBA pixels (H x W x 4), or None for a file that is not a valid image."""
    try:
        with Image.open(path) as img:
            img.verify()
        with Image.open(path) as img:
            return np.asarray(img.convert("RGBA"), dtype=np.int16)
    except Exception:  # PIL raises many kinds for a broken file
        return None


def _compare_images(committed: Path, fresh: Path, where: str) -> list[str]:
    old, new = _pixels(committed), _pixels(fresh)
    if old is None:
        return [f"{where}: not a valid image"]
    if old.shape != new.shape:
        return [f"{where}: size {old.shape[1]} x {old.shape[0]}, expected {new.shape[1]} x {new.shape[0]}"]
    differing = (np.abs(old - new).max(axis=2) > LEVEL_TOLERANCE).mean()
    if differing > PIXEL_TOLERANCE:
        return [f"{where}: {differing:.2%} of its pixels differ from what its stage draws from the committed inputs"]
    return []


def _compare(committed: Path, fresh: Path, where: str) -> list[str]:
    if fresh.is_dir():
        names = {p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()}
        kept = {p.relative_to(committed) for p in committed.rglob("*") if p.is_file()} if committed.is_dir() else set()
        problems = [f"{where}/{n}: missing" for n in sorted(names - kept)]
        problems += [f"{where}/{n}: not produced by its stage any more" for n in sorted(kept - names)]
        return problems + [p for n in sorted(names & kept) for p in _compare(committed / n, fresh / n, f"{where}/{n}")]
    if not committed.is_file():
        return [f"{where}: missing"]
    if fresh.suffix == ".png":
        return _compare_images(committed, fresh, where)
    if committed.read_bytes() != fresh.read_bytes():
        return [f"{where}: differs from what its stage produces from the committed inputs"]
    return []


def validate(root: Path) -> list[str]:
    """Every way the committed outputs under ``root`` disagree with their inputs (empty: none)."""
    root = Path(root).resolve()
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp)
        for name in COPIED:
            src = root / name
            (shutil.copytree if src.is_dir() else shutil.copy2)(src, copy / name)
        env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
                   MPLBACKEND="Agg")
        check = subprocess.run(pipeline_stages(root)[CHECK]["cmd"], shell=True, cwd=copy, env=env,
                               capture_output=True, text=True)
        if check.returncode != 0:
            return [f"stage {CHECK} failed: {(check.stderr.strip().splitlines() or ['?'])[-1]}"]
        for name, stage in rerunnable_stages(root).items():
            for out in _outs(stage):
                target = copy / out
                shutil.rmtree(target) if target.is_dir() else target.unlink(missing_ok=True)
            result = subprocess.run(stage["cmd"], shell=True, cwd=copy, env=env, capture_output=True, text=True)
            if result.returncode != 0:
                problems.append(f"stage {name} failed on the committed inputs: "
                                f"{(result.stderr.strip().splitlines() or ['?'])[-1]}")
                continue
            for out in _outs(stage):
                problems += _compare(root / out, copy / out, out)
    return problems


def main():
    problems = validate(Path.cwd())
    for problem in problems:
        print(problem, file=sys.stderr)
    print("plots agree with metrics" if not problems else f"{len(problems)} problem(s)")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
