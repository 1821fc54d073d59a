"""Stage reference: evaluator features of real MNIST, computed once for every score, and the
real-data value of every scorecard metric."""

from genbench import cli
from genbench.config import load_params
from genbench.data import load_split
from genbench.scoring.evaluator import load_evaluator
from genbench.scoring.reference import compute_reference
from genbench.scoring.scorecard import RealTrain, reference_values, yardstick
from genbench.files import write_json
from genbench.runtime import seed_everything


def main():
    args = cli.arguments(__doc__, "--mnist", "--evaluator", "--reference", "--metrics")
    params = load_params()
    seed_everything(params.evaluator.seed)
    x, y = load_split(args.mnist, train=True)
    xt, yt = load_split(args.mnist, train=False)
    evaluator = load_evaluator(args.evaluator, params.evaluator.source)
    reference = compute_reference(evaluator, x, xt, yt, num_real=params.score.num_real, seed=params.evaluator.seed)
    reference.save(args.reference)
    seen = x if params.data.train_subset is None else x[:params.data.train_subset]  # memorization's training set
    values = reference_values(yardstick(params, reference, xt, yt, evaluator, seen),
                              RealTrain(x, y, num_samples=params.sample.num_samples))
    write_json(args.metrics, values)
    print("real-data reference:", values)


if __name__ == "__main__":
    cli.run(main)
