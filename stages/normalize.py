"""Stage normalize: every model's normalized dimensions (metrics/summary.json) and the
summary table every comparison figure and the README table are drawn from."""

from genbench import cli
from genbench.config import load_params
from genbench.normalize import normalize_model, summary_row
from genbench.utils import read_csv, read_json, write_csv, write_json


def main():
    args = cli.arguments(__doc__, "--scores", "--reference", "--train-metrics", "--sample-metrics",
                         "--history", "--summary", "--table")
    params = load_params()
    reference = read_json(args.reference)
    summary, rows = {}, []
    for name in params.models:
        scores = read_json(args.scores / f"{name}.json")
        summary[name] = normalize_model(scores, read_csv(args.history / f"{name}.csv"),
                                        read_json(args.train_metrics / f"{name}.json"),
                                        read_json(args.sample_metrics / f"{name}.json"), params.normalize)
        rows.append(summary_row(name, scores, reference, summary[name]))
    write_json(args.summary, summary)
    write_csv(args.table, rows)
    for name, dims in summary.items():
        print(name, {k: round(v, 3) for k, v in dims.items()})


if __name__ == "__main__":
    cli.run(main)
