"""The whole pipeline outside DVC, its stages run as soon as the stages they depend on have
ended, in parallel processes, for a GPU: the models are far smaller than the device, and DVC
runs stages one after another. The stages and their order are dvc.yaml's (a stage waits for
every stage whose outputs it reads), their commands run in a scratch folder on a copy of
params.yaml with the ``--set`` changes; the yardstick (evaluator, reference features) is the
committed run's, checked against dvc.lock, so the scores compare with the CPU table. The
result set (metrics, summary table, histories, figures, each stage's wall time) goes to
``--out``; nothing in the project's own outputs or dvc.lock changes.

    python -m genbench.experiments.parallel --set epochs=50 --set device=cuda --out 'results/gpu-{device}-epochs{epochs}'

``make gpu`` runs the prepared GPU command; README "On a GPU" has the steps for a lent machine.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import torch
import yaml

from genbench.config import load_params
from genbench.errors import ConfigError, DataError
from genbench.layout import entry_path, pipeline_stages
from genbench.results.tables import markdown_summary
from genbench.files import read_csv, write_json

# The stages whose outputs make the yardstick: reused from the committed run, never re-run.
YARDSTICK = ("evaluator", "reference")
# Stages that collect other runs (seed runs, studies' experiments), not this one's.
COLLECTORS = ("seeds", "studies")
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


def committed_yardstick(project: Path, params: dict) -> dict[str, str]:
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


@dataclass
class Stage:
    command: str
    deps: list[str]
    outs: list[str]  # outs, metrics and plots alike


def _paths(entries) -> list[str]:
    return [entry_path(e) for e in entries or []]


def _fill(text: str, key: str | None, item) -> str:
    """A foreach stage's ``${key}`` and ``${item.FIELD}`` for one item (key None: a plain stage)."""
    if key is None:
        return text

    def value(match):
        name = match.group(1)
        return key if name == "key" else str(item[name.removeprefix("item.")])
    return re.sub(r"\$\{(key|item\.\w+)\}", value, text)


def pipeline(dvc_stages: dict, params: dict) -> dict[str, Stage]:
    """dvc.yaml's stages that this runner runs (every one but the yardstick's and the
    collectors), each foreach stage once per item of its params.yaml section, under DVC's
    names (train@ddpm), each command run by this python."""
    stages = {}
    for name, entry in dvc_stages.items():
        if name in YARDSTICK + COLLECTORS:
            continue
        if "foreach" in entry:
            section = re.fullmatch(r"\$\{(\w+)\}", entry["foreach"]).group(1)
            items = [(f"{name}@{key}", key, item) for key, item in params[section].items()]
            entry = entry["do"]
        else:
            items = [(name, None, None)]
        outs = _paths(itertools.chain(entry.get("outs", []), entry.get("metrics", []), entry.get("plots", [])))
        for full_name, key, item in items:
            command = _fill(entry["cmd"], key, item)
            if "${" in command:
                raise ConfigError(f"dvc.yaml: stage {full_name}'s command has a variable this runner "
                                  f"cannot fill: {command}")
            stages[full_name] = Stage(command=re.sub(r"^python ", f"{sys.executable} ", command),
                                      deps=[_fill(p, key, item) for p in _paths(entry.get("deps"))],
                                      outs=[_fill(p, key, item) for p in outs])
    return stages


def _overlap(a: str, b: str) -> bool:
    """Whether two dvc.yaml paths are the same or one is inside the other."""
    return a == b or a.startswith(b.rstrip("/") + "/") or b.startswith(a.rstrip("/") + "/")


def upstream(stages: dict[str, Stage]) -> dict[str, set[str]]:
    """Each stage's prerequisites: the stages whose outputs it reads (a file, or a folder that
    holds other stages' files)."""
    return {name: {other for other, o in stages.items() if other != name
                   and any(_overlap(dep, out) for dep in stage.deps for out in o.outs)}
            for name, stage in stages.items()}


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
    yardstick = committed_yardstick(project, params)
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
    limit = f" ({run['jobs']} at most at a time)" if run["jobs"] else ""
    lines = [f"# {run['device']}, {run['params']['epochs']} epochs: {outcome}", "",
             f"`python -m genbench.experiments.parallel {' '.join('--set ' + c for c in run['changes'])}` "
             f"at commit {run['commit']}, each stage as soon as its inputs were ready{limit}, torch {run['torch']}; "
             "the yardstick (evaluator, reference features) is the committed CPU run's, "
             "so FID and the other scores compare with the README's table.", ""]
    if (out / "summary.csv").is_file():
        lines += [markdown_summary(read_csv(out / "summary.csv")), ""]
    lines += ["| stage | started at (s) | wall (s) | |", "|---|---|---|---|"]
    lines += [f"| {name} | {s['started_at']:.1f} | {s['seconds']:.1f} | {'' if s['ok'] else 'FAILED'} |"
              for name, s in sorted(run["stages"].items(), key=lambda item: item[1]["started_at"])]
    (out / "README.md").write_text("\n".join(lines) + "\n")


def run_stages(runner: Runner, stages: dict[str, Stage], jobs: int | None, fallback: list[str],
               params: dict, workdir: Path) -> tuple[list[str], list[str]]:
    """Run every stage once the stages it reads from have succeeded, ``jobs`` at a time (None:
    no limit), in dvc.yaml's order among those ready. A failed stage is run again at once with
    the ``fallback`` changes (they hold for every stage started after the failure), and the
    stages after one that fails are never started. Returns (stages failed, stages retried)."""
    after = upstream(stages)
    waiting, running = list(stages), {}
    done, failed, retried = set(), [], []
    with ThreadPoolExecutor(max_workers=jobs or len(stages)) as pool:
        try:
            while waiting or running:
                for name in list(waiting):
                    if after[name] & set(failed):
                        waiting.remove(name)  # never started: it would read a failed stage's outputs
                    elif after[name] <= done and (jobs is None or len(running) < jobs):
                        waiting.remove(name)
                        running[pool.submit(runner.run, name, stages[name].command)] = name
                if not running:
                    break
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    name = running.pop(future)
                    if future.result():
                        done.add(name)
                    elif fallback and name not in retried and not runner.stopped:
                        if not retried:
                            for change in fallback:
                                set_param(params, change)
                            (workdir / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
                        print(f"{name}: running it again with {', '.join(fallback)}", flush=True)
                        retried.append(name)
                        running[pool.submit(runner.run, name, stages[name].command)] = name
                    else:
                        failed.append(name)
        except KeyboardInterrupt:
            runner.stop()  # before the pool waits for its threads: their stages end now
            raise
    return failed, retried


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--set", dest="changes", action="append", default=[], metavar="KEY=VALUE",
                        help="change a param (as `dvc exp run -S`); repeatable")
    parser.add_argument("--out", required=True,
                        help="the result set's folder; {device} and {epochs} are filled in")
    parser.add_argument("--jobs", type=int, default=None,
                        help="stages at a time (default: every stage whose inputs are ready)")
    parser.add_argument("--fallback", action="append", default=[], metavar="KEY=VALUE",
                        help="a change to run a failed stage again with, at once; repeatable")
    parser.add_argument("--commit", help="the code's commit, for a copy without .git (default: git describe)")
    parser.add_argument("--workdir", type=Path, default=None, help="scratch folder (default: a new temporary one)")
    args = parser.parse_args(argv)
    project = Path.cwd()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="genbench-parallel-"))
    try:
        params, yardstick = prepare(project, workdir, args.changes)
        stages = pipeline(pipeline_stages(project), params)
    except (ConfigError, DataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    out = Path(args.out.format(device=device_label(params), epochs=params["epochs"]))
    # the CPU's cores shared among the processes at once (the trainings, or --jobs), unless
    # OMP_NUM_THREADS says how many each gets
    threads = int(os.environ.get("OMP_NUM_THREADS") or max(1, (os.cpu_count() or 1) // (args.jobs or len(params["models"]))))
    runner = Runner(workdir, threads=threads)
    print(f"{len(stages)} stages, {args.jobs or 'every one ready'} at a time, in {workdir}; results to {out}",
          flush=True)

    def interrupted(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupted)  # `timeout` stops a run: keep what finished
    failed, retried, cut = [], [], False
    try:
        failed, retried = run_stages(runner, stages, args.jobs, args.fallback, params, workdir)
    except KeyboardInterrupt:
        print("interrupted: writing what finished", flush=True)
        cut = True
    wall = time.perf_counter() - runner.start
    commit = args.commit or subprocess.run(["git", "describe", "--always", "--dirty"], cwd=project,
                                           capture_output=True, text=True).stdout.strip() or "unknown"
    run = {"device": device_description(params), "torch": torch.__version__, "commit": commit,
           "changes": args.changes, "retried": retried, "fallback": args.fallback if retried else [],
           "jobs": args.jobs, "cpus": os.cpu_count(), "wall_seconds": round(wall, 1), "cut": cut,
           "stages": runner.stages, "yardstick_md5": yardstick, "params": params}
    write_results(workdir, out, run)
    print(f"wrote {out} ({wall / 60:.1f} min)" + (f"; failed: {', '.join(failed)}" if failed else ""), flush=True)
    complete = all(runner.stages.get(name, {}).get("ok") for name in stages)
    return 0 if complete and not cut else 1


if __name__ == "__main__":
    sys.exit(main())
