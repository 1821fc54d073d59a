"""Stage score@MODEL: every scorecard metric of one model's samples, and the picture of its
samples nearest the training set (over their nearest training images)."""

from genbench import cli
from genbench.config import load_params
from genbench.files import write_json
from genbench.grids import draw_nearest_pairs
from genbench.sampling import load_samples
from genbench.scoring.scorecard import project_yardstick, score


def main():
    args = cli.arguments(__doc__, "model", "--mnist", "--evaluator", "--reference", "--samples", "--scores",
                         "--nearest")
    params = load_params()
    cli.check_model(params, args.model)
    samples = load_samples(args.samples)
    evaluator, yardstick = project_yardstick(params, args.mnist, args.evaluator, args.reference)
    scores = score(evaluator, samples["images"], samples["labels"], yardstick)
    draw_nearest_pairs(samples["images"], yardstick.train_images, scores.pop("memorization_closest"), args.nearest)
    write_json(args.scores, scores)
    print(f"{args.model}:", {k: v for k, v in scores.items() if not isinstance(v, list)})


if __name__ == "__main__":
    cli.run(main)
