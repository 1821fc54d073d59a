"""Stage plot: every comparison figure, from the summary table, the training histories, the
sweeps, the sample grids and the memorization pairs alone."""

from genbench import cli
from genbench.results.figures import render_all


def main():
    args = cli.arguments(__doc__, "--summary", "--history", "--sweeps", "--grids", "--nearest", "--out")
    for path in render_all(args.summary, args.history, args.sweeps, args.grids, args.nearest, args.out):
        print("wrote", path)


if __name__ == "__main__":
    cli.run(main)
