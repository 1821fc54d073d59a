"""Stage studies: each study's collected runs (plots/studies/NAME.csv, written by
`python -m genbench.experiments.studies collect NAME`) summarized per model and value, with intervals
over seeds (metrics/studies/NAME.json), and its figure (FIGURES/NAME.png); which studies are
collected in metrics/studies/index.json. A study defined in studies/ but not yet collected gets
a figure that says so."""

import csv

from genbench import cli
from genbench.results.figures import study as study_figure, study_not_collected
from genbench.experiments.studies import load_study
from genbench.results.intervals import study_summary
from genbench.files import write_json


def main():
    args = cli.arguments(__doc__, "--studies", "--runs", "--metrics", "--figures")
    args.figures.mkdir(parents=True, exist_ok=True)
    index = {}
    for path in sorted(args.studies.glob("*.yaml")):
        runs = args.runs / f"{path.stem}.csv"
        index[path.stem] = runs.is_file()
        if not runs.is_file():
            study_not_collected(path.stem, args.figures / f"{path.stem}.png")
            print(f"{path.stem}: not collected yet")
            continue
        study = load_study(path.stem, None, args.studies)
        with open(runs) as fh:
            summary = study_summary(study, list(csv.DictReader(fh)))
        write_json(args.metrics / f"{study.name}.json", summary)
        study_figure(summary, args.figures / f"{study.name}.png")
        print(f"{study.name}: {sum(len(v) for v in summary['models'].values())} model x value cells")
    write_json(args.metrics / "index.json", {"collected": index})


if __name__ == "__main__":
    cli.run(main)
