"""CI's re-validation: the committed plots are what the committed metrics produce."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from genbench.experiments.validate import COPIED, validate

ROOT = Path(__file__).resolve().parents[1]


def test_committed_plots_agree_with_committed_metrics():
    assert validate(ROOT) == []


@pytest.fixture
def copy_of_results(tmp_path):
    for name in COPIED:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, tmp_path / name)
    return tmp_path


def test_a_metric_changed_without_re_running_plot_is_caught(copy_of_results):
    scores_path = copy_of_results / "metrics" / "scores" / "vae.json"
    scores = json.loads(scores_path.read_text())
    scores["fid"] *= 1.1
    scores_path.write_text(json.dumps(scores))
    problems = validate(copy_of_results)
    assert "metrics/summary.json: differs from what its stage produces from the committed inputs" in problems
    assert "plots/summary.csv: differs from what its stage produces from the committed inputs" in problems


def test_missing_broken_altered_and_stale_figures_are_each_caught(copy_of_results):
    """Four figures spoiled four ways in one copy (the stages draw them all in one run): one
    missing, one cut short, one with a 20 x 20 patch of changed pixels (a bar a little longer,
    one number in a table; the committed figures themselves pass pixel for pixel, the first
    test), one that no stage draws any more."""
    figures = copy_of_results / "plots" / "figures"
    (figures / "radar.png").unlink()
    (figures / "heatmap.png").write_bytes((figures / "heatmap.png").read_bytes()[:200])
    pixels = np.asarray(Image.open(figures / "metrics.png").convert("RGBA")).copy()
    pixels[100:120, 200:220, :3] = 255 - pixels[100:120, 200:220, :3]
    Image.fromarray(pixels).save(figures / "metrics.png")
    (figures / "fid.png").write_bytes(b"stale")
    problems = validate(copy_of_results)
    assert "plots/figures/radar.png: missing" in problems
    assert "plots/figures/heatmap.png: not a valid image" in problems
    assert any(p.startswith("plots/figures/metrics.png: ") and "pixels differ" in p for p in problems), problems
    assert "plots/figures/fid.png: not produced by its stage any more" in problems
    assert len(problems) == 4, problems  # and nothing else
