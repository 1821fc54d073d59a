"""The whole pipeline outside DVC, every model's chain (train, sample, grids, score, sweep) in
its own process and all models at once, for a GPU: the models are far smaller than the device,
and DVC runs stages one after another. The commands are dvc.yaml's, run in a scratch folder on
a copy of params.yaml with the ``--set`` changes; the yardstick (evaluator, reference features)
is the committed run's, checked against dvc.lock, so the scores compare with the CPU table.
The result set (metrics, summary table, histories, figures, each stage's wall time) goes to
``--out``; nothing in the project's own outputs or dvc.lock changes.

    python -m genbench.parallel --set epochs=50 --set device=cuda --out 'results/gpu-{device}-epochs{epochs}'

``make gpu`` runs the prepared GPU command; README "On a GPU" has the steps for a lent machine.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch
import yaml

from genbench.config import load_params
from genbench.errors import ConfigError, DataError
from genbench.tables import markdown_summary
from genbench.utils import read_csv, write_json

# The stages whose outputs make the yardstick: reused from the committed run, never re-run.
YARDSTICK = ("evaluator", "reference")
# Each model's stages in order, and the aggregates after every model's.
CHAIN = ("train", "sample", "grids", "score", "sweep")
AGGREGATES = ("normalize", "plot")
# What the result set keeps of the scratch folder: (path there, path in --out).
RESULTS = [("metrics", "metrics"), ("plots/summary.csv", "summary.csv"), ("plots/history", "history"),
           ("plots/figures", "figures"), ("plots/samples", "samples"), ("plots/sweep", "sweep"),
           ("params.yaml", "params.yaml"), ("logs", "logs")]


def set_param(params: dict, assignment: str) -> None:
    """Apply ``KEY=VALUE`` (a dotted key, a YAML value) as `dvc exp run -S` does; the key's
    parent must exist."""
    key, sep, text = assignment.partition("=")
    if not sep or not key:
        raise ConfigError(f"--set {assignment!r}: expected KEY=VALUE")
    *parents, leaf = key.split(".")
    node = params
    for i, part in enumerate(parents):
        if not isinstance(node, dict) or part not in node:
            raise ConfigError(f"--set {key}: no {'.'.join(parents[:i + 1])} in params.yaml")
        node = node[part]
    if not isinstance(node, dict):
        raise ConfigError(f"--set {key}: {'.'.join(parents)} is not a section")
    node[leaf] = yaml.safe_load(text)


def lookup(params: dict, key: str):
    node = params
    for part in key.split("."):
        node = node[part]
    return node


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def check_yardstick(project: Path, params: dict) -> dict[str, str]:
    """The committed yardstick's files (path -> md5), after checking that they are what
    dvc.lock records and that the run keeps every param they were made with."""
    lock = yaml.safe_load((project / "dvc.lock").read_text())["stages"]
    files = {}
    for stage in YARDSTICK:
        for key, value in lock[stage].get("params", {}).get("params.yaml", {}).items():
            if lookup(params, key) != value:
                raise ConfigError(f"--set changes {key}, which the yardstick (stage {stage}) was made with: "
                                  "its scores would not compare with the committed run's")
        for out in lock[stage]["outs"]:
            path = project / out["path"]
            if not path.is_file() or md5(path) != out["md5"]:
                raise DataError(f"{out['path']}: missing or not the file dvc.lock records "
                                "(run `dvc pull` or `dvc repro reference` first)")
            files[out["path"]] = out["md5"]
    return files


def stage_command(dvc_yaml: dict, params: dict, stage: str, model: str | None = None) -> str:
    """dvc.yaml's command of ``stage`` (for ``model``, a foreach stage), its python this one's."""
    entry = dvc_yaml["stages"][stage]
    cmd = entry["do"]["cmd"] if "do" in entry else entry["cmd"]
    if model is not None:
        cmd = cmd.replace("${key}", model).replace("${item.family}", params["models"][model]["family"])
    if "${" in cmd:
        raise ConfigError(f"dvc.yaml: stage {stage}'s command has a variable this runner cannot fill: {cmd}")
    return re.sub(r"^python ", f"{sys.executable} ", cmd)


class Runner:
    """Runs stage commands in ``workdir``, each logged to logs/NAME.log, timing each."""

    def __init__(self, workdir: Path, threads: int):
        self.workdir, self.start = workdir, time.perf_counter()
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": str(threads),
                    "TQDM_MININTERVAL": "30"}  # a progress line every 30 s in the logs
        self.stages: dict[str, dict] = {}
        self.running: set[subprocess.Popen] = set()
        self.stopped = False

    def stop(self) -> None:
        """End the stages still running (and their children); start no more."""
        self.stopped = True
        for proc in list(self.running):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def run(self, name: str, command: str) -> bool:
        if self.stopped:
            return False
        log = self.workdir / "logs" / f"{name.replace('@', '-')}.log"
        log.parent.mkdir(exist_ok=True)
        if name in self.stages:  # a retry: keep the first try's record
            self.stages[f"{name} (first try)"] = self.stages.pop(name)
        began = time.perf_counter()
        with open(log, "w") as fh:
            proc = subprocess.Popen(command, shell=True, cwd=self.workdir, env=self.env,
                                    stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
            self.running.add(proc)
            code = proc.wait()
            self.running.discard(proc)
        seconds = time.perf_counter() - began
        self.stages[name] = {"started_at": round(began - self.start, 1), "seconds": round(seconds, 1),
                             "ok": code == 0}
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] if code else []
        print(f"{name}: {'done' if code == 0 else f'FAILED ({code})'} in {seconds:.1f} s"
              + (f": {tail[0]}" if tail else ""), flush=True)
        return code == 0

    def chain(self, stages: list[tuple[str, str]]) -> bool:
        """Run stages in order, stopping at the first that fails."""
        return all(self.run(name, command) for name, command in stages)


def device_description(params: dict) -> str:
    """The device the run trains on: the GPU's name, or the CPU's cores."""
    if params["device"] in ("cuda", "auto") and torch.cuda.is_available():
        return torch.cuda.get_device_name()
    return f"cpu ({os.cpu_count()} cores)"


def device_label(params: dict) -> str:
    """The device as a file-name slug: nvidia-h200, cpu."""
    return "cpu" if params["device"] == "cpu" else re.sub(
        r"[^a-z0-9]+", "-", device_description(params).lower().split("(")[0]).strip("-")


def prepare(project: Path, workdir: Path, changes: list[str]) -> tuple[dict, dict[str, str]]:
    """The scratch folder: params.yaml with ``changes``, the stage scripts, the yardstick."""
    params = yaml.safe_load((project / "params.yaml").read_text())
    for change in changes:
        set_param(params, change)
    local_mnist = project / "data" / "mnist" / "MNIST" / "raw"
    if params["data"]["local_dir"] is None and local_mnist.is_dir():
        params["data"]["local_dir"] = str(local_mnist)  # the download stage copies and checks them
    elif params["data"]["local_dir"] is not None:  # the stages run elsewhere: no relative paths
        params["data"]["local_dir"] = str((project / params["data"]["local_dir"]).resolve())
    yardstick = check_yardstick(project, params)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    load_params(workdir / "params.yaml")  # every value checked before anything runs
    # the scripts and, through stages/genbench, the code as it is now: edits during the run don't reach it
    shutil.copytree(project / "stages", workdir / "stages", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    for path in yardstick:
        (workdir / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(project / path, workdir / path)
    return params, yardstick


def write_results(workdir: Path, out: Path, run: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for there, here in RESULTS:
        source = workdir / there
        if source.is_dir():
            shutil.copytree(source, out / here, dirs_exist_ok=True)
        elif source.is_file():
            shutil.copy2(source, out / here)
    write_json(out / "run.json", run)
    write_readme(out, run)


def write_readme(out: Path, run: dict) -> None:
    """out/README.md: what ran, how long, the summary table if the run got that far, and
    every stage's start and wall time."""
    models = list(run["params"]["models"])
    trained = [m for m in models if run["stages"].get(f"train@{m}", {}).get("ok")]
    scored = [m for m in models if run["stages"].get(f"score@{m}", {}).get("ok")]
    minutes = run["wall_seconds"] / 60
    if run["cut"] or len(scored) < len(models):
        outcome = (f"{'cut' if run['cut'] else 'ended'} after {minutes:.1f} min, {len(trained)} of "
                   f"{len(models)} models trained ({', '.join(trained) or 'none'}), {len(scored)} scored")
    else:
        outcome = f"the whole protocol in {minutes:.1f} min"
    lines = [f"# {run['device']}, {run['params']['epochs']} epochs: {outcome}", "",
             f"`python -m genbench.parallel {' '.join('--set ' + c for c in run['changes'])}` "
             f"at commit {run['commit']}, {run['jobs']} models at a time, torch {run['torch']}; "
             "the yardstick (evaluator, reference features) is the committed CPU run's, "
             "so FID and the other scores compare with the README's table.", ""]
    if (out / "summary.csv").is_file():
        lines += [markdown_summary(read_csv(out / "summary.csv")), ""]
    lines += ["| stage | started at (s) | wall (s) | |", "|---|---|---|---|"]
    lines += [f"| {name} | {s['started_at']:.1f} | {s['seconds']:.1f} | {'' if s['ok'] else 'FAILED'} |"
              for name, s in sorted(run["stages"].items(), key=lambda item: item[1]["started_at"])]
    (out / "README.md").write_text("\n".join(lines) + "\n")


def run_stages(runner, dvc_yaml, params, models, jobs, chain_of, fallback, workdir):
    """Download, every model's chain (``jobs`` at a time), a failed chain again with the
    ``fallback`` changes, then the aggregates: (download ok, models failed, models retried)."""
    if not runner.run("download", stage_command(dvc_yaml, params, "download")):
        return False, [], []
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        done = dict(zip(models, pool.map(lambda m: runner.chain(chain_of(m)), models)))
    except KeyboardInterrupt:
        runner.stop()  # before the pool waits for its threads: their stages end now
        raise
    finally:
        pool.shutdown()
    failed = [m for m in models if not done[m]]
    retried = failed if fallback else []
    if failed and fallback:
        for change in fallback:
            set_param(params, change)
        (workdir / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
        print(f"re-running {', '.join(failed)} with {', '.join(fallback)}", flush=True)
        failed = [m for m in failed if not runner.chain(chain_of(m))]
    if not failed:
        runner.chain([(s, stage_command(dvc_yaml, params, s)) for s in AGGREGATES])
    return True, failed, retried


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--set", dest="changes", action="append", default=[], metavar="KEY=VALUE",
                        help="change a param (as `dvc exp run -S`); repeatable")
    parser.add_argument("--out", required=True,
                        help="the result set's folder; {device} and {epochs} are filled in")
    parser.add_argument("--jobs", type=int, default=None, help="models at a time (default: all)")
    parser.add_argument("--fallback", action="append", default=[], metavar="KEY=VALUE",
                        help="a change to re-run a failed model's chain with, after the others")
    parser.add_argument("--commit", help="the code's commit, for a copy without .git (default: git describe)")
    parser.add_argument("--workdir", type=Path, default=None, help="scratch folder (default: a new temporary one)")
    args = parser.parse_args(argv)
    project = Path.cwd()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="genbench-parallel-"))
    try:
        params, yardstick = prepare(project, workdir, args.changes)
    except (ConfigError, DataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    out = Path(args.out.format(device=device_label(params), epochs=params["epochs"]))
    dvc_yaml = yaml.safe_load((project / "dvc.yaml").read_text())
    models = list(params["models"])
    jobs = args.jobs or len(models)
    runner = Runner(workdir, threads=max(1, (os.cpu_count() or 1) // jobs))
    print(f"{len(models)} models, {jobs} at a time, in {workdir}; results to {out}", flush=True)

    def chain_of(model):
        stages = [s for s in CHAIN if s != "sweep" or model in params["sweep"]]
        return [(f"{s}@{model}", stage_command(dvc_yaml, params, s, model)) for s in stages]

    def interrupted(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupted)  # `timeout` stops a run: keep what finished
    outcome = None  # (download ok, models failed, models retried); None when interrupted
    try:
        outcome = run_stages(runner, dvc_yaml, params, models, jobs, chain_of, args.fallback, workdir)
    except KeyboardInterrupt:
        print("interrupted: writing what finished", flush=True)
    ok, failed, retried = outcome or (False, [], [])
    cut = outcome is None
    wall = time.perf_counter() - runner.start
    commit = args.commit or subprocess.run(["git", "describe", "--always", "--dirty"], cwd=project,
                                           capture_output=True, text=True).stdout.strip() or "unknown"
    run = {"device": device_description(params), "torch": torch.__version__, "commit": commit,
           "changes": args.changes, "retried": retried, "fallback": args.fallback if retried else [],
           "jobs": jobs, "cpus": os.cpu_count(), "wall_seconds": round(wall, 1), "cut": cut,
           "stages": runner.stages, "yardstick_md5": yardstick, "params": params}
    write_results(workdir, out, run)
    print(f"wrote {out} ({wall / 60:.1f} min)" + (f"; failed: {', '.join(failed)}" if failed else ""), flush=True)
    return 0 if ok and not failed and all(runner.stages.get(s, {}).get("ok") for s in AGGREGATES) else 1


if __name__ == "__main__":
    sys.exit(main())
