"""Stage grids@MODEL: the model's sample grids (PNG) from its samples file."""

from genbench import cli
from genbench.config import load_params
from genbench.grids import draw_grids
from genbench.sampling import load_samples


def main():
    args = cli.arguments(__doc__, "model", "--samples", "--out")
    params = load_params()
    cli.check_model(params, args.model)
    for path in draw_grids(load_samples(args.samples), args.out, params.plot.grid_rows):
        print("wrote", path)


if __name__ == "__main__":
    cli.run(main)
