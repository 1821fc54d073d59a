"""The README's results table is the one the committed metrics produce."""

from pathlib import Path

from genbench.tables import markdown_summary
from genbench.utils import read_csv

ROOT = Path(__file__).resolve().parents[1]


def test_readme_results_table_matches_committed_metrics():
    table = markdown_summary(read_csv(ROOT / "plots" / "summary.csv"))
    assert table in (ROOT / "README.md").read_text(), (
        "README's results table is stale: paste the output of `python -m genbench.tables`")
