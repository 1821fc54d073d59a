"""Stage score@MODEL: every scorecard metric of one model's samples."""

from genbench import cli, scorecard
from genbench.config import load_params
from genbench.data import load_split
from genbench.evaluator import load_evaluator
from genbench.reference import Reference
from genbench.sampling import load_samples
from genbench.utils import seed_everything, write_json


def main():
    args = cli.arguments(__doc__, "model", "--mnist", "--evaluator", "--reference", "--samples", "--scores")
    params = load_params()
    cli.check_model(params, args.model)
    seed_everything(params.evaluator.seed)
    samples = load_samples(args.samples)
    xt, yt = load_split(args.mnist, train=False)
    yardstick = scorecard.yardstick(params, Reference.load(args.reference), xt, yt)
    scores = scorecard.score(load_evaluator(args.evaluator), samples["images"], samples["labels"],
                             yardstick)
    write_json(args.scores, scores)
    print(f"{args.model}:", {k: v for k, v in scores.items() if not isinstance(v, list)})


if __name__ == "__main__":
    cli.run(main)
