"""Stage score@MODEL: every scorecard metric of one model's samples, and the picture of its
samples nearest the training set (over their nearest training images)."""

from genbench import cli, scorecard
from genbench.config import load_params
from genbench.data import load_split
from genbench.grids import draw_nearest_pairs
from genbench.evaluator import load_evaluator
from genbench.reference import Reference
from genbench.sampling import load_samples
from genbench.utils import seed_everything, write_json


def main():
    args = cli.arguments(__doc__, "model", "--mnist", "--evaluator", "--reference", "--samples", "--scores",
                         "--nearest")
    params = load_params()
    cli.check_model(params, args.model)
    seed_everything(params.evaluator.seed)
    samples = load_samples(args.samples)
    x, _ = load_split(args.mnist, train=True, subset=params.data.train_subset)  # what the models saw
    xt, yt = load_split(args.mnist, train=False)
    evaluator = load_evaluator(args.evaluator, params.evaluator.source)
    yardstick = scorecard.yardstick(params, Reference.load(args.reference), xt, yt, evaluator, x)
    scores = scorecard.score(evaluator, samples["images"], samples["labels"], yardstick)
    draw_nearest_pairs(samples["images"], x, scores.pop("memorization_closest"), args.nearest)
    write_json(args.scores, scores)
    print(f"{args.model}:", {k: v for k, v in scores.items() if not isinstance(v, list)})


if __name__ == "__main__":
    cli.run(main)
