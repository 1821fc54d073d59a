"""Stage studies: each study's collected runs (plots/studies/NAME.csv, written by
`python -m genbench.experiments.studies collect NAME`) summarized per model and value, with intervals
over seeds (metrics/studies/NAME.json), and its figure (FIGURES/NAME.png). A study defined
in studies/ but not yet collected is skipped."""

import csv

from genbench import cli
from genbench.results.figures import study as study_figure
from genbench.experiments.studies import load_study
from genbench.results.intervals import study_summary
from genbench.files import write_json


def main():
    args = cli.arguments(__doc__, "--studies", "--runs", "--metrics", "--figures")
    args.figures.mkdir(parents=True, exist_ok=True)
    for path in sorted(args.studies.glob("*.yaml")):
        runs = args.runs / f"{path.stem}.csv"
        if not runs.is_file():
            print(f"{path.stem}: not collected yet")
            continue
        study = load_study(path.stem, None, args.studies)
        with open(runs) as fh:
            summary = study_summary(study, list(csv.DictReader(fh)))
        write_json(args.metrics / f"{study.name}.json", summary)
        study_figure(summary, args.figures / f"{study.name}.png")
        print(f"{study.name}: {sum(len(v) for v in summary['models'].values())} model x value cells")


if __name__ == "__main__":
    cli.run(main)
