"""The parallel runner (python -m genbench.experiments.parallel) on the real dvc.yaml and params.yaml with
stand-in stage scripts: every stage after the stages it reads from and no later, the committed
yardstick checked and never re-made, a failed stage run again with the fallback, and the result
set. That its results equal `dvc repro`'s is checked end to end in test_pipeline.py."""

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from genbench.experiments import parallel
from genbench.layout import pipeline_stages
from genbench.results.tables import COLUMNS

ROOT = Path(__file__).resolve().parents[1]
YARDSTICK_FILES = {"evaluator": ["data/evaluator/evaluator.pt", "metrics/evaluator.json"],
                   "reference": ["data/reference/features.pt", "metrics/reference.json"]}

# Each stand-in stage appends "STAGE[@MODEL] start|end TIME" to ran.txt; train@ddpm fails
# while the DDPM's compile setting is on (a compiler that breaks on the GPU machine).
STAND_IN = '''
import sys, time, yaml
from pathlib import Path
stage = Path(__file__).stem
model = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("--") else None
name = stage + (f"@{model}" if model else "")
params = yaml.safe_load(open("params.yaml"))
with open("ran.txt", "a") as fh:
    fh.write(f"{name} start {time.time()}\\n")
if name == "train@ddpm" and params["models"]["ddpm"]["train"].get("compile", "none") != "none":
    sys.exit("error: compile failed")
time.sleep((60 if params["epochs"] == 99 else 0.5) if stage == "train" else 0.3)
if stage == "normalize":
    Path("plots").mkdir(exist_ok=True)
    Path("plots/summary.csv").write_text(Path("stages/summary.csv").read_text())
with open("ran.txt", "a") as fh:
    fh.write(f"{name} end {time.time()}\\n")
'''


@pytest.fixture
def project(tmp_path):
    """A project with the real dvc.yaml and params.yaml, stand-in stages, and a committed
    yardstick that dvc.lock records."""
    for name in ("dvc.yaml", "params.yaml"):
        shutil.copy2(ROOT / name, tmp_path / name)
    (tmp_path / "stages").mkdir()
    for stage in pipeline_stages(ROOT):
        (tmp_path / "stages" / f"{stage}.py").write_text(STAND_IN)
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    columns = ["model"] + [key for key, _, _, _ in COLUMNS] + [ref for _, _, _, ref in COLUMNS if ref]
    (tmp_path / "stages" / "summary.csv").write_text(  # what the stand-in normalize writes
        ",".join(columns) + "\n" + "".join(f"{m}," + ",".join(["1.5"] * (len(columns) - 1)) + "\n"
                                           for m in params["models"]))
    lock = {"schema": "2.0", "stages": {}}
    for stage, files in YARDSTICK_FILES.items():
        outs = []
        for path in files:
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / path).write_text(f"the committed {path}")
            outs.append({"path": path, "hash": "md5",
                         "md5": hashlib.md5((tmp_path / path).read_bytes()).hexdigest()})
        keys = pipeline_stages(ROOT)[stage]["params"]
        lock["stages"][stage] = {"params": {"params.yaml": {k: parallel.lookup(params, k) for k in keys}},
                                 "outs": outs}
    (tmp_path / "dvc.lock").write_text(yaml.safe_dump(lock))
    return tmp_path


def run_in(project, monkeypatch, *args):
    monkeypatch.chdir(project)
    return parallel.main([*args, "--workdir", str(project / "work")])


def events(project):
    rows = [line.split() for line in (project / "work" / "ran.txt").read_text().splitlines()]
    return {(name, what): float(when) for name, what, when in rows}


def test_every_stage_runs_after_what_it_reads_and_no_later(project, monkeypatch):
    assert run_in(project, monkeypatch, "--set", "epochs=50", "--out", "results/{device}-epochs{epochs}") == 0
    models = list(yaml.safe_load((project / "params.yaml").read_text())["models"])
    seen = events(project)

    def before(first, then):
        assert seen[(first, "end")] <= seen[(then, "start")], (first, then)

    for model in models:
        before("download", f"train@{model}")
        before(f"train@{model}", f"sample@{model}")
        for stage in ("grids", "score"):
            before(f"sample@{model}", f"{stage}@{model}")
            before(f"{stage}@{model}", "plot" if stage == "grids" else "normalize")
        # grids and scores read the same samples: they ran at the same time
        assert seen[(f"score@{model}", "start")] < seen[(f"grids@{model}", "end")], model
    before("train@ddpm", "sweep@ddpm")
    before("sweep@ddpm", "plot")
    before("normalize", "plot")
    # the sweep reads the checkpoint only: it ran beside the DDPM's sampling
    assert seen[("sweep@ddpm", "start")] < seen[("sample@ddpm", "end")]
    # the models' training overlapped: every one started before any one ended
    assert max(seen[(f"train@{m}", "start")] for m in models) < min(seen[(f"train@{m}", "end")] for m in models)
    assert not any(name in ("evaluator", "reference", "seeds", "studies") for name, _ in seen)

    out = project / "results" / "cpu-epochs50"
    run = json.loads((out / "run.json").read_text())
    assert run["params"]["epochs"] == 50 and run["changes"] == ["epochs=50"] and run["retried"] == []
    assert set(run["stages"]) == {"check_params", "download", "normalize", "plot", "sweep@ddpm"} | {
        f"{s}@{m}" for m in models for s in ("train", "sample", "grids", "score")}
    assert all(s["ok"] and s["seconds"] >= 0 for s in run["stages"].values())
    assert run["yardstick_md5"].keys() == {p for files in YARDSTICK_FILES.values() for p in files}
    assert yaml.safe_load((out / "params.yaml").read_text())["epochs"] == 50
    readme = (out / "README.md").read_text()
    assert readme.startswith("# cpu (") and "50 epochs: the whole protocol in" in readme
    assert "| train@ddpm |" in readme and "the yardstick" in readme
    assert (out / "logs" / "train-ddpm.log").is_file()
    assert "| wgan_gp | 1.5" in readme  # the summary table
    # the project's own params and outputs are untouched
    assert yaml.safe_load((project / "params.yaml").read_text())["epochs"] == yaml.safe_load(
        (ROOT / "params.yaml").read_text())["epochs"]
    assert not (project / "plots").exists()


def test_jobs_limits_the_stages_at_a_time(project, monkeypatch):
    assert run_in(project, monkeypatch, "--jobs", "2", "--out", "results/run") == 0
    seen = events(project)
    for name, what in seen:
        if what == "start":
            at = seen[(name, "start")]
            assert sum(seen[(n, "start")] <= at < seen[(n, "end")] for n, w in seen if w == "start") <= 2, name


def test_a_failed_stage_runs_again_at_once_with_the_fallback(project, monkeypatch, capsys):
    code = run_in(project, monkeypatch, "--set", "models.ddpm.train.compile=reduce-overhead",
                  "--fallback", "models.ddpm.train.compile=none", "--out", "results/run")
    assert code == 0
    seen = events(project)
    # the retry did not wait for the other models' stages
    assert seen[("train@ddpm", "start")] < max(seen[(f"score@{m}", "end")] for m in ("vae", "gan", "wgan_gp"))
    run = json.loads((project / "results/run/run.json").read_text())
    assert run["retried"] == ["train@ddpm"] and run["fallback"] == ["models.ddpm.train.compile=none"]
    assert not run["stages"]["train@ddpm (first try)"]["ok"] and run["stages"]["train@ddpm"]["ok"]
    assert run["params"]["models"]["ddpm"]["train"]["compile"] == "none"
    out = capsys.readouterr().out
    assert "train@ddpm: FAILED (1) in" in out and "train@ddpm: running it again with models.ddpm" in out


def test_a_failed_stage_without_fallback_fails_the_run_and_skips_what_reads_it(project, monkeypatch):
    code = run_in(project, monkeypatch, "--set", "models.ddpm.train.compile=default", "--out", "results/run")
    assert code == 1
    run = json.loads((project / "results/run/run.json").read_text())
    assert not {"sample@ddpm", "sweep@ddpm", "normalize", "plot"} & set(run["stages"])
    assert run["stages"]["score@vae"]["ok"] and run["stages"]["grids@gan"]["ok"]
    assert "6 of 7 models trained" in (project / "results/run/README.md").read_text()


@pytest.mark.parametrize("change, message", [
    ("evaluator.epochs=3", "--set changes evaluator, which the yardstick (stage evaluator) was made with"),
    ("score.num_real=100", "--set changes score.num_real, which the yardstick (stage evaluator)"),
    ("nothing.here=1", "--set nothing.here: no nothing in params.yaml"),
    ("epochs", "--set 'epochs': expected KEY=VALUE"),
    ("epochs=0", "epochs: must be >= 1"),
])
def test_changes_that_would_move_the_yardstick_or_are_invalid_are_refused(project, monkeypatch, capsys, change, message):
    assert run_in(project, monkeypatch, "--set", change, "--out", "results/run") == 1
    assert message in capsys.readouterr().err
    assert not (project / "work" / "ran.txt").exists()


def test_a_yardstick_file_that_is_not_the_committed_one_is_refused(project, monkeypatch, capsys):
    (project / "data/reference/features.pt").write_text("made again, elsewhere")
    assert run_in(project, monkeypatch, "--out", "results/run") == 1
    assert "data/reference/features.pt: missing or not the file dvc.lock records" in capsys.readouterr().err


def test_the_stages_are_dvc_yamls_with_this_python():
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    stages = parallel.pipeline(pipeline_stages(ROOT), params)
    train = stages["train@ddpm"]
    assert train.command.startswith(f"{sys.executable} stages/train.py ddpm ")
    assert "data/checkpoints/ddpm.pt" in train.outs and "plots/history/ddpm.csv" in train.outs
    assert "src/genbench/models/diffusion.py" in train.deps  # ${item.family} filled in
    assert set(stages) - {"check_params", "download", "normalize", "plot"} == {
        f"{s}@{m}" for s in ("train", "sample", "grids", "score") for m in params["models"]} | {
        f"sweep@{m}" for m in params["sweep"]}
    after = parallel.upstream(stages)
    assert after["download"] == {"check_params"}  # params.yaml checked whole, first
    assert after["train@ddpm"] == {"check_params", "download"}  # the yardstick's files are inputs, not stages
    assert after["sweep@ddpm"] == {"check_params", "download", "train@ddpm"}  # MNIST test: the sweep's yardstick
    assert after["normalize"] == {"check_params"} | {f"{s}@{m}" for s in ("train", "sample", "score")
                                                     for m in params["models"]}
    # plot draws the histories, grids, sweeps and the memorization pairs each score writes; not the samples
    assert {"sweep@ddpm", "normalize", "train@vae", "grids@vae", "score@vae"} < after["plot"]
    assert "sample@vae" not in after["plot"]


def test_a_stopped_run_ends_its_stages_and_keeps_what_finished(project):
    """`timeout` (SIGTERM) during training: the stages end at once and run.json says the
    run was cut, with the stages that finished."""
    import signal
    import subprocess
    import time

    proc = subprocess.Popen([sys.executable, "-m", "genbench.experiments.parallel", "--set", "epochs=99", "--out", "results/run",
                             "--workdir", str(project / "work")], cwd=project, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    ran = project / "work" / "ran.txt"
    deadline = time.time() + 60
    while time.time() < deadline and (not ran.exists() or ran.read_text().count("train@") < 7):
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 1, proc.stdout.read()
    run = json.loads((project / "results/run/run.json").read_text())
    assert run["cut"] and run["stages"]["download"]["ok"]
    assert not any(s["ok"] for name, s in run["stages"].items() if name.startswith("train@"))
    assert "99 epochs: cut after" in (project / "results/run/README.md").read_text()
    assert "0 of 7 models trained (none), 0 scored" in (project / "results/run/README.md").read_text()
    time.sleep(1)
    assert " end " not in "".join(line for line in ran.read_text().splitlines(True) if "train@" in line)
