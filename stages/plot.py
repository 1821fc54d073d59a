"""Stage plot: every comparison figure, from the summary table, the training histories, the
sweeps and the sample grids alone."""

from genbench import cli
from genbench.figures import render_all


def main():
    args = cli.arguments(__doc__, "--summary", "--history", "--sweeps", "--grids", "--out")
    for path in render_all(args.summary, args.history, args.sweeps, args.grids, args.out):
        print("wrote", path)


if __name__ == "__main__":
    cli.run(main)
