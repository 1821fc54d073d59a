"""A study spread over machines, on one machine: a bare git repo and a local-folder DVC remote
stand for the shared remotes; two clones each run their shard of a study (one point each, on
tiny params) and push it with `dvc exp push`; a third clone pulls both and collects the study.
README "Studies" gives the same steps for real machines."""

import csv
import json
import os
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from tiny import ROOT, copy_project, ran, set_params, sh

STUDY = {"title": "latent", "claim": "none", "models": ["vae"], "key": "models.{model}.train.latent_dim",
         "values": [2, 4, 20], "seeds": [42]}


@pytest.fixture(scope="module")
def remotes(tmp_path_factory, mnist_raw_dir):
    """The bare git repo and the DVC remote, holding a tiny VAE-only project whose committed
    run (up to normalize) is pushed; and the environment to run DVC in."""
    root = tmp_path_factory.mktemp("machines")
    origin, store, first = root / "origin.git", root / "dvc-store", copy_project(root / "first")
    params = yaml.safe_load((first / "params.yaml").read_text())
    set_params(first, **{"models": {"vae": params["models"]["vae"]}, "sweep": {},
                         "epochs": 1, "data.local_dir": str(mnist_raw_dir), "data.train_subset": 1000,
                         "evaluator.epochs": 1, "sample.num_samples": 100, "score.num_real": 200,
                         "score.quick_fid_samples": 50, "score.is_splits": 2, "score.cas": False})
    shutil.rmtree(first / "studies", ignore_errors=True)
    (first / "studies").mkdir()
    (first / "studies/latent.yaml").write_text(yaml.safe_dump(STUDY))
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}",
               GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t",
               PYTHONPATH=str(ROOT / "src"))
    sh(root, "git", "init", "-q", "--bare", "-b", "main", str(origin), env=env)
    sh(first, "git", "init", "-q", "-b", "main", env=env)
    sh(first, "dvc", "remote", "add", "-d", "store", str(store), env=env)
    sh(first, "dvc", "repro", "normalize", env=env)
    sh(first, "git", "add", "-A", env=env)
    sh(first, "git", "commit", "-qm", "the committed run", env=env)
    sh(first, "dvc", "push", env=env)
    sh(first, "git", "remote", "add", "origin", str(origin), env=env)
    sh(first, "git", "push", "-q", "origin", "main", env=env)
    return root, origin, env


def machine(remotes, name):
    root, origin, env = remotes
    sh(root, "git", "clone", "-q", str(origin), name, env=env)
    sh(root / name, "dvc", "pull", env=env)
    return root / name


def test_two_machines_run_a_shard_each_and_a_third_collects_the_study(remotes):
    env = remotes[2]
    logs = {}
    for shard, name in ((1, "one"), (2, "two")):  # points: latent 2, 4, 20 (20 = the committed run)
        clone = machine(remotes, name)
        logs[name] = sh(clone, "python", "-m", "genbench.experiments.studies", "run", "latent", "--shard", f"{shard}/2", env=env)
        sh(clone, "dvc", "exp", "push", "origin", env=env)
    assert "1 already run, 1 to run" in logs["one"] and "0 already run, 1 to run" in logs["two"]
    for log in logs.values():  # a point re-runs the VAE's stages and the summary, nothing upstream
        assert ran(log) == {"check_params", "train@vae", "sample@vae", "score@vae", "normalize"}, log[-3000:]
        assert "5 stage runs" in log

    collector = machine(remotes, "collector")
    sh(collector, "dvc", "exp", "pull", "origin", env=env)
    print(sh(collector, "python", "-m", "genbench.experiments.studies", "collect", "latent", env=env))
    with open(collector / "plots/studies/latent.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["model"], r["latent_dim"], r["seed"]) for r in rows] == [
        ("vae", "2", "42"), ("vae", "4", "42"), ("vae", "20", "42")]
    assert len({r["rev"] for r in rows}) == 3  # the committed run and one experiment per machine
    assert len({r["fid"] for r in rows}) == 3
    sh(collector, "dvc", "repro", "studies", env=env)
    summary = json.loads((collector / "metrics/studies/latent.json").read_text())
    assert set(summary["models"]["vae"]) == {"latent_dim=2", "latent_dim=4", "latent_dim=20"}
    assert (collector / "plots/study_figures/latent.png").stat().st_size > 10_000
