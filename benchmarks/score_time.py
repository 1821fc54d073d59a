"""Wall seconds of `genbench score` on one samples file, end to end (start-up, the yardstick,
every metric, the table), and whether two versions of the code give the same scorecard.

Each PROJECT is a work tree of this project at some revision whose `dvc repro reference` has
run (its own data/reference/real.pt: the file's format follows the code); the command runs
there with that tree's src/ first on the path, in a fresh process each time, the projects
interleaved (a, b, a, b, ...), ``--repeats`` times; medians are reported, and each project's
scorecard is compared with the first project's, key for key.

    git worktree add /tmp/before HEAD     # then give it data/ and `dvc repro reference` there
    python benchmarks/score_time.py cgan_10k.npz /tmp/before . --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_once(samples: Path, project: Path, out: Path) -> float:
    env = dict(os.environ, PYTHONPATH=str(project / "src"))
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "genbench", "score", str(samples), "--out", str(out)], cwd=project,
                   env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("samples", type=Path)
    parser.add_argument("projects", type=Path, nargs="+")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    samples, projects = args.samples.resolve(), [p.resolve() for p in args.projects]
    seconds: dict[Path, list[float]] = {p: [] for p in projects}
    with tempfile.TemporaryDirectory() as tmp:
        outs = {p: Path(tmp) / f"{i}.json" for i, p in enumerate(projects)}
        for repeat in range(args.repeats):
            for project in projects:
                seconds[project].append(run_once(samples, project, outs[project]))
                print(f"{project}: {seconds[project][-1]:.1f} s", flush=True)
        first = json.loads(outs[projects[0]].read_text())
        for project in projects:
            scores = json.loads(outs[project].read_text())
            differing = sorted(k for k in first.keys() | scores.keys() if first.get(k) != scores.get(k))
            print(f"{project}: median {statistics.median(seconds[project]):.1f} s "
                  f"(runs {', '.join(f'{s:.1f}' for s in seconds[project])}); "
                  + ("the same scorecard as the first" if not differing else f"differs in {', '.join(differing)}"))


if __name__ == "__main__":
    main()
