"""A finished run kept with the code: a result set, a folder such as ``results/epochs50/`` with
what the run produced (its metrics and plots, the params.yaml and dvc.lock it ran with) and
how it ran (``provenance.json``: the commit, the machine, the seconds each stage took), so the
run's numbers stay readable (``dvc metrics show results/epochs50/metrics/headline``) after the
work tree has moved on; and the comparison of a result set with the work tree's own run.

    python -m genbench.experiments.resultset save RUN_DIR results/epochs50 --stages-log LOG
    genbench compare results/epochs50     # or: python -m genbench.experiments.resultset compare ...
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import yaml

from genbench.errors import ConfigError
from genbench.files import read_json, write_json

# What a result set keeps of a run's work tree: every output that says what the run measured,
# nothing that collects other runs (seeds, studies) or that DVC caches (checkpoints, samples).
KEPT = ["params.yaml", "dvc.lock", "metrics/headline", "metrics/scores", "metrics/train", "metrics/timings",
        "metrics/sweep", "metrics/summary.json", "metrics/reference.json", "metrics/evaluator.json",
        "plots/summary.csv", "plots/history", "plots/figures", "plots/samples", "plots/sweep", "plots/memorization"]


RESTART = "'check_params'"  # the first stage of every (re)started run, run again or skipped


def stage_seconds(stamped_log: list[str]) -> dict[str, float]:
    """Wall seconds per stage from a log of ``ISO-TIME Running stage 'NAME':`` lines (and a
    last stamped line when the run ended): a stage runs until the next stamp, and a stage that
    ran more than once counts its last run, the one whose outputs were kept. A stage cut by
    an interruption (the next stamp is a restart's ``check_params``, run or skipped) counts
    its resumed run only, since the log does not say when the cut run died (a training's ``train_seconds``
    count every epoch it trained, before and after the cut)."""
    stamps = []
    for line in stamped_log:
        time, _, text = line.strip().partition(" ")
        if text:
            stamps.append((datetime.fromisoformat(time.replace("Z", "+00:00")), text))
    seconds: dict[str, float] = {}
    for (start, text), (end, following) in zip(stamps, stamps[1:]):
        if text.startswith("Running stage '") and RESTART not in following:
            name = text.split("'")[1]
            seconds[name] = (end - start).total_seconds()
    return seconds


def provenance(run_dir: Path, command: str, stamped_log: list[str] | None) -> dict:
    """How the run in ``run_dir`` ran: its commit, the machine (from what each training
    recorded), its params' epochs, and the seconds of its stages and trainings."""
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=run_dir, capture_output=True, text=True).stdout.strip()
    params = yaml.safe_load((run_dir / "params.yaml").read_text())
    trained = {path.stem: read_json(path) for path in sorted((run_dir / "metrics/train").glob("*.json"))}
    timings = {path.stem: read_json(path) for path in sorted((run_dir / "metrics/timings/train").glob("*.json"))}
    machines = sorted({f"{t['numerics']['processor']}, {t['numerics']['threads']} torch threads, "
                       f"torch {t['numerics']['torch']}, {t['numerics']['precision']}" for t in trained.values()})
    return {"command": command, "commit": commit or None, "epochs": params["epochs"], "machine": machines,
            "train_seconds": {model: t["train_seconds"] for model, t in timings.items()},
            "stage_seconds": stage_seconds(stamped_log) if stamped_log else None}


def save(run_dir: Path, out: Path, command: str, stamped_log: list[str] | None = None) -> None:
    """Copy the run's kept outputs to ``out`` and write its provenance beside them; the
    figures are drawn again from the copied data by this checkout's plot code (the run's
    checkout may predate a figure), when the run got as far as its summary."""
    missing = [name for name in ("params.yaml", "dvc.lock", "metrics/headline") if not (run_dir / name).exists()]
    if missing:
        raise ConfigError(f"{run_dir}: no {missing[0]}; not a work tree that ran the pipeline")
    if out.exists():
        shutil.rmtree(out)
    for name in KEPT:
        source = run_dir / name
        if source.is_dir():
            shutil.copytree(source, out / name)
        elif source.is_file():
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, out / name)
    write_json(out / "provenance.json", provenance(run_dir, command, stamped_log))
    plots = out / "plots"
    if (plots / "summary.csv").is_file():
        from genbench.results.figures import render_all
        render_all(plots / "summary.csv", plots / "history", plots / "sweep", plots / "samples",
                   plots / "memorization", plots / "figures")


def headlines(root: Path) -> dict[str, dict]:
    """Every model's headline numbers (metrics/headline/MODEL.json) of the run at ``root``."""
    folder = root / "metrics" / "headline"
    if not folder.is_dir():
        raise ConfigError(f"{folder}: missing; not a run's work tree or result set")
    return {path.stem: read_json(path) for path in sorted(folder.glob("*.json")) if path.stem != "real_data"}


def compare(result_set: Path, work_tree: Path = Path(".")) -> str:
    """Each model's headline numbers in the work tree's run and in ``result_set``, one row
    above the other (a model only one of them has: its one row), and the real data's."""
    from genbench.results.catalogue import SCORE_TABLE
    from genbench.results.tables import text_table

    runs = []
    for root in (work_tree, result_set):
        numbers = headlines(root)  # first: says what is missing
        runs.append((yaml.safe_load((root / "params.yaml").read_text())["epochs"], numbers))
    rows = []
    for model in dict.fromkeys([m for _, numbers in runs for m in numbers]):
        rows += [(f"{model} ({epochs} epochs)", numbers[model]) for epochs, numbers in runs if model in numbers]
    rows.append(("real data", read_json(work_tree / "metrics" / "headline" / "real_data.json")))
    return text_table(rows, [key for key in SCORE_TABLE if key != "num_samples"])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="action", required=True)
    keep = commands.add_parser("save", help="copy a finished run's results and provenance into a result set")
    keep.add_argument("run_dir", type=Path)
    keep.add_argument("out", type=Path)
    keep.add_argument("--command", default="dvc exp run -S epochs=50", help="the command the run was")
    keep.add_argument("--stages-log", type=Path, help="lines 'ISO-TIME Running stage ...' of the run")
    show = commands.add_parser("compare", help="the work tree's headline numbers beside a result set's")
    show.add_argument("result_set", type=Path)
    args = parser.parse_args(argv)
    if args.action == "save":
        log = args.stages_log.read_text().splitlines() if args.stages_log else None
        save(args.run_dir, args.out, args.command, log)
        print(f"wrote {args.out}")
    else:
        print(compare(args.result_set))


if __name__ == "__main__":
    main()
