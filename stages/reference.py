"""Stage reference: real MNIST seen through the yardstick, computed once for every score:
the evaluator's features that training's quick FID compares with (``--reference``), real
data in every feature space with the reader's reading of it (``--real``), and the real-data
value of every scorecard metric."""

from genbench import cli
from genbench.config import load_params
from genbench.data import load_split
from genbench.files import write_json
from genbench.results.catalogue import SPACES
from genbench.results.headline import headline
from genbench.runtime import seed_everything
from genbench.scoring.real_features import compute_real_features
from genbench.scoring.reference import compute_reference
from genbench.scoring.scorecard import RealTrain, load_networks, reference_values, yardstick


def main():
    args = cli.arguments(__doc__, "--mnist", "--networks", "--reference", "--real", "--metrics", "--headline")
    params = load_params()
    seed_everything(params.evaluator.seed)
    x, y = load_split(args.mnist, train=True)
    xt, yt = load_split(args.mnist, train=False)
    networks = load_networks(args.networks, params.evaluator.source)
    compute_reference(networks["evaluator"], x, xt, yt, num_real=params.score.num_real,
                      seed=params.evaluator.seed).save(args.reference)
    seen = x if params.data.train_subset is None else x[:params.data.train_subset]  # memorization's training set
    real = compute_real_features({space: networks[space] for space in SPACES}, networks["reader"], x, seen, xt, yt,
                                 num_real=params.score.num_real, seed=params.evaluator.seed)
    real.save(args.real)
    values = reference_values(yardstick(params, real, xt, yt, networks),
                              RealTrain(x, y, num_samples=params.sample.num_samples))
    write_json(args.metrics, values)
    write_json(args.headline, headline(values))
    print("real-data reference:", values)


if __name__ == "__main__":
    cli.run(main)
