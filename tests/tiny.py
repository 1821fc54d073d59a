"""The project on tiny params, for the end-to-end tests: the real dvc.yaml, stages and code
copied into a throwaway git + DVC repo. One is built per test session (shared by pytest-xdist's
workers through a file lock) and each test module works on its own copy of it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from filelock import FileLock

ROOT = Path(__file__).resolve().parents[1]
COPIED = ["dvc.yaml", "params.yaml", "pyproject.toml", "src", "stages", ".dvc/config", ".gitignore", "studies",
          # the seeds and studies stages' inputs, collected from experiments, not produced by a stage
          "plots/seeds.csv", "plots/studies",
          # the committed 50-epoch run's headline, which dvc.yaml's top-level metrics name
          "results/epochs50/metrics/headline"]
PER_MODEL = ("train", "sample", "grids", "score", "sweep")


def tiny_params(mnist_raw_dir) -> dict:
    """Every stage on a few hundred images: 1 epoch on 1,000 training images, narrow
    networks, 100 samples; enough to exercise every path, nothing more."""
    return {
        "epochs": 1, "data.local_dir": str(mnist_raw_dir), "data.train_subset": 1000,
        "sample.num_samples": 100, "score.num_real": 200, "score.quick_fid_samples": 50, "score.is_splits": 2,
        "models.dcgan.train.width": 4, "models.cdcgan.train.width": 4, "models.wgan_gp.train.width": 4,
        "models.ddpm.train.width": 8, "models.ddpm.train.timesteps": 50,
        "sweep.ddpm.series": [{"setting": "steps", "values": [2, 10], "num_samples": 50},
                              {"setting": "sampler", "values": ["ddim", "ancestral"], "num_samples": 10},
                              {"setting": "guidance", "values": [0.0, 2.0], "num_samples": 50}]}


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


def keep_models(project: Path, *names: str) -> None:
    """Narrow the project's params.yaml to the models ``names`` (their sweeps too): for the tests
    that re-run every model's stages to check one property, which a few models show as well."""
    path = project / "params.yaml"
    params = yaml.safe_load(path.read_text())
    params["models"] = {name: params["models"][name] for name in names}
    params["sweep"] = {name: sweep for name, sweep in params["sweep"].items() if name in names}
    path.write_text(yaml.safe_dump(params, sort_keys=False))


def ran(log: str) -> set[str]:
    return {line.split("'")[1] for line in log.splitlines() if line.startswith("Running stage '")}


def models_of(project: Path) -> list[str]:
    return list(yaml.safe_load((project / "params.yaml").read_text())["models"])


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


def environment(project: Path) -> dict:
    """DVC, git and the stages run with the venv's tools and the project copy's own code."""
    return dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}",
                PYTHONPATH=str(project / "src"), GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t",
                GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")


def build(project: Path, mnist_raw_dir) -> str:
    """A committed tiny project at ``project`` after its first `dvc repro`; returns that log."""
    copy_project(project)
    set_params(project, **tiny_params(mnist_raw_dir))
    env = environment(project)
    sh(project, "git", "init", "-q", env=env)
    sh(project, "git", "add", "-A", env=env)
    sh(project, "git", "commit", "-qm", "tiny", env=env)
    return sh(project, "dvc", "repro", env=env)


def built_template(shared: Path, mnist_raw_dir) -> tuple[Path, str]:
    """The session's tiny project, built by the first worker that asks (the others wait)."""
    template, log = shared / "tiny-project", shared / "tiny-project.log"
    with FileLock(str(shared / "tiny-project.lock")):
        if not log.exists():
            shutil.rmtree(template, ignore_errors=True)
            log.write_text(build(template, mnist_raw_dir))
    return template, log.read_text()


def clone(template: Path, project: Path) -> tuple[Path, dict]:
    """A copy of the built tiny project (work tree, git, DVC cache) to change freely."""
    shutil.copytree(template, project, symlinks=True)
    shutil.rmtree(project / ".dvc" / "tmp", ignore_errors=True)  # DVC's state of the template's files
    return project, environment(project)
