"""End to end on a copy of the tiny project (tests/tiny.py): sharing trained models through a
DVC remote, and a seed experiment collected with intervals."""

import json
import sys

from PIL import Image

from genbench.experiments.validate import validate
from tiny import changed, keep_models, models_of, ran, sh


def test_a_colleague_pulls_the_trained_models_and_generates_without_training(project, tmp_path):
    """Share through a DVC remote (a local folder here; S3 or SSH the same way): push from
    one clone, pull into a fresh one, and generate there; no stage needs to run."""
    project, env, _ = project
    remote, clone = tmp_path / "remote", tmp_path / "clone"
    sh(project, "dvc", "remote", "add", "-d", "shared", str(remote), env=env)
    sh(project, "git", "add", "-A", env=env)
    sh(project, "git", "commit", "-qm", "results and the shared remote", env=env)
    sh(project, "dvc", "push", env=env)
    sh(tmp_path, "git", "clone", "-q", str(project), str(clone), env=env)
    assert not (clone / "data/checkpoints/cgan.pt").exists()
    sh(clone, "dvc", "pull", env=env)
    assert changed(clone, env) == set()  # every stage up to date: nothing to train
    log = sh(clone, sys.executable, "-m", "genbench", "generate", "cgan", "--digits", "3", "--count", "10",
             "--out", "threes.png", env=dict(env, PYTHONPATH=str(clone / "src")))
    assert "cgan: 10 images in" in log
    assert Image.open(clone / "threes.png").size == (302, 32)


def test_a_seed_experiment_reuses_the_yardstick_and_is_collected_with_intervals(project):
    """`make seeds`' three steps on tiny params: an experiment with another seed re-trains
    every model but neither the evaluator nor the reference; collecting gives one row per
    model and seed, and the seeds stage an interval for every model."""
    project, env, _ = project
    keep_models(project, "vae", "cgan")  # an unconditional and a conditional model: every path of the seeds
    sh(project, "dvc", "repro", env=env)
    sh(project, "git", "add", "-A", env=env)
    sh(project, "git", "commit", "-qm", "seed 42's results", "--allow-empty", env=env)  # the baseline
    log = sh(project, sys.executable, "-m", "genbench.experiments.seeds", "run", "7", env=env)
    assert {f"train@{m}" for m in models_of(project)} <= ran(log)
    assert not {"evaluator", "reference"} & ran(log)
    sh(project, sys.executable, "-m", "genbench.experiments.seeds", "collect", "plots/seeds.csv", env=env)
    sh(project, "dvc", "repro", "seeds", env=env)
    summary = json.loads((project / "metrics/seeds.json").read_text())
    assert set(summary) == set(models_of(project))
    for name, s in summary.items():
        assert s["seeds"] == [7, 42], name
        assert s["fid"]["ci_low"] < s["fid"]["mean"] < s["fid"]["ci_high"], name
        assert s["fid_cv"] > 0, name  # another seed, other weights, another FID
    assert (project / "plots/seeds/intervals.png").is_file()
    assert validate(project) == []
