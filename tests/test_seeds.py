"""Collecting FID across seeds from DVC experiments."""

import math

import pytest

from genbench.seeds import fid_across_seeds, interval


def row(seed, fids, name="exp"):
    out = {"Experiment": name, "seed": float(seed)}
    out.update({f"metrics/scores/{m}.json:fid": v for m, v in fids.items()})
    return out


def test_mean_and_std_over_distinct_seeds():
    rows = [row(42, {"vae": 10.0, "gan": 50.0}, "workspace"), row(42, {"vae": 10.0, "gan": 50.0}, "main"),
            row(1, {"vae": 12.0, "gan": 40.0}), row(2, {"vae": 14.0, "gan": None})]
    result = fid_across_seeds(rows)
    assert result["vae"]["seeds"] == [1, 2, 42]
    assert result["vae"]["mean"] == pytest.approx(12.0)
    assert result["vae"]["std"] == pytest.approx(math.sqrt(((10 - 12) ** 2 + 0 + (14 - 12) ** 2) / 2))
    assert result["gan"]["seeds"] == [1, 42] and result["gan"]["mean"] == pytest.approx(45.0)


def test_conflicting_values_for_one_seed_are_reported():
    with pytest.raises(ValueError, match="seed 1"):
        fid_across_seeds([row(1, {"vae": 10.0}), row(1, {"vae": 11.0})])


def test_student_t_interval_of_three_seeds():
    """t(0.975, 2 degrees of freedom) = 4.3027: the half-width is 4.3027 * std / sqrt(3)."""
    result = interval([1.0, 2.0, 3.0])
    assert result["n"] == 3 and result["mean"] == 2.0 and result["std"] == 1.0
    assert result["ci_high"] - 2.0 == pytest.approx(4.302653 / math.sqrt(3), rel=1e-6)
    assert result["ci_low"] == pytest.approx(4.0 - result["ci_high"])
    assert interval([5.0])["std"] is None and interval([5.0])["ci_low"] is None
