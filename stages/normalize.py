"""Stage normalize: per-model normalized dimensions into metrics/summary.json and plots/summary.csv."""

from genbench import cli, paths
from genbench.config import load_params
from genbench.normalize import normalize_model
from genbench.utils import read_history, read_json, write_csv, write_json


def main():
    params = load_params()
    summary, rows = {}, []
    for name in params.models:
        scores = read_json(paths.scores(name))
        dims = normalize_model(scores, read_history(paths.history(name)), params.normalize)
        summary[name] = dims
        rows.append({"model": name, "fid": scores["fid"],
                     "fid_real": scores["reference"]["fid_train_vs_test"],
                     "inception_score": scores["inception_score"]["mean"],
                     "inception_score_std": scores["inception_score"]["std"],
                     "label_accuracy": scores["label_accuracy"],
                     "sample_seconds_per_1000": scores["sample"]["seconds_per_1000"],
                     "train_seconds": scores["train"]["train_seconds"], **dims})
    write_json(paths.METRICS / "summary.json", summary)
    write_csv(paths.PLOTS / "summary.csv", rows)
    for name, dims in summary.items():
        print(name, {k: round(v, 3) for k, v in dims.items()})


if __name__ == "__main__":
    cli.run(main)
