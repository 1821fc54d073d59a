"""Stage plot: every figure, from metrics and histories alone."""

import csv

from genbench import figures, paths
from genbench.config import load_params
from genbench.utils import read_history


def main():
    params = load_params()
    with open(paths.PLOTS / "summary.csv") as fh:
        rows = [{k: (v if k == "model" else float(v) if v else None) for k, v in r.items()}
                for r in csv.DictReader(fh)]
    figures.fid_bars(rows, paths.PLOTS / "fid.png")
    figures.training_curves({name: read_history(paths.history(name)) for name in params.models},
                            paths.PLOTS / "training_curves.png")


if __name__ == "__main__":
    from genbench import cli

    cli.run(main)
