"""End to end on a copy of the tiny project (tests/tiny.py): the parallel runner gives `dvc
repro`'s results, training killed at random moments ends as an uninterrupted run, and
`dvc exp run -S epochs=N` trains every model N epochs."""

import csv
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from tiny import keep_models, models_of, sh


def untimed(history: Path) -> list[dict]:
    """A training history's rows without the measured seconds (of the epoch, of its quick FID)."""
    return [{k: v for k, v in row.items() if not k.endswith("seconds")} for row in csv.DictReader(open(history))]


def test_the_parallel_runner_gives_dvcs_results(project):
    """python -m genbench.experiments.parallel (the stages outside DVC, for a GPU) on the same params:
    the same checkpoints, histories and scores as `dvc repro`, with the yardstick reused."""
    project, env, _ = project
    keep_models(project, "vae", "cgan", "ddpm")  # one model of each family
    sh(project, "dvc", "repro", env=env)
    sh(project, "git", "commit", "-qam", "three models", env=env)
    log = sh(project, sys.executable, "-m", "genbench.experiments.parallel", "--jobs", "1", "--out", "results/again",
             "--workdir", str(project / "work"), env=env)
    work, out = project / "work", project / "results/again"
    run = json.loads((out / "run.json").read_text())
    assert not {"evaluator", "reference"} & set(run["stages"]) and "plot" in run["stages"], log
    for name in models_of(project):
        checkpoint = f"data/checkpoints/{name}.pt"
        assert (work / checkpoint).read_bytes() == (project / checkpoint).read_bytes(), name
        assert (json.loads((out / f"metrics/scores/{name}.json").read_text())
                == json.loads((project / f"metrics/scores/{name}.json").read_text())), name
        assert untimed(out / f"history/{name}.csv") == untimed(project / f"plots/history/{name}.csv"), name
    assert "| ddpm |" in (out / "README.md").read_text()
    assert sh(project, "git", "status", "--porcelain", "--untracked-files=no", env=env).strip() == ""


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
    epoch_seconds = max(float(row["seconds"]) for row in csv.DictReader(open(tmp_path / "whole" / "history.csv")))
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
    assert untimed(tmp_path / "killed" / "history.csv") == untimed(tmp_path / "whole" / "history.csv")


def test_exp_run_with_other_epochs_trains_every_model_that_many_epochs(project):
    """`dvc exp run -S epochs=N`, the user's command (here up to the trainings): every
    model's history has N epochs, and the checkpoint is the last epoch's. (Last in this
    module: the experiment leaves its results in the workspace.)"""
    project, env, _ = project
    keep_models(project, "vae", "ddpm")  # (the parallel runner's test narrowed them to three already)
    sh(project, "dvc", "exp", "run", "-S", "epochs=2", "train", env=env)  # the trainings only: the rest is the seed test's
    for name in models_of(project):
        history = (project / f"plots/history/{name}.csv").read_text().splitlines()
        assert [line.split(",")[0] for line in history[1:]] == ["1", "2"], name
