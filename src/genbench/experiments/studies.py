"""Studies: a named grid over one param, run as DVC experiments and collected into one table.

A study is a file ``studies/NAME.yaml``::

    title: Learning rate of the GAN family
    claim: lr 2e-4 is best for every model      # what the CIFAR-10 study found, to check
    models: [gan, cgan, dcgan]
    key: models.{model}.train.lr                 # the param varied, for each model
    values: [0.0001, 0.0002, 0.0004]
    seeds: [42]                                  # one point per value and seed
    fixed: {}                                    # params every point sets (a smaller protocol)

A point (one value, one seed) is one DVC experiment that sets the key for every listed model
at once: each model's stages depend on its own params only, so a point re-runs the listed
models' train, sample and score stages and the summary, and nothing else (``dvc exp run``
skips the rest; the yardstick stays cached). A seed other than the committed run's re-trains
every model, since every training stage reads ``seed``. The committed run counts as the
point it equals, and so does any finished experiment of the same commit (a seed run,
another study's, one pulled from another machine) whose params differ from the baseline's
only as a point's do.

    python -m genbench.experiments.studies run NAME [--jobs N] [--shard I/N]   # queue the missing points, run them
    python -m genbench.experiments.studies collect NAME                        # -> plots/studies/NAME.csv
    dvc repro studies      # -> metrics/studies/NAME.json, plots/study_figures/NAME.png

``make study STUDY=NAME`` does the three. ``--shard I/N`` runs every N-th point only, so N
machines sharing a git remote and a DVC remote split a study; README "Studies" has the steps.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from genbench.errors import ConfigError
from genbench.experiments.runs import Run, differences, finished_runs, flatten
from genbench.files import write_csv

STUDIES = Path("studies")
TARGET = "normalize"  # a point runs the pipeline up to the summary table, not the figures


@dataclass(frozen=True)
class Study:
    name: str
    title: str
    claim: str
    models: tuple[str, ...]
    key: str  # dotted param, ``{model}`` standing for each model
    values: tuple
    seeds: tuple[int, ...]
    fixed: dict = field(default_factory=dict)  # dotted param -> value, the same for every point

    @property
    def short_key(self) -> str:
        return self.key.rsplit(".", 1)[-1]

    def keys(self) -> list[str]:
        return [self.key.format(model=m) for m in self.models]

    def points(self) -> list[tuple[object, int]]:
        return [(value, seed) for value in self.values for seed in self.seeds]

    def settings(self, value, seed: int) -> dict[str, object]:
        """Every param a point sets (``dvc exp run -S key=value`` each)."""
        return {**{k: value for k in self.keys()}, "seed": seed, **self.fixed}

    def experiment_name(self, value, seed: int) -> str:
        """A git-ref-safe name: ``gan_lr-0.0001-s42``."""
        return re.sub(r"[^A-Za-z0-9_.-]", "_", f"{self.name}-{json.dumps(value)}-s{seed}")

    def point_of(self, run: Run, base: dict) -> tuple[object, int] | None:
        """The point a run is, or None: its params must equal the baseline's except for the
        study's keys (one value for every model), the seed and the fixed params (equal to
        the study's)."""
        extra = differences(run.params, base) - set(self.keys()) - {"seed"} - set(self.fixed)
        if extra or any(run.params.get(k) != v for k, v in self.fixed.items()):
            return None
        values = {json.dumps(run.params.get(k)) for k in self.keys()}
        value, seed = run.params.get(self.keys()[0]), run.params.get("seed")
        if len(values) != 1 or value not in self.values or seed not in self.seeds:
            return None
        return value, seed


def load_study(name: str, params: dict | None, folder: Path = STUDIES) -> Study:
    """``folder/NAME.yaml``, checked: it has models, values and seeds, and (given ``params``,
    params.yaml nested) its models exist and its keys and fixed params name existing params."""
    path = folder / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.yaml"))) or "none"
        raise ConfigError(f"{path}: no such study (defined: {known})")
    spec = yaml.safe_load(path.read_text()) or {}
    missing = {"title", "models", "key", "values", "seeds"} - set(spec)
    if missing:
        raise ConfigError(f"{path}: missing {', '.join(sorted(missing))}")
    unknown = set(spec) - {"title", "claim", "models", "key", "values", "seeds", "fixed"}
    if unknown:
        raise ConfigError(f"{path}: unknown field(s) {', '.join(sorted(unknown))}")
    study = Study(name, spec["title"], spec.get("claim", ""), tuple(spec["models"]), spec["key"],
                  tuple(spec["values"]), tuple(spec["seeds"]), flatten(spec.get("fixed") or {}))
    if not study.models or not study.values or not study.seeds:
        raise ConfigError(f"{path}: models, values and seeds must each list at least one")
    if len(set(map(json.dumps, study.values))) != len(study.values):
        raise ConfigError(f"{path}: a value is listed twice in {list(study.values)}")
    if params is None:
        return study
    for model in study.models:
        if model not in params["models"]:
            raise ConfigError(f"{path}: model {model!r} is not in params.yaml ({', '.join(params['models'])})")
    flat = flatten(params)
    for key in study.keys() + list(study.fixed):
        if key not in flat:
            raise ConfigError(f"{path}: {key} is not a param in params.yaml")
    return study


def study_rows(study: Study, runs: list[Run]) -> list[dict]:
    """One row per model and point, from the runs that are the study's points (the first
    run of a point wins: the baseline, then the experiments in ``runs``' order): the point's value (as
    JSON text: ``0.0002``, ``true``) and seed, the run's commit, and the model's row of the
    summary table (text cells, as in plots/summary.csv)."""
    rows, seen = [], set()
    for run in runs:
        point = study.point_of(run, runs[0].params)
        if point is None or json.dumps(point) in seen:
            continue
        seen.add(json.dumps(point))
        value, seed = point
        rows += [{"model": r["model"], study.short_key: json.dumps(value), "seed": seed, "rev": run.rev,
                  **{k: v for k, v in r.items() if k != "model"}}
                 for r in run.rows if r["model"] in study.models]
    order = {json.dumps(v): i for i, v in enumerate(study.values)}
    return sorted(rows, key=lambda r: (study.models.index(r["model"]), order[r[study.short_key]], int(r["seed"])))


# ------------------------------------------------------------------------------ with DVC


def full_pipeline_stages(target: str = TARGET) -> int:
    """How many stages a run up to ``target`` has (what each point would cost with nothing cached)."""
    import networkx as nx
    from dvc.repo import Repo

    with Repo() as repo:
        graph = repo.index.graph
        stage = next(s for s in graph if s.addressing == target)
        return len(nx.descendants(graph, stage)) + 1


def _points_run(study: Study, runs: list[Run]) -> set[str]:
    return {json.dumps(study.point_of(r, runs[0].params)) for r in runs}


def run_points(study: Study, runs: list[Run], jobs: int = 1, shard: tuple[int, int] = (1, 1)) -> None:
    """Queue this shard's points that no run holds yet (one ``dvc exp run --queue`` each),
    then run the queue with ``jobs`` workers (``dvc exp run --run-all``), each given
    cores / jobs threads; print what it measured: points, stage runs, wall time."""
    index, count = shard
    done = _points_run(study, runs)
    mine = [p for i, p in enumerate(study.points()) if i % count == index - 1]
    todo = [p for p in mine if json.dumps(p) not in done]
    print(f"{study.name}: {len(study.points())} points, {len(mine)} in shard {index}/{count}, "
          f"{len(mine) - len(todo)} already run, {len(todo)} to run", flush=True)
    if not todo:
        return
    reseeded = [study.experiment_name(*p) for p in todo if p[1] != runs[0].params["seed"]]
    if reseeded:
        print(f"note: {', '.join(reseeded)} change the protocol's seed, so every model re-trains there, "
              "not only the study's", flush=True)
    for value, seed in todo:
        sets = [arg for k, v in study.settings(value, seed).items() for arg in ("-S", f"{k}={json.dumps(v)}")]
        command = ["dvc", "exp", "run", "--queue", "-n", study.experiment_name(value, seed), *sets, TARGET]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // jobs)))
    start, stage_runs = time.perf_counter(), 0
    with subprocess.Popen(["dvc", "exp", "run", "--run-all", "--jobs", str(jobs)], env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as proc:
        for line in proc.stdout:
            sys.stdout.write(line)
            stage_runs += line.startswith("Running stage '")
    seconds = time.perf_counter() - start
    done = _points_run(study, finished_runs())
    failed = [study.experiment_name(*p) for p in todo if json.dumps(p) not in done]
    if proc.returncode != 0 or failed:
        raise ConfigError(f"{study.name}: {', '.join(failed) or 'the queue'} did not finish "
                          "(`dvc queue logs NAME` shows why; `run` again retries what is missing)")
    print(f"{study.name}: {len(todo)} points with {jobs} worker(s) in {seconds / 60:.1f} min, "
          f"{stage_runs} stage runs ({len(todo) * full_pipeline_stages()} with nothing cached)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="queue the study's missing points and run them")
    run.add_argument("name")
    run.add_argument("--jobs", type=int, default=1, help="experiments at a time (default 1)")
    run.add_argument("--shard", default="1/1", help="I/N: every N-th point from the I-th (default 1/1: all)")
    collect = commands.add_parser("collect", help="the study's rows from the baseline and its experiments")
    collect.add_argument("name")
    collect.add_argument("--out", type=Path, help="default plots/studies/NAME.csv")
    args = parser.parse_args()
    try:
        study = load_study(args.name, yaml.safe_load(Path("params.yaml").read_text()))
        if args.command == "run":
            index, count = (int(x) for x in args.shard.split("/"))
            if not 1 <= index <= count:
                raise ConfigError(f"--shard {args.shard}: expected I/N with 1 <= I <= N")
            run_points(study, finished_runs(), args.jobs, (index, count))
        else:
            rows = study_rows(study, finished_runs())
            if not rows:
                raise ConfigError(f"{study.name}: no finished run is a point of it yet (python -m genbench.experiments.studies run)")
            out = args.out or Path("plots/studies") / f"{study.name}.csv"
            out.parent.mkdir(parents=True, exist_ok=True)
            write_csv(out, rows)
            points = {(r[study.short_key], r["seed"]) for r in rows}
            print(f"wrote {out}: {len(points)} of {len(study.points())} points")
    except (ConfigError, ValueError) as exc:
        sys.exit(f"error: {exc}")


if __name__ == "__main__":
    main()
