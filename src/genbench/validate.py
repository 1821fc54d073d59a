"""Check that the committed plots are what the committed metrics produce.

Re-derives every plot data file (the summary table, the sampler and guidance sweeps) from ``metrics/``,
re-renders every figure into a temporary folder, and reports each data file that differs,
each figure or sample grid that is missing, not a valid image, or of another size.
CI runs this through the test suite; ``python -m genbench.validate`` runs it by hand.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from PIL import Image

from genbench.config import load_params
from genbench.figures import render_all
from genbench.normalize import normalize_model, summary_row
from genbench.utils import csv_bytes


def _image_problem(path: Path, size: tuple[int, int]) -> str | None:
    if not path.is_file():
        return f"{path}: missing"
    try:
        with Image.open(path) as img:
            img.verify()
        with Image.open(path) as img:
            actual = img.size
    except Exception as exc:  # PIL raises many kinds for a broken file
        return f"{path}: not a valid image ({exc})"
    if actual != size:
        return f"{path}: size {actual}, expected {size}"
    return None


def validate(root: Path) -> list[str]:
    """Every way the committed plots under ``root`` disagree with its metrics (empty: none)."""
    root = Path(root)
    params = load_params(root / "params.yaml")
    metrics, plots = root / "metrics", root / "plots"
    problems = []

    scores = {m: json.loads((metrics / "scores" / f"{m}.json").read_text()) for m in params.models}
    summary = {m: normalize_model(s, params.normalize) for m, s in scores.items()}
    if json.loads((metrics / "summary.json").read_text()) != summary:
        problems.append("metrics/summary.json: differs from the normalization of metrics/scores")
    expected = {plots / "summary.csv": csv_bytes([summary_row(scores[m], summary[m]) for m in scores])}
    if "ddpm" in params.models:
        sweep = json.loads((metrics / "sweep" / "ddpm.json").read_text())
        expected[plots / "sweep" / "ddpm.csv"] = csv_bytes(list(sweep["settings"].values()))
        expected[plots / "sweep" / "ddpm_guidance.csv"] = csv_bytes(
            list(sweep["guidance_settings"].values()))
    for path, content in expected.items():
        if not path.is_file() or path.read_bytes() != content:
            problems.append(f"{path.relative_to(root)}: differs from what metrics/ produce")

    grid_side = params.sample.grid_rows * 30 + 2  # torchvision's grid: 28 px + 2 px padding
    for m in params.models:
        problem = _image_problem(plots / "samples" / m / "grid.png", (grid_side, grid_side))
        if problem:
            problems.append(problem)

    with tempfile.TemporaryDirectory() as tmp:
        try:
            rendered = render_all(list(params.models), plots, Path(tmp))
        except Exception as exc:
            return problems + [f"re-rendering the figures failed: {exc!r}"]
        for fresh in rendered:
            with Image.open(fresh) as img:
                size = img.size
            problem = _image_problem(plots / "figures" / fresh.name, size)
            if problem:
                problems.append(problem)
    return problems


def main():
    problems = validate(Path.cwd())
    for problem in problems:
        print(problem, file=sys.stderr)
    print("plots agree with metrics" if not problems else f"{len(problems)} problem(s)")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
