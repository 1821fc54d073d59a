"""Stage seeds: each model's results over the collected seeds (plots/seeds.csv, written by
`python -m genbench.experiments.seeds collect`): every metric's and normalized score's mean, standard
deviation and 95 % Student-t interval, the final FID's spread across seeds, and a figure."""

from genbench import cli
from genbench.config import load_params
from genbench.results.figures import seed_intervals
from genbench.results.intervals import seed_summary
from genbench.files import read_csv, write_json


def main():
    args = cli.arguments(__doc__, "--runs", "--metrics", "--figures")
    params = load_params()
    rows = read_csv(args.runs)
    summary = seed_summary(rows, params.normalize.stability_cv_worst)
    write_json(args.metrics, summary)
    real = {k.removesuffix("_real"): v for k, v in rows[0].items() if k.endswith("_real")}
    args.figures.mkdir(parents=True, exist_ok=True)
    seed_intervals(summary, real, args.figures / "intervals.png")
    for model, s in summary.items():
        print(model, "seeds", s["seeds"], "FID", {k: s["fid"][k] for k in ("mean", "ci_low", "ci_high")},
              "CV", s["fid_cv"])


if __name__ == "__main__":
    cli.run(main)
