"""End to end: the real dvc.yaml on tiny params in a throwaway git + DVC repo (tests/tiny.py),
and what DVC re-runs after a change: only the stages the change can affect."""

import json

import numpy as np
import pytest
import torch
import yaml
from PIL import Image

from genbench.data import load_split
from genbench.models.base import GenerativeModel
from genbench.sampling import generate
from genbench.results.catalogue import DC_NEIGHBOURS, METRICS, PR_NEIGHBOURS, TRACKED
from genbench.scoring.real_features import RealFeatures
from genbench.scoring.scorecard import Yardstick, load_networks, score
from genbench.experiments.validate import validate
from tiny import PER_MODEL, changed, models_of, ran, set_params, sh


def stages_of(model):
    """The model's stages (a sweep for the models params.yaml sweeps: the DDPM)."""
    return {f"{stage}@{model}" for stage in PER_MODEL} - (set() if model == "ddpm" else {f"sweep@{model}"})


def test_repro_writes_every_output_with_sane_values(project):
    project, _, log = project
    assert "Running stage 'download'" in log
    evaluator = json.loads((project / "metrics/evaluator.json").read_text())
    assert evaluator["source"] == "shipped" and evaluator["test_accuracy"] >= 0.99  # not trained here
    assert min(evaluator["reader"]["accuracy"].values()) >= 0.98  # the shipped reader on corrupted digits
    reference = json.loads((project / "metrics/reference.json").read_text())
    num_real = yaml.safe_load((project / "params.yaml").read_text())["score"]["num_real"]
    real = RealFeatures.load(project / "data/reference/real.pt")  # the real data every score compares with
    assert reference["num_real"] == len(real.test_labels) == len(real.test_probs) == num_real < 10_000
    for space, radii in real.test_radii.items():  # the k-NN metrics' real balls, computed once here
        assert set(radii) == {PR_NEIGHBOURS, DC_NEIGHBOURS} and len(radii[PR_NEIGHBOURS]) == num_real, space
        assert (radii[PR_NEIGHBOURS] <= radii[DC_NEIGHBOURS]).all(), space
    assert {m.key for m in METRICS} <= set(reference)
    for space in ("", "_ae", "_pca"):
        assert 0 <= reference[f"fid{space}"] < reference[f"fid{space}_uniform_noise"]
    assert 1.0 <= reference["inception_score"] <= 10.0
    summary_file = json.loads((project / "metrics/summary.json").read_text())
    summary = summary_file["models"]
    assert set(summary_file["rank_agreement"]) == {"fid", "kid", "precision", "recall", "density", "coverage"}
    timings = json.loads((project / "metrics/timings/summary.json").read_text())
    for name in models_of(project):
        with np.load(project / f"data/samples/{name}.npz") as samples:
            assert samples["images"].dtype == np.uint8 and samples["images"].shape == (100, 28, 28)
            assert samples["labels"].dtype == np.int64
        scores = json.loads((project / f"metrics/scores/{name}.json").read_text())
        assert scores["fid"] > reference["fid"]
        assert 1.0 <= scores["inception_score"] <= 10.0
        assert abs(sum(scores["class_distribution"].values()) - 1) < 1e-9
        assert 0 <= scores["precision"] <= 1 and 0 <= scores["recall"] <= 1
        assert (scores["cas"] is None) == (scores["label_accuracy"] is None) == (not scores["conditional"])
        for m in METRICS:
            assert m.key in scores, f"{name}: {m.key} missing"
        tracked = json.loads((project / f"metrics/headline/{name}.json").read_text())
        assert list(tracked) == TRACKED and tracked["fid"] == pytest.approx(scores["fid"], rel=1e-3)
        train = json.loads((project / f"metrics/train/{name}.json").read_text())
        assert train["parameters"] > 0 and train["epochs"] == train["checkpoint_epoch"] == 1
        assert train["numerics"]["precision"] == "float32" and train["numerics"]["device"] == "cpu"
        assert json.loads((project / f"metrics/timings/train/{name}.json").read_text())["train_seconds"] > 0
        for key in ("quality", "stability", "controllability", "overall_distance"):
            assert 0.0 <= summary[name][key] <= 1.0
        assert 0.0 <= timings[name]["efficiency"] <= 1.0 and "efficiency" not in summary[name]
        history = (project / f"plots/history/{name}.csv").read_text().splitlines()
        assert history[0].startswith("epoch,") and "quick_fid" in history[0] and len(history) == 2
        assert Image.open(project / f"plots/samples/{name}/grid.png").size == (8 * 30 + 2,) * 2
        assert Image.open(project / f"plots/memorization/{name}.png").size == (8 * 30 + 2, 2 * 30 + 2)
    figures = {p.name for p in (project / "plots" / "figures").glob("*.png")}
    assert {"radar.png", "heatmap.png", "metrics.png", "timings.png", "tradeoff_3d.png", "summary_table.png",
            "training_curves.png", "samples_side_by_side.png", "memorization.png", "sweep_ddpm.png",
            "space_ranks.png", "quality_over_time.png"} <= figures
    sweep = json.loads((project / "metrics/sweep/ddpm.json").read_text())
    assert sweep["sampler=ancestral"]["seconds_vs_default"] > 1  # 50 steps against 10
    assert {p.name for p in (project / "plots/sweep/ddpm").iterdir()} == {"steps.csv", "sampler.csv", "guidance.csv"}
    assert validate(project) == []


def test_second_repro_runs_nothing(project):
    project, env, _ = project
    log = sh(project, "dvc", "repro", env=env)
    assert "Running stage" not in log
    assert changed(project, env) == set()


def test_editing_one_models_module_reruns_that_model_only(project):
    """A comment in vae.py: DVC sees the VAE's train and sample stages changed, nothing else;
    re-training is deterministic, so the samples and the scores stay cached and only the
    timings move, which re-run the aggregates, not the scoring. `dvc metrics diff` against
    the committed run is empty (no tracked number moved); only the timings files changed."""
    project, env, _ = project
    sh(project, "git", "add", "-A", env=env)
    sh(project, "git", "commit", "-qm", "the first run", env=env)
    module = project / "src/genbench/models/vae.py"
    module.write_text(module.read_text() + "# a comment\n")
    assert changed(project, env) == {"check_params", "train@vae", "sample@vae"}  # check_params: every model's code
    log = sh(project, "dvc", "repro", env=env)
    assert ran(log) == {"check_params", "train@vae", "sample@vae", "normalize", "plot"}
    assert changed(project, env) == set()
    diff = json.loads(sh(project, "dvc", "metrics", "diff", "--json", env=env).strip().splitlines()[-1])
    assert diff == {}, diff
    moved = sh(project, "git", "status", "--porcelain", "metrics", env=env).split()
    assert moved and all(p.startswith("metrics/timings/") for p in moved if p.endswith(".json")), moved


def test_the_yardstick_ignores_the_models_seed_batch_size_and_device(project):
    """The evaluator and the reference have their own seed and run on the CPU: another
    `seed`, `batch_size` or `device` re-trains the models but keeps the yardstick cached."""
    project, env, _ = project
    before = (project / "params.yaml").read_text()
    try:
        set_params(project, seed=7, batch_size=64, device="auto")
        stale = changed(project, env)
        assert {f"train@{m}" for m in models_of(project)} <= stale
        assert not stale & {"evaluator", "reference"} and not any(s.startswith("score@") for s in stale)
    finally:
        (project / "params.yaml").write_text(before)


def test_changing_a_sampler_setting_resamples_without_training(project):
    project, env, _ = project
    set_params(project, **{"models.ddpm.sample.guidance": 1.0})
    # check_params reads all of params.yaml; normalize reads the model list
    assert changed(project, env) == {"check_params", "sample@ddpm", "sweep@ddpm", "normalize"}
    log = sh(project, "dvc", "repro", env=env)
    assert {"check_params", "sample@ddpm", "sweep@ddpm", "score@ddpm", "grids@ddpm", "normalize", "plot"} == ran(log)


def test_cosmetic_params_rerun_only_the_figures(project):
    project, env, _ = project
    set_params(project, **{"plot.grid_rows": 4})
    assert changed(project, env) == {f"grids@{m}" for m in models_of(project)} | {"check_params"}
    log = sh(project, "dvc", "repro", env=env)
    assert ran(log) == {f"grids@{m}" for m in models_of(project)} | {"check_params", "plot"}
    assert Image.open(project / "plots/samples/gan/grid.png").size == (4 * 30 + 2,) * 2


def test_changing_vae_lr_reruns_the_vae_only(project):
    project, env, _ = project
    set_params(project, **{"models.vae.train.lr": 2e-3})
    log = sh(project, "dvc", "repro", env=env)
    assert ran(log) == stages_of("vae") | {"check_params", "normalize", "plot"}
    for model in set(models_of(project)) - {"vae"}:
        assert not ran(log) & stages_of(model), f"{model}'s stages re-ran"


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
    networks = load_networks(project / "data/evaluator", "shipped")
    real = RealFeatures.load(project / "data/reference/real.pt")
    x, y = load_split(project / "data/mnist/MNIST/raw", train=False)
    images, labels, _ = generate(RealDigits(x, y, ignore_labels), 2000, seed=0, batch_size=500)
    yardstick = Yardstick(real, networks, x, y, num_real=200, is_splits=2, cas=False, recipe=None)
    scores = score(images, labels, yardstick)
    if expected == "evaluator":
        expected = json.loads((project / "metrics/evaluator.json").read_text())["reader"]["accuracy"]["clean"]
    assert scores["label_accuracy"] == pytest.approx(expected, abs=0.03)


def test_a_retrained_evaluator_is_an_explicit_choice(project):
    """`evaluator.source: train` trains one here (and names no hash); back to `shipped`, the
    stage copies the shipped file again and nothing downstream moves."""
    project, env, _ = project
    before = (project / "params.yaml").read_text()
    try:
        set_params(project, **{"evaluator.source": "train", "evaluator.epochs": 1})
        assert "evaluator" in changed(project, env)
        sh(project, "dvc", "repro", "evaluator", env=env)
        trained = json.loads((project / "metrics/evaluator.json").read_text())
        assert trained["source"] == "train" and trained["sha256"] is None and trained["train_images"] == 1000
    finally:
        (project / "params.yaml").write_text(before)
    sh(project, "dvc", "repro", "evaluator", env=env)
    assert changed(project, env) == set()
