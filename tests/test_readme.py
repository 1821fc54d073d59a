"""The README's and docs' generated tables are the ones the committed metrics and the
scorecard give, and every relative link and image in them resolves."""

import re
from pathlib import Path

import pytest

from genbench.results.tables import (markdown_metrics, markdown_reading, markdown_seeds, markdown_short, markdown_study, markdown_summary,
                             markdown_sweep, sweep_series)
from genbench.files import read_csv, read_json
from genbench.results.agreement import markdown_findings
from genbench.results.claims import run_claims

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
FULL = ROOT / "results" / "epochs50"  # the full protocol's result set: the README's headline
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def text(page: str) -> str:
    return (ROOT / page).read_text()


def test_readme_headline_table_is_the_full_protocols():
    table = markdown_short(read_csv(FULL / "plots" / "summary.csv"))
    assert table in text("README.md"), "README's headline table is stale: paste `python -m genbench.results.tables --short results/epochs50/plots/summary.csv`"


def test_readme_findings_are_the_ones_the_full_protocols_rank_agreement_gives():
    findings = markdown_findings(read_json(FULL / "metrics" / "summary.json")["rank_agreement"])
    assert findings in text("README.md"), "README's findings are stale: paste `python -m genbench.results.tables --findings results/epochs50/metrics/summary.json`"


def test_readme_claims_table_is_the_full_protocols():
    assert run_claims(FULL) in text("README.md"), "README's claims are stale: paste `python -m genbench.results.claims results/epochs50`"


def test_readme_quick_look_table_matches_committed_metrics():
    table = markdown_short(read_csv(ROOT / "plots" / "summary.csv"))
    assert table in text("README.md"), "README's quick-look table is stale: paste `python -m genbench.results.tables --short plots/summary.csv`"


def test_the_quick_looks_findings_over_seeds_are_the_ones_the_committed_rank_agreement_gives():
    agreement = read_json(ROOT / "metrics" / "summary.json")["rank_agreement"]
    findings = markdown_findings(agreement, read_json(ROOT / "metrics" / "seeds.json"))
    assert findings in text("docs/results.md"), "docs/results.md's findings are stale: paste `python -m genbench.results.tables --findings metrics/summary.json metrics/seeds.json`"


def test_results_page_has_the_full_protocols_table():
    table = markdown_summary(read_csv(FULL / "plots" / "summary.csv"))
    assert table in text("docs/results.md"), "docs/results.md's 50-epoch table is stale: paste `python -m genbench.results.tables results/epochs50/plots/summary.csv`"


def test_the_reading_table_matches_the_committed_evaluator_metrics():
    table = markdown_reading(read_json(ROOT / "metrics" / "evaluator.json"))
    assert table in text("docs/metrics.md"), "docs/metrics.md's reading table is stale: paste `python -m genbench.results.tables --reading metrics/evaluator.json`"


def test_results_table_matches_committed_metrics():
    table = markdown_summary(read_csv(ROOT / "plots" / "summary.csv"))
    assert table in text("docs/results.md"), "docs/results.md's table is stale: paste `python -m genbench.results.tables plots/summary.csv`"


def test_metric_definitions_match_the_scorecard():
    assert markdown_metrics() in text("docs/metrics.md"), "docs/metrics.md's table is stale: paste `python -m genbench.results.tables --metrics`"


def test_sweep_tables_match_committed_sweeps():
    for folder in sorted((ROOT / "plots" / "sweep").iterdir()):
        table = markdown_sweep(sweep_series(folder))
        assert table in text("docs/results.md"), f"docs/results.md's sweep of {folder.name} is stale: paste `python -m genbench.results.tables --sweep plots/sweep/{folder.name}`"


def test_seeds_table_matches_committed_intervals():
    table = markdown_seeds(read_json(ROOT / "metrics" / "seeds.json"))
    assert table in text("docs/results.md"), "docs/results.md's table over seeds is stale: paste `python -m genbench.results.tables --seeds metrics/seeds.json`"


def test_study_tables_match_committed_studies():
    for path in sorted(p for p in (ROOT / "metrics" / "studies").glob("*.json") if p.name != "index.json"):
        table = markdown_study(read_json(path))
        assert table in text("docs/studies.md"), f"docs/studies.md's table of study {path.stem} is stale: paste `python -m genbench.results.tables --study {path.relative_to(ROOT)}`"


def test_gpu_tables_match_their_result_sets():
    """Each result set of the parallel runner (results/NAME/): its table in docs/gpu.md and
    in its own README.md is the one its summary gives."""
    for summary in sorted((ROOT / "results").glob("*/summary.csv")):
        table = markdown_summary(read_csv(summary))
        where = summary.parent.relative_to(ROOT)
        assert table in text("docs/gpu.md"), f"docs/gpu.md's table of {where} is stale: paste `python -m genbench.results.tables {where}/summary.csv`"
        assert table in (summary.parent / "README.md").read_text(), f"{where}/README.md is not its summary's"


LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def anchors(page: Path) -> set[str]:
    """GitHub's heading anchors of a Markdown page."""
    found = set()
    for line in page.read_text().splitlines():
        if line.startswith("#") and not line.startswith("#!"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", title)))
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_image_resolves(page):
    in_code = False
    broken = []
    for line in page.read_text().splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if in_code:
            continue
        for target in LINK.findall(line):
            if re.match(r"[a-z]+:", target):
                continue  # http(s), mailto: not followed
            path, _, anchor = target.partition("#")
            resolved = (page.parent / path).resolve() if path else page
            if not resolved.exists():
                broken.append(target)
            elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
                broken.append(target)
    assert broken == [], f"{page.relative_to(ROOT)}: broken links {broken}"


def test_every_docs_page_is_linked_from_the_readme():
    readme = text("README.md")
    for page in sorted(DOCS.glob("*.md")):
        assert f"docs/{page.name}" in readme, f"README.md does not link docs/{page.name}"


def test_the_readme_stays_short():
    assert len(text("README.md").splitlines()) <= 200
