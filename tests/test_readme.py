"""The README's generated tables are the ones the committed metrics and the scorecard give."""

from pathlib import Path

from genbench.tables import markdown_metrics, markdown_seeds, markdown_study, markdown_summary
from genbench.utils import read_csv, read_json

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_readme_results_table_matches_committed_metrics():
    table = markdown_summary(read_csv(ROOT / "plots" / "summary.csv"))
    assert table in README, "README's results table is stale: paste `python -m genbench.tables plots/summary.csv`"


def test_readme_metric_definitions_match_the_scorecard():
    assert markdown_metrics() in README, "README's metrics table is stale: paste `python -m genbench.tables --metrics`"


def test_readme_seeds_table_matches_committed_intervals():
    table = markdown_seeds(read_json(ROOT / "metrics" / "seeds.json"))
    assert table in README, "README's table over seeds is stale: paste `python -m genbench.tables --seeds metrics/seeds.json`"


def test_readme_study_tables_match_committed_studies():
    studies = sorted((ROOT / "metrics" / "studies").glob("*.json"))
    assert len(studies) >= 3, "fewer than three committed studies"
    for path in studies:
        table = markdown_study(read_json(path))
        assert table in README, f"README's table of study {path.stem} is stale: paste `python -m genbench.tables --study {path.relative_to(ROOT)}`"


def test_readme_gpu_tables_match_their_result_sets():
    """Each result set of the parallel runner (results/NAME/): its table in the README and
    in its own README.md is the one its summary gives."""
    for summary in sorted((ROOT / "results").glob("*/summary.csv")):
        table = markdown_summary(read_csv(summary))
        where = summary.parent.relative_to(ROOT)
        assert table in README, f"README's table of {where} is stale: paste `python -m genbench.tables {where}/summary.csv`"
        assert table in (summary.parent / "README.md").read_text(), f"{where}/README.md is not its summary's"
