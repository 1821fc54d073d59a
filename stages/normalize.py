"""Stage normalize: per-model normalized dimensions into metrics/summary.json, and the
summary table every comparison figure is drawn from (plots/summary.csv)."""

from genbench import cli, paths
from genbench.config import load_params
from genbench.normalize import normalize_model, summary_row
from genbench.utils import read_json, write_csv, write_json


def main():
    params = load_params()
    summary, rows = {}, []
    for name in params.models:
        scores = read_json(paths.scores(name))
        summary[name] = normalize_model(scores, params.normalize)
        rows.append(summary_row(scores, summary[name]))
    write_json(paths.METRICS / "summary.json", summary)
    write_csv(paths.PLOTS / "summary.csv", rows)
    for name, dims in summary.items():
        print(name, {k: round(v, 3) for k, v in dims.items()})


if __name__ == "__main__":
    cli.run(main)
