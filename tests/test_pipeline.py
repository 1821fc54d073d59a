"""End to end: the real dvc.yaml on tiny params in a throwaway git + DVC repo."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from PIL import Image

from genbench.data import load_split
from genbench.models.base import GenerativeModel
from genbench.sampling import generate
from genbench.evaluator import load_evaluator
from genbench.reference import Reference
from genbench.scoring import score_samples
from genbench.validate import validate

ROOT = Path(__file__).resolve().parents[1]
COPIED = ["dvc.yaml", "params.yaml", "pyproject.toml", "src", "stages", ".dvc/config", ".gitignore"]


def sh(cwd, *args, env=None):
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout + result.stderr


def set_params(project: Path, **changes):
    path = project / "params.yaml"
    params = yaml.safe_load(path.read_text())
    for dotted, value in changes.items():
        node = params
        *parents, last = dotted.split(".")
        for key in parents:
            node = node[key]
        node[last] = value
    path.write_text(yaml.safe_dump(params, sort_keys=False))


@pytest.fixture(scope="module")
def project(tmp_path_factory, mnist_raw_dir):
    project = tmp_path_factory.mktemp("project")
    for name in COPIED:
        src, dst = ROOT / name, project / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(src, dst)
    set_params(project, **{
        "epochs": 1, "data.local_dir": str(mnist_raw_dir), "data.train_subset": 2000,
        "evaluator.epochs": 2, "sample.num_samples": 200, "score.num_real": 300,
        "score.quick_fid_samples": 100, "score.is_splits": 2,
        "models.vae.epochs": None, "models.ddpm.epochs": None, "models.ddpm.width": 8,
        "models.ddpm.timesteps": 50, "sweep.ddim_steps": [2, 5], "sweep.num_samples": 100,
        "sweep.ancestral_samples": 20, "sweep.guidance": [0.0, 2.0]})
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}",
               PYTHONPATH=str(project / "src"), GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")
    sh(project, "git", "init", "-q", env=env)
    sh(project, "git", "add", "-A", env=env)
    sh(project, "git", "commit", "-qm", "tiny", env=env)
    first = sh(project, "dvc", "repro", env=env)
    return project, env, first


def models_of(project):
    return list(yaml.safe_load((project / "params.yaml").read_text())["models"])


def test_repro_writes_every_output_with_sane_values(project):
    project, _, log = project
    assert "Running stage 'download'" in log
    evaluator = json.loads((project / "metrics/evaluator.json").read_text())
    assert 0.5 < evaluator["test_accuracy"] <= 1.0
    reference = json.loads((project / "metrics/reference.json").read_text())
    assert reference["fid_train_vs_test"] >= 0
    assert 1.0 <= reference["inception_score_test"]["mean"] <= 10.0
    summary = json.loads((project / "metrics/summary.json").read_text())
    for name in models_of(project):
        with np.load(project / f"data/samples/{name}.npz") as samples:
            assert samples["images"].dtype == np.uint8 and samples["images"].shape == (200, 28, 28)
            assert samples["labels"].dtype == np.int64
        scores = json.loads((project / f"metrics/scores/{name}.json").read_text())
        assert scores["fid"] > reference["fid_train_vs_test"]
        assert 1.0 <= scores["inception_score"]["mean"] <= 10.0
        assert abs(sum(scores["class_distribution"]) - 1) < 1e-9
        eff = scores["efficiency"]
        assert eff["sample_seconds_per_1000"] > 0 and eff["parameters"] > 0 and eff["train_seconds"] > 0
        assert 0 <= scores["precision"] <= 1 and 0 <= scores["recall"] <= 1
        assert (scores["cas"] is None) == (scores["label_accuracy"] is None) == (not scores["conditional"])
        assert set(scores["stability"]) >= {"fid_spread", "loss_variance", "fid_worsened_epochs"}
        assert scores["reference"] == reference
        for value in summary[name].values():
            assert 0.0 <= value <= 1.0
        history = (project / f"plots/history/{name}.csv").read_text().splitlines()
        assert history[0].startswith("epoch,") and "quick_fid" in history[0] and len(history) == 2
        assert Image.open(project / f"plots/samples/{name}/grid.png").size[0] > 100
    figures = {p.name for p in (project / "plots" / "figures").glob("*.png")}
    assert {"radar.png", "heatmap.png", "fid.png", "inception_score.png", "timings.png",
            "tradeoff_3d.png", "summary_table.png", "training_curves.png",
            "samples_side_by_side.png", "ddpm_sweep.png", "ddpm_guidance.png"} <= figures
    sweep = json.loads((project / "metrics/sweep/ddpm.json").read_text())
    assert sweep["speedup_default_vs_ancestral"] > 1
    assert [r["guidance"] for r in sweep["guidance_settings"].values()] == [0.0, 2.0]
    assert validate(project) == []


def test_second_repro_runs_nothing(project):
    project, env, _ = project
    log = sh(project, "dvc", "repro", env=env)
    assert "Running stage" not in log
    assert "up to date" in sh(project, "dvc", "status", env=env)


def test_changing_vae_lr_reruns_the_vae_only(project):
    project, env, _ = project
    set_params(project, **{"models.vae.lr": 2e-3})
    log = sh(project, "dvc", "repro", env=env)
    for stage in ("train@vae", "sample@vae", "score@vae", "normalize"):
        assert f"Running stage '{stage}'" in log
    for stage in ("download", "evaluator", "reference"):
        assert f"Running stage '{stage}'" not in log


class RealDigits(GenerativeModel):
    """A 'model' that answers a request for digit d with a real test image of digit d
    (or, with ``ignore_labels``, with any test image)."""
    name = "real"
    conditional = True

    def __init__(self, images, labels, ignore_labels=False):
        super().__init__(None)
        self.anchor = torch.nn.Parameter(torch.zeros(1))
        self.images, self.labels, self.ignore_labels = images, labels, ignore_labels

    def generate(self, n, labels=None, generator=None):
        picks = []
        for d in labels.tolist():
            pool = torch.arange(len(self.labels)) if self.ignore_labels else torch.nonzero(self.labels == d)[:, 0]
            picks.append(pool[torch.randint(len(pool), (1,), generator=generator)])
        return self.images[torch.cat(picks)]


@pytest.mark.parametrize("ignore_labels, expected", [(False, "evaluator"), (True, 0.1)])
def test_label_accuracy_of_real_digits_and_of_random_labels(project, ignore_labels, expected):
    project, _, _ = project
    evaluator = load_evaluator(project / "data/evaluator/evaluator.pt", "cpu")
    reference = Reference.load(project / "data/reference/features.pt")
    x, y = load_split(project / "data/mnist", train=False)
    images, labels, _ = generate(RealDigits(x, y, ignore_labels), 2000, seed=0)
    scores = score_samples(evaluator, images, labels, reference, num_real=300, is_splits=2, device="cpu")
    if expected == "evaluator":
        expected = json.loads((project / "metrics/evaluator.json").read_text())["test_accuracy"]
    assert scores["label_accuracy"] == pytest.approx(expected, abs=0.03)
