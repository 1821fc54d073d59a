"""Results over several model seeds: the same pipeline, run as DVC experiments that differ
from the committed run in ``seed`` only (the yardstick has its own seed and stays cached),
collected into one row per model and seed, then summarized with Student-t intervals (``genbench.results.intervals``).

    python -m genbench.experiments.seeds run 43 44          # one `dvc exp run --temp -S seed=N normalize` each
    python -m genbench.experiments.seeds collect plots/seeds.csv
    dvc repro seeds                             # intervals: metrics/seeds.json, plots/seeds/

``make seeds`` does the three. Experiments queued by hand (``dvc exp run --queue -S seed=N``,
``dvc queue start -j 4`` on a machine with the cores) are collected the same way.
"""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

from genbench.experiments.runs import differences, finished_runs
from genbench.files import write_csv

# ------------------------------------------------------------------------------ with DVC


def run_seeds(seeds: list[int]) -> None:
    """One experiment per seed, run outside the workspace one after another, up to
    ``normalize`` (what the rows over seeds read: training, sampling, scoring; not the
    sweeps, grids and figures); each reuses the cached evaluator and reference (their
    params do not include ``seed``)."""
    for seed in seeds:
        command = ["dvc", "exp", "run", "--temp", "-n", f"seed-{seed}", "-S", f"seed={seed}", "normalize"]
        print(f"seed {seed}:", " ".join(command), flush=True)
        subprocess.run(command, check=True)


def committed_runs(summary_csv: str = "plots/summary.csv") -> list[dict]:
    """One row per model and seed from the baseline commit and its finished experiments
    whose params equal the baseline's but for ``seed``: the rows of their ``summary_csv``
    with ``seed`` and ``rev`` added."""
    runs = finished_runs(summary_csv)
    rows, seen = [], {}
    for run in runs:
        other = differences(run.params, runs[0].params) - {"seed"}
        if other:
            print(f"skipped {run.name}: its params differ from the baseline's in {sorted(other)}, not only seed")
            continue
        seed = run.params["seed"]
        if seed in seen:
            print(f"skipped {run.name}: seed {seed} already collected from {seen[seed]}")
            continue
        seen[seed] = run.rev
        rows += [{"model": r["model"], "seed": seed, "rev": run.rev, **{k: v for k, v in r.items() if k != "model"}}
                 for r in run.rows]
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="one experiment per seed (dvc exp run --temp)")
    run.add_argument("seeds", nargs="+", type=int)
    collect = commands.add_parser("collect", help="the baseline's and its experiments' rows, per seed")
    collect.add_argument("out", type=Path)
    args = parser.parse_args()
    if args.command == "run":
        run_seeds(args.seeds)
    else:
        rows = committed_runs()
        write_csv(args.out, rows)
        print(f"wrote {args.out}: seeds {sorted({r['seed'] for r in rows})}")


if __name__ == "__main__":
    main()
