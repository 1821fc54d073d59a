"""Normalization: fixed constants, per-model only; stability from the history."""

import json
import math
import runpy
import shutil
from pathlib import Path

import pytest
import yaml

from genbench.config import load_params
from genbench.metrics import stability_stats
from genbench.normalize import log_scale, normalize_model, stability_score

ROOT = Path(__file__).resolve().parents[1]
C = load_params(ROOT / "params.yaml").normalize


def history(fids, losses=None):
    losses = losses or [1.0] * len(fids)
    return [{"epoch": i + 1, "loss": l, "seconds": 1.0, "quick_fid": f}
            for i, (f, l) in enumerate(zip(fids, losses))]


def fake_scores(fid=100.0, label_accuracy=None, fids=(300, 200, 150, 150, 150, 150), model="m"):
    return {"model": model, "fid": fid, "label_accuracy": label_accuracy, "cas": None, "precision": 0.5,
            "recall": 0.5, "class_entropy": 0.99,
            "inception_score": {"mean": 9.0, "std": 0.1},
            "stability": stability_stats(history(list(fids)), 0.1),
            "efficiency": {"sample_seconds_per_1000": 1.0, "train_seconds": 600.0, "parameters": 10},
            "reference": {"fid_train_vs_test": 5.0, "inception_score_test": {"mean": 9.8},
                          "label_accuracy_test": 0.99, "cas_real": 0.98,
                          "precision_train_vs_test": 0.9, "recall_train_vs_test": 0.9}}


def test_log_scale_ends_and_middle():
    assert log_scale(5.0, 5.0, 15000.0) == 1.0
    assert log_scale(1.0, 5.0, 15000.0) == 1.0  # better than best: clipped
    assert log_scale(15000.0, 5.0, 15000.0) == 0.0
    assert log_scale(math.sqrt(5 * 15000), 5.0, 15000.0) == pytest.approx(0.5)


def test_flat_history_is_most_stable_and_noise_is_worse():
    flat = stability_stats(history([100.0] * 10), 0.1)
    noisy = stability_stats(history([100, 80, 60, 50, 90, 40, 120, 45, 110, 50]), 0.1)
    assert stability_score(flat, C) == 1.0
    assert noisy["fid_worsened_epochs"] > 0 and noisy["fid_spread"] > 0.3
    assert stability_score(noisy, C) < 0.5


def test_controllability_is_zero_at_chance_and_for_unconditional_models():
    assert normalize_model(fake_scores(label_accuracy=None), C)["controllability"] == 0.0
    assert normalize_model(fake_scores(label_accuracy=0.1), C)["controllability"] == 0.0
    assert normalize_model(fake_scores(label_accuracy=1.0), C)["controllability"] == 1.0


def test_overall_distance_is_one_at_the_ideal_corner():
    scores = fake_scores(fid=5.0, label_accuracy=1.0, fids=(5, 5, 5, 5))
    dims = normalize_model(scores, C)
    assert (dims["quality"], dims["stability"], dims["controllability"]) == (1.0, 1.0, 1.0)
    assert dims["overall_distance"] == pytest.approx(1.0)


def _run_normalize(tmp_path, models):
    project = tmp_path / "_".join(models)
    (project / "metrics" / "scores").mkdir(parents=True)
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["models"] = {m: params["models"][m] for m in models}
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    for i, m in enumerate(models):
        scores = fake_scores(fid=50.0 * (i + 1), label_accuracy=0.9 if m == "cgan" else None, model=m)
        (project / "metrics" / "scores" / f"{m}.json").write_text(json.dumps(scores))
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(project)
        mp.setattr("sys.argv", ["normalize.py"])
        runpy.run_path(str(ROOT / "stages" / "normalize.py"), run_name="__main__")
    return json.loads((project / "metrics" / "summary.json").read_text())


def test_adding_or_removing_a_model_changes_nobody_elses_scores(tmp_path):
    both = _run_normalize(tmp_path, ["vae", "cgan"])
    alone = _run_normalize(tmp_path, ["vae"])
    assert both["vae"] == alone["vae"]
    assert set(both) == {"vae", "cgan"}
