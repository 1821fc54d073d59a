"""Stage plot: every figure into plots/figures/, from the summary table, histories, the
sampler sweep and the sample grids alone (`--out DIR` renders elsewhere)."""

import argparse
from pathlib import Path

from genbench import cli, paths
from genbench.config import load_params
from genbench.figures import render_all


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=paths.PLOTS / "figures")
    args = parser.parse_args()
    for path in render_all(list(load_params().models), paths.PLOTS, args.out):
        print("wrote", path)


if __name__ == "__main__":
    cli.run(main)
