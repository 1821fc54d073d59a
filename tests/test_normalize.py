"""Normalization: fixed constants, per-model only; stability from the history."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import PARAMS
from genbench.results.stability import convergence, stability_stats
from genbench.results.normalize import log_scale, normalize_model, summary_row
from genbench.results.stability import stability_score
from genbench.results.catalogue import METRICS

ROOT = Path(__file__).resolve().parents[1]
C = PARAMS.normalize


def history(fids, losses=None):
    losses = losses or [1.0] * len(fids)
    return [{"epoch": i + 1, "loss": l, "seconds": 1.0, "quick_fid": f}
            for i, (f, l) in enumerate(zip(fids, losses))]


TRAIN = {"epochs": 6, "checkpoint_epoch": 6, "parameters": 10}
TRAIN_TIMINGS = {"train_seconds": 600.0, "train_seconds_per_epoch": 100.0}
SAMPLE_TIMINGS = {"seconds_per_1000": 1.0}


def fake_scores(fid=100.0, label_accuracy=None):
    scores = {m.key: 0.5 for m in METRICS}
    scores.update(fid=fid, label_accuracy=label_accuracy, cas=label_accuracy)
    return scores


def dims(scores, fids=(300, 200, 150, 150, 150, 150)):
    return normalize_model(scores, history(list(fids)), TRAIN, TRAIN_TIMINGS, SAMPLE_TIMINGS, C)


def test_log_scale_ends_and_middle():
    assert log_scale(5.0, 5.0, 15000.0) == 1.0
    assert log_scale(1.0, 5.0, 15000.0) == 1.0  # better than best: clipped
    assert log_scale(15000.0, 5.0, 15000.0) == 0.0
    assert log_scale((5 * 15000) ** 0.5, 5.0, 15000.0) == pytest.approx(0.5)


def test_flat_history_is_most_stable_and_noise_is_worse():
    flat = stability_stats(history([100.0] * 10), 0.1)
    noisy = stability_stats(history([100, 80, 60, 50, 90, 40, 120, 45, 110, 50]), 0.1)
    assert stability_score(flat) == 1.0
    assert noisy["fid_worsened_epochs"] > 0 and noisy["fid_spread"] > 0.3
    assert noisy["fid_worsened_epochs"] == 3 and noisy["epochs_considered"] == 9
    assert stability_score(noisy) == pytest.approx(1 - 3 / 9)


def test_stability_is_measurable_at_two_epochs():
    assert stability_score(stability_stats(history([300.0, 200.0]), 0.1)) == 1.0
    assert stability_score(stability_stats(history([200.0, 300.0]), 0.1)) == 0.0


def test_controllability_is_zero_at_chance_and_for_unconditional_models():
    assert dims(fake_scores(label_accuracy=None))["controllability"] == 0.0
    assert dims(fake_scores(label_accuracy=0.1))["controllability"] == 0.0
    assert dims(fake_scores(label_accuracy=1.0))["controllability"] == 1.0


def test_overall_distance_is_one_at_the_ideal_corner():
    d = dims(fake_scores(fid=5.0, label_accuracy=1.0), fids=(5, 5, 5, 5))
    assert (d["quality"], d["stability"], d["controllability"]) == (1.0, 1.0, 1.0)
    assert d["overall_distance"] == pytest.approx(1.0)


def test_summary_row_puts_every_metric_beside_its_real_value():
    reference = {m.key: 0.9 for m in METRICS}
    row = summary_row("m", fake_scores(), reference, {"quality": 0.5})
    for m in METRICS:
        assert row[m.key] == fake_scores()[m.key] and row[f"{m.key}_real"] == 0.9


def _run_normalize(tmp_path, models):
    project = tmp_path / "_".join(models)
    for sub in ("scores", "train", "train_timings", "sample_timings", "history"):
        (project / sub).mkdir(parents=True)
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["models"] = {m: params["models"][m] for m in models}
    params["sweep"] = {}
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    (project / "reference.json").write_text(json.dumps({m.key: 0.9 for m in METRICS}))
    for i, m in enumerate(models):
        scores = fake_scores(fid=50.0 * (i + 1), label_accuracy=0.9 if m == "cgan" else None)
        (project / "scores" / f"{m}.json").write_text(json.dumps(scores))
        (project / "train" / f"{m}.json").write_text(json.dumps(TRAIN))
        (project / "train_timings" / f"{m}.json").write_text(json.dumps(TRAIN_TIMINGS))
        (project / "sample_timings" / f"{m}.json").write_text(json.dumps(SAMPLE_TIMINGS))
        (project / "history" / f"{m}.csv").write_text("epoch,loss,seconds,quick_fid\n1,1.0,1.0,100\n2,1.0,1.0,90\n")
    subprocess.run([sys.executable, str(ROOT / "stages" / "normalize.py"), "--scores", "scores",
                    "--reference", "reference.json", "--train-metrics", "train", "--train-timings", "train_timings",
                    "--sample-timings", "sample_timings", "--history", "history", "--summary", "summary.json",
                    "--timings", "timings.json", "--table", "summary.csv"],
                   cwd=project, check=True, capture_output=True)
    summary, timings = (json.loads((project / name).read_text()) for name in ("summary.json", "timings.json"))
    return {m: {**summary["models"][m], **timings[m]} for m in summary["models"]}


def test_adding_or_removing_a_model_changes_nobody_elses_scores(tmp_path):
    both = _run_normalize(tmp_path, ["vae", "cgan"])
    alone = _run_normalize(tmp_path, ["vae"])
    assert both["vae"] == alone["vae"]
    assert set(both) == {"vae", "cgan"}


def test_stability_and_convergence_read_only_the_epochs_with_a_quick_fid():
    rows = history([500.0, 400.0, 300.0, 200.0, 210.0, 205.0])
    for i in (0, 2, 4):  # taken every 2nd epoch: 400, 200, 205
        rows[i]["quick_fid"] = rows[i]["quick_fid_seconds"] = None
    stats = stability_stats(rows, 0.1)
    assert stats["epochs_considered"] == 2 and stats["fid_worsened_epochs"] == 0
    assert convergence(rows) == {"convergence_epoch": 4, "convergence_fraction": 4 / 6}
    rows[3]["quick_fid"] = 300.0  # 400, 300, 205: still moving at the last measurement
    assert convergence(rows)["convergence_epoch"] == 6


def test_quality_over_training_time_plots_the_quick_fids_at_cumulative_training_minutes(tmp_path, monkeypatch):
    import matplotlib.axes

    from genbench.results.figures import quality_over_training_time
    drawn = {}
    original = matplotlib.axes.Axes.plot

    def plot(self, *args, label=None, **kwargs):
        drawn[label] = (list(args[0]), list(args[1]))
        return original(self, *args, label=label, **kwargs)
    monkeypatch.setattr(matplotlib.axes.Axes, "plot", plot)
    slow = [{"epoch": 1, "seconds": 60.0, "quick_fid": None}, {"epoch": 2, "seconds": 60.0, "quick_fid": 50.0},
            {"epoch": 3, "seconds": 60.0, "quick_fid": None}, {"epoch": 4, "seconds": 60.0, "quick_fid": 20.0}]
    fast = [{"epoch": 1, "seconds": 6.0, "quick_fid": 300.0}, {"epoch": 2, "seconds": 6.0, "quick_fid": 200.0}]
    quality_over_training_time({"slow": slow, "fast": fast}, tmp_path / "q.png")
    assert drawn == {"slow": ([2.0, 4.0], [50.0, 20.0]), "fast": ([0.1, 0.2], [300.0, 200.0])}
    assert (tmp_path / "q.png").stat().st_size > 10_000
