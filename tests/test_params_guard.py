"""A bad params.yaml is refused before any output is touched: stage check_params, which every
stage depends on, stops `dvc repro` and `dvc exp run` with one line naming the key, and every
output of the previous run is still there, byte for byte."""

import hashlib
import subprocess

import pytest

from tiny import set_params, sh

# (dotted key, bad value, what the one line says): the cases, each a way a run used to
# lose outputs or run on silently; every other bad value goes through the same check
# (tests/test_config.py refuses each kind without DVC)
BREAKS = [
    ("epochs", 0, "epochs: must be >= 1, got 0"),
    ("epoch", 5, "epoch: unknown key"),
    ("data.root", "x", "data.root: unknown key"),
    ("sample.num_samples", 7, "sample.num_samples: must be"),
    ("data.local_dir", "/nonexistent/mnist", "data.local_dir: /nonexistent/mnist: not a folder"),
]


def snapshot(project) -> dict[str, str]:
    """md5 of every file the pipeline wrote (and dvc.lock)."""
    files = [project / "dvc.lock"] + [p for top in ("data", "metrics", "plots") for p in (project / top).rglob("*")
                                      if p.is_file() and "resume" not in p.parts]
    return {str(p.relative_to(project)): hashlib.md5(p.read_bytes()).hexdigest() for p in files}


@pytest.mark.parametrize("key, value, message", BREAKS, ids=[b[0] for b in BREAKS])
def test_a_bad_params_file_stops_dvc_repro_before_any_output_is_touched(project, key, value, message):
    project, env, _ = project
    before = snapshot(project)
    good = (project / "params.yaml").read_bytes()
    parent, _, leaf = key.rpartition(".")
    try:
        if leaf in ("epoch", "root"):  # a key params.yaml does not have
            import yaml

            params = yaml.safe_load(good)
            (params[parent] if parent else params)[leaf] = value
            (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
        else:
            set_params(project, **{key: value})
        run = subprocess.run(["dvc", "repro"], cwd=project, env=env, capture_output=True, text=True)
    finally:
        (project / "params.yaml").write_bytes(good)
    output = run.stdout + run.stderr
    assert run.returncode != 0
    errors = [line for line in output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and message in errors[0], output[-2000:]
    assert "Running stage 'check_params'" in output and output.count("Running stage") == 1
    assert snapshot(project) == before


@pytest.mark.parametrize("setting, message", [
    ("epoch=50", "Could not override 'epoch'"),  # DVC refuses a key params.yaml lacks
    ("+epoch=50", "error: epoch: unknown key"),  # added anyway: check_params refuses it
    ("epochs=0", "error: epochs: must be >= 1, got 0"),
])
def test_a_mistyped_experiment_param_runs_nothing_and_keeps_every_output(project, setting, message):
    project, env, _ = project
    before = snapshot(project)
    good = (project / "params.yaml").read_bytes()
    try:
        run = subprocess.run(["dvc", "exp", "run", "-S", setting], cwd=project, env=env,
                             capture_output=True, text=True)
    finally:
        (project / "params.yaml").write_bytes(good)
    assert run.returncode != 0
    assert message in run.stdout + run.stderr
    assert snapshot(project) == before
    assert "Running stage" not in sh(project, "dvc", "repro", env=env)  # and nothing is stale after
