"""Results over seeds: Student-t intervals, the spread of the final FID, which differences
the intervals support, and the README table and figure drawn from them."""

import math

import pytest
from PIL import Image

from genbench.results.figures import seed_intervals
from genbench.results.intervals import interval, seed_summary
from genbench.results.tables import interval_cell, markdown_seeds, separated


def test_student_t_interval_of_three_seeds():
    """t(0.975, 2 degrees of freedom) = 4.3027: the half-width is 4.3027 * std / sqrt(3)."""
    result = interval([1.0, 2.0, 3.0])
    assert result["n"] == 3 and result["mean"] == 2.0 and result["std"] == 1.0
    assert result["ci_high"] - 2.0 == pytest.approx(4.302653 / math.sqrt(3), rel=1e-6)
    assert result["ci_low"] == pytest.approx(4.0 - result["ci_high"])
    assert interval([5.0])["std"] is None and interval([5.0])["ci_low"] is None


def rows(model, fids, label_accuracy=None, quality=0.5):
    return [{"model": model, "seed": float(seed), "rev": f"r{seed}", "fid": fid, "fid_real": 6.0,
             "inception_score_std": 0.1, "label_accuracy": label_accuracy, "quality": quality,
             "device": "cpu"} for seed, fid in zip((42, 43, 44), fids)]


def test_summary_has_an_interval_per_metric_and_the_final_fids_spread():
    summary = seed_summary(rows("gan", [90.0, 100.0, 110.0]) + rows("cgan", [50.0, 50.0, 50.0], 0.9), cv_worst=0.5)
    gan = summary["gan"]
    assert gan["seeds"] == [42, 43, 44]
    assert gan["fid"]["mean"] == 100.0 and gan["fid"]["std"] == 10.0
    assert gan["fid_cv"] == pytest.approx(0.1) and gan["seed_stability"] == pytest.approx(0.8)
    assert summary["cgan"]["fid_cv"] == 0.0 and summary["cgan"]["seed_stability"] == 1.0
    # real-data values, per-run stds, text and null metrics are not averaged over seeds
    assert not {"fid_real", "inception_score_std", "device", "rev", "label_accuracy"} & set(gan)
    assert summary["cgan"]["label_accuracy"]["mean"] == pytest.approx(0.9)


def test_a_spread_beyond_cv_worst_scores_zero_and_one_seed_has_no_interval():
    wild = seed_summary(rows("gan", [10.0, 100.0, 1000.0]), cv_worst=0.5)["gan"]
    assert wild["fid_cv"] > 0.5 and wild["seed_stability"] == 0.0
    single = seed_summary(rows("gan", [100.0]), cv_worst=0.5)["gan"]
    assert single["fid"]["ci_low"] is None and single["fid_cv"] is None and single["seed_stability"] is None


def test_a_seed_collected_twice_is_refused():
    with pytest.raises(ValueError, match="seed listed twice"):
        seed_summary(rows("gan", [1.0, 2.0]) + rows("gan", [1.0]), cv_worst=0.5)


def test_only_disjoint_intervals_rank_models():
    summary = seed_summary(rows("a", [10.0, 11.0, 12.0]) + rows("b", [11.5, 12.5, 13.5])
                        + rows("c", [100.0, 101.0, 102.0]), cv_worst=0.5)
    assert separated(summary, "fid", lower_is_better=True) == [("a", "b", False), ("b", "c", True)]
    assert separated(summary, "fid", lower_is_better=False) == [("c", "b", True), ("b", "a", False)]
    table = markdown_seeds(summary)
    assert "Ranked by FID (best first; `>`: better, intervals disjoint, `≈`: they overlap): a ≈ b > c" in table
    assert "| a | 3 | 11.0 ± 2.5 |" in table  # t(0.975, 2) x 1 / sqrt(3) = 2.48


def test_interval_cell():
    assert interval_cell(interval([1.0, 2.0, 3.0]), 1) == "2.0 ± 2.5"
    assert interval_cell(interval([2.0]), 1) == "2.0"
    assert interval_cell(None, 1) == "–"


def test_the_figure_draws_every_model_with_its_interval(tmp_path):
    summary = seed_summary(rows("gan", [90.0, 100.0, 110.0]) + rows("cgan", [50.0, 52.0, 54.0], 0.9), cv_worst=0.5)
    seed_intervals(summary, {"fid": 6.0}, tmp_path / "intervals.png")
    with Image.open(tmp_path / "intervals.png") as img:
        assert img.size[0] > 800 and img.size[1] > 300
