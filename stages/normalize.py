"""Stage normalize: every model's normalized dimensions and the feature spaces' rank agreement
(metrics/summary.json; apart, the numbers that depend on measured times:
metrics/timings/summary.json) and the summary table every comparison figure and the README
table are drawn from."""

from genbench import cli
from genbench.config import load_params
from genbench.results.agreement import rank_agreement
from genbench.results.normalize import normalize_model, split_timings, summary_row
from genbench.files import read_csv, read_json, write_csv, write_json


def main():
    args = cli.arguments(__doc__, "--scores", "--reference", "--train-metrics", "--train-timings",
                         "--sample-timings", "--history", "--summary", "--timings", "--table")
    params = load_params()
    reference = read_json(args.reference)
    summary, timings, rows, scorecards = {}, {}, [], {}
    for name in params.models:
        scores = scorecards[name] = read_json(args.scores / f"{name}.json")
        full = normalize_model(scores, read_csv(args.history / f"{name}.csv"),
                               read_json(args.train_metrics / f"{name}.json"),
                               read_json(args.train_timings / f"{name}.json"),
                               read_json(args.sample_timings / f"{name}.json"), params.normalize)
        summary[name], timings[name] = split_timings(full)
        rows.append(summary_row(name, scores, reference, full))
    write_json(args.summary, {"models": summary, "rank_agreement": rank_agreement(scorecards, reference)})
    write_json(args.timings, timings)
    write_csv(args.table, rows)
    for name, row in zip(summary, rows):
        print(name, {k: round(row[k], 3) for k in ("quality", "stability", "controllability", "efficiency")})


if __name__ == "__main__":
    cli.run(main)
