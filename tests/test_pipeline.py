"""End to end: the real dvc.yaml on tiny params in a throwaway git + DVC repo, and what DVC
re-runs after a change: only the stages the change can affect."""

import csv
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from PIL import Image

from genbench.data import load_split
from genbench.evaluator import load_evaluator
from genbench.models.base import GenerativeModel
from genbench.reference import Reference
from genbench.sampling import generate
from genbench.scorecard import METRICS, Yardstick, score
from genbench.validate import validate

ROOT = Path(__file__).resolve().parents[1]
COPIED = ["dvc.yaml", "params.yaml", "pyproject.toml", "src", "stages", ".dvc/config", ".gitignore", "studies",
          # the seeds and studies stages' inputs, collected from experiments, not produced by a stage
          "plots/seeds.csv", "plots/studies"]
PER_MODEL = ("train", "sample", "grids", "score", "sweep")


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


def ran(log: str) -> set[str]:
    return {line.split("'")[1] for line in log.splitlines() if line.startswith("Running stage '")}


def changed(project, env) -> set[str]:
    """Stages `dvc status` reports as changed (their own deps or params moved)."""
    status = json.loads(sh(project, "dvc", "status", "--json", env=env).strip().splitlines()[-1])
    return set(status)


def copy_project(project: Path) -> Path:
    """The files a fresh checkout of the project has that the pipeline reads, copied to ``project``."""
    for name in COPIED:
        src, dst = ROOT / name, project / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(src, dst)
    return project


@pytest.fixture(scope="module")
def project(tmp_path_factory, mnist_raw_dir):
    project = copy_project(tmp_path_factory.mktemp("project"))
    set_params(project, **{
        "epochs": 1, "data.local_dir": str(mnist_raw_dir), "data.train_subset": 2000,
        "evaluator.epochs": 2, "sample.num_samples": 200, "score.num_real": 300,
        "score.quick_fid_samples": 100, "score.is_splits": 2,
        "models.ddpm.train.width": 8,
        "models.ddpm.train.timesteps": 50,
        "sweep.ddpm.series": [{"setting": "steps", "values": [2, 10], "num_samples": 100},
                              {"setting": "sampler", "values": ["ddim", "ancestral"], "num_samples": 20},
                              {"setting": "guidance", "values": [0.0, 2.0], "num_samples": 100}]})
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


def stages_of(model):
    """The model's stages (a sweep for the models params.yaml sweeps: the DDPM)."""
    return {f"{stage}@{model}" for stage in PER_MODEL} - (set() if model == "ddpm" else {f"sweep@{model}"})


def test_repro_writes_every_output_with_sane_values(project):
    project, _, log = project
    assert "Running stage 'download'" in log
    evaluator = json.loads((project / "metrics/evaluator.json").read_text())
    assert 0.5 < evaluator["test_accuracy"] <= 1.0
    reference = json.loads((project / "metrics/reference.json").read_text())
    assert {m.key for m in METRICS} <= set(reference)
    assert 0 <= reference["fid"] < reference["fid_uniform_noise"]
    assert 1.0 <= reference["inception_score"] <= 10.0
    summary = json.loads((project / "metrics/summary.json").read_text())
    timings = json.loads((project / "metrics/timings/summary.json").read_text())
    for name in models_of(project):
        with np.load(project / f"data/samples/{name}.npz") as samples:
            assert samples["images"].dtype == np.uint8 and samples["images"].shape == (200, 28, 28)
            assert samples["labels"].dtype == np.int64
        scores = json.loads((project / f"metrics/scores/{name}.json").read_text())
        assert scores["fid"] > reference["fid"]
        assert 1.0 <= scores["inception_score"] <= 10.0
        assert abs(sum(scores["class_distribution"].values()) - 1) < 1e-9
        assert 0 <= scores["precision"] <= 1 and 0 <= scores["recall"] <= 1
        assert (scores["cas"] is None) == (scores["label_accuracy"] is None) == (not scores["conditional"])
        for m in METRICS:
            assert m.key in scores, f"{name}: {m.key} missing"
        train = json.loads((project / f"metrics/train/{name}.json").read_text())
        assert train["parameters"] > 0 and train["epochs"] == train["checkpoint_epoch"] == 1
        assert json.loads((project / f"metrics/timings/train/{name}.json").read_text())["train_seconds"] > 0
        for key in ("quality", "stability", "controllability", "overall_distance"):
            assert 0.0 <= summary[name][key] <= 1.0
        assert 0.0 <= timings[name]["efficiency"] <= 1.0 and "efficiency" not in summary[name]
        history = (project / f"plots/history/{name}.csv").read_text().splitlines()
        assert history[0].startswith("epoch,") and "quick_fid" in history[0] and len(history) == 2
        assert Image.open(project / f"plots/samples/{name}/grid.png").size == (8 * 30 + 2,) * 2
    figures = {p.name for p in (project / "plots" / "figures").glob("*.png")}
    assert {"radar.png", "heatmap.png", "metrics.png", "timings.png", "tradeoff_3d.png", "summary_table.png",
            "training_curves.png", "samples_side_by_side.png", "sweep_ddpm.png"} <= figures
    sweep = json.loads((project / "metrics/sweep/ddpm.json").read_text())
    assert sweep["sampler=ancestral"]["seconds_vs_default"] > 1  # 50 steps against 10
    assert {p.name for p in (project / "plots/sweep/ddpm").iterdir()} == {"steps.csv", "sampler.csv", "guidance.csv"}
    assert validate(project) == []



def test_the_parallel_runner_gives_dvcs_results(project):
    """python -m genbench.parallel (the stages outside DVC, for a GPU) on the same params:
    the same checkpoints, histories and scores as `dvc repro`, with the yardstick reused."""
    project, env, _ = project
    log = sh(project, sys.executable, "-m", "genbench.parallel", "--jobs", "1", "--out", "results/again",
             "--workdir", str(project / "work"), env=env)
    work, out = project / "work", project / "results/again"
    run = json.loads((out / "run.json").read_text())
    assert not {"evaluator", "reference"} & set(run["stages"]) and "plot" in run["stages"], log
    for name in models_of(project):
        checkpoint = f"data/checkpoints/{name}.pt"
        assert (work / checkpoint).read_bytes() == (project / checkpoint).read_bytes(), name
        assert (json.loads((out / f"metrics/scores/{name}.json").read_text())
                == json.loads((project / f"metrics/scores/{name}.json").read_text())), name
        ours = [{k: v for k, v in row.items() if k != "seconds"}
                for row in csv.DictReader(open(out / f"history/{name}.csv"))]
        dvcs = [{k: v for k, v in row.items() if k != "seconds"}
                for row in csv.DictReader(open(project / f"plots/history/{name}.csv"))]
        assert ours == dvcs, name
    assert "| ddpm |" in (out / "README.md").read_text()
    assert sh(project, "git", "status", "--porcelain", "--untracked-files=no", env=env).strip() == ""


def test_second_repro_runs_nothing(project):
    project, env, _ = project
    log = sh(project, "dvc", "repro", env=env)
    assert "Running stage" not in log
    assert changed(project, env) == set()


def test_editing_one_models_module_reruns_that_model_only(project):
    """A comment in vae.py: DVC sees the VAE's train and sample stages changed, nothing else;
    re-training is deterministic, so the samples and the scores stay cached and only the
    timings move, which re-run the aggregates, not the scoring. `dvc metrics diff` against
    the committed run shows timings only: no quality number moved."""
    project, env, _ = project
    sh(project, "git", "add", "-A", env=env)
    sh(project, "git", "commit", "-qm", "the first run", env=env)
    module = project / "src/genbench/models/vae.py"
    module.write_text(module.read_text() + "# a comment\n")
    assert changed(project, env) == {"train@vae", "sample@vae"}
    log = sh(project, "dvc", "repro", env=env)
    assert ran(log) == {"train@vae", "sample@vae", "normalize", "plot"}
    assert changed(project, env) == set()
    diff = json.loads(sh(project, "dvc", "metrics", "diff", "--json", env=env).strip().splitlines()[-1])
    assert diff and all(path.startswith("metrics/timings/") for path in diff), sorted(diff)


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
    assert changed(project, env) == {"sample@ddpm", "sweep@ddpm", "normalize"}  # normalize reads the model list
    log = sh(project, "dvc", "repro", env=env)
    assert {"sample@ddpm", "sweep@ddpm", "score@ddpm", "grids@ddpm", "normalize", "plot"} == ran(log)


def test_cosmetic_params_rerun_only_the_figures(project):
    project, env, _ = project
    set_params(project, **{"plot.grid_rows": 4})
    assert changed(project, env) == {f"grids@{m}" for m in models_of(project)}
    log = sh(project, "dvc", "repro", env=env)
    assert ran(log) == {f"grids@{m}" for m in models_of(project)} | {"plot"}
    assert Image.open(project / "plots/samples/gan/grid.png").size == (4 * 30 + 2,) * 2


def test_changing_vae_lr_reruns_the_vae_only(project):
    project, env, _ = project
    set_params(project, **{"models.vae.train.lr": 2e-3})
    log = sh(project, "dvc", "repro", env=env)
    assert ran(log) == stages_of("vae") | {"normalize", "plot"}
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
    evaluator = load_evaluator(project / "data/evaluator/evaluator.pt")
    reference = Reference.load(project / "data/reference/features.pt")
    x, y = load_split(project / "data/mnist/MNIST/raw", train=False)
    images, labels, _ = generate(RealDigits(x, y, ignore_labels), 2000, seed=0, batch_size=500)
    yardstick = Yardstick(reference, x, y, num_real=300, is_splits=2, cas=False, recipe=None)
    scores = score(evaluator, images, labels, yardstick)
    if expected == "evaluator":
        expected = json.loads((project / "metrics/evaluator.json").read_text())["test_accuracy"]
    assert scores["label_accuracy"] == pytest.approx(expected, abs=0.03)


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


def test_training_killed_at_random_moments_ends_as_an_uninterrupted_run(project, tmp_path):
    """SIGKILL the training stage, by PID, six times at random moments (while it starts,
    mid-epoch, while it writes its state), restarting it each time: the final checkpoint is
    byte for byte the uninterrupted run's. Each kill comes within three epochs of a start,
    so six of them cannot let the 30-epoch run finish early."""
    project, env, _ = project
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["models"]["vae"]["train"]["epochs"] = 30
    params["data"]["train_subset"] = 1000
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))

    def command(out: Path) -> list[str]:  # the train stage's, with its outputs under `out`
        data = project / "data"
        return [sys.executable, str(project / "stages/train.py"), "vae", "--mnist", str(data / "mnist/MNIST/raw"),
                "--evaluator", str(data / "evaluator/evaluator.pt"), "--reference", str(data / "reference/features.pt"),
                "--checkpoint", str(out / "vae.pt"), "--history", str(out / "history.csv"),
                "--metrics", str(out / "train.json"), "--timings", str(out / "timings.json"),
                "--resume", str(out / "resume.pt")]

    subprocess.run(command(tmp_path / "whole"), cwd=tmp_path, env=env, check=True, capture_output=True)
    epoch_seconds = max(float(line.split(",")[-2]) for line in
                        (tmp_path / "whole" / "history.csv").read_text().splitlines()[1:])
    rng = random.Random(0)
    for _ in range(6):
        process = subprocess.Popen(command(tmp_path / "killed"), cwd=tmp_path, env=env, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        for _ in range(rng.randrange(3)):  # let it finish 0, 1 or 2 epochs
            while "/30:" not in process.stdout.readline():
                pass
        time.sleep(rng.uniform(0, 1.5 * epoch_seconds))  # then any moment of the next epoch or its save
        assert process.poll() is None, "a run finished before its kill"
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        process.stdout.close()
    assert not (tmp_path / "killed" / "vae.pt").exists()
    subprocess.run(command(tmp_path / "killed"), cwd=tmp_path, env=env, check=True, capture_output=True)
    assert (tmp_path / "killed" / "vae.pt").read_bytes() == (tmp_path / "whole" / "vae.pt").read_bytes()
    assert json.loads((tmp_path / "killed" / "timings.json").read_text())["resumed_from_epoch"] > 0

    def without_seconds(path):
        return [line.rsplit(",", 2)[0] + line.rsplit(",", 1)[1] for line in path.read_text().splitlines()]
    assert without_seconds(tmp_path / "killed" / "history.csv") == without_seconds(tmp_path / "whole" / "history.csv")


def test_a_seed_experiment_reuses_the_yardstick_and_is_collected_with_intervals(project):
    """`make seeds`' three steps on tiny params: an experiment with another seed re-trains
    every model but neither the evaluator nor the reference; collecting gives one row per
    model and seed, and the seeds stage an interval for every model."""
    project, env, _ = project
    sh(project, "git", "add", "-A", env=env)
    sh(project, "git", "commit", "-qm", "seed 42's results", "--allow-empty", env=env)  # the baseline
    log = sh(project, sys.executable, "-m", "genbench.seeds", "run", "7", env=env)
    assert {f"train@{m}" for m in models_of(project)} <= ran(log)
    assert not {"evaluator", "reference"} & ran(log)
    sh(project, sys.executable, "-m", "genbench.seeds", "collect", "plots/seeds.csv", env=env)
    sh(project, "dvc", "repro", "seeds", env=env)
    summary = json.loads((project / "metrics/seeds.json").read_text())
    assert set(summary) == set(models_of(project))
    for name, s in summary.items():
        assert s["seeds"] == [7, 42], name
        assert s["fid"]["ci_low"] < s["fid"]["mean"] < s["fid"]["ci_high"], name
        assert s["fid_cv"] > 0, name  # another seed, other weights, another FID
    assert (project / "plots/seeds/intervals.png").is_file()
    assert validate(project) == []


def test_exp_run_with_other_epochs_trains_every_model_that_many_epochs(project):
    """`dvc exp run -S epochs=N`, the user's command: every model's history has N epochs,
    and the checkpoint is the last epoch's. (Last in this module: the experiment leaves its
    results in the workspace.)"""
    project, env, _ = project
    sh(project, "dvc", "exp", "run", "-S", "epochs=2", env=env)
    for name in models_of(project):
        history = (project / f"plots/history/{name}.csv").read_text().splitlines()
        assert [line.split(",")[0] for line in history[1:]] == ["1", "2"], name
        train = json.loads((project / f"metrics/train/{name}.json").read_text())
        assert train["epochs"] == train["checkpoint_epoch"] == 2, name
