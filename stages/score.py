"""Stage score@MODEL: every scorecard metric of one model's samples (and the few DVC tracks as
metrics), and the picture of its samples nearest the training set (over their nearest
training images)."""

from genbench import cli
from genbench.config import load_params
from genbench.data import load_split
from genbench.files import write_json
from genbench.grids import draw_nearest_pairs
from genbench.results.headline import headline
from genbench.sampling import load_samples
from genbench.scoring.scorecard import project_yardstick, score


def main():
    args = cli.arguments(__doc__, "model", "--mnist", "--networks", "--real", "--samples", "--scores", "--headline",
                         "--nearest")
    params = load_params()
    cli.check_model(params, args.model)
    samples = load_samples(args.samples)
    yardstick = project_yardstick(params, args.mnist, args.networks, args.real)
    scores = score(samples["images"], samples["labels"], yardstick)
    seen, _ = load_split(args.mnist, train=True, subset=params.data.train_subset)
    draw_nearest_pairs(samples["images"], seen, scores.pop("memorization_closest"), args.nearest)
    write_json(args.scores, scores)
    write_json(args.headline, headline(scores))
    print(f"{args.model}:", {k: v for k, v in scores.items() if not isinstance(v, list)})


if __name__ == "__main__":
    cli.run(main)
