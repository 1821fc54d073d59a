"""The README's tables, generated (a test keeps README.md equal to them): the results, from
normalize's summary table, and the metric definitions, from the scorecard.

    python -m genbench.tables plots/summary.csv    # the results table
    python -m genbench.tables --metrics            # the metric definitions
"""

from __future__ import annotations

import sys
from pathlib import Path

from genbench.scorecard import METRICS
from genbench.utils import read_csv

# (column key in plots/summary.csv, header, decimals, key of its real-data value or None):
# the scorecard's metrics, then the measured times and the normalized scores.
COLUMNS = [(m.key, f"{m.label} {'↑' if m.higher_is_better else '↓'}", m.digits, f"{m.key}_real")
           for m in METRICS] + [
    ("sample_seconds_per_1000", "s / 1k samples ↓", 3, None), ("epochs", "epochs", 0, None),
    ("train_seconds_per_epoch", "s / epoch ↓", 1, None), ("train_seconds", "train s ↓", 0, None),
    ("quality", "quality", 2, None), ("stability", "stability", 2, None),
    ("controllability", "control", 2, None), ("efficiency", "efficiency", 2, None),
    ("overall_distance", "distance score", 2, None)]


def cell(value, digits: int) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def markdown_summary(rows: list[dict]) -> str:
    lines = ["| model | " + " | ".join(label for _, label, _, _ in COLUMNS) + " |",
             "|" + "---|" * (len(COLUMNS) + 1)]
    for r in rows:
        lines.append(f"| {r['model']} | " + " | ".join(cell(r[k], d) for k, _, d, _ in COLUMNS) + " |")
    lines.append("| *real data* | " + " | ".join(
        cell(rows[0][ref], d) if ref else "" for _, _, d, ref in COLUMNS) + " |")
    return "\n".join(lines)


def markdown_metrics() -> str:
    lines = ["| key in `metrics/scores/MODEL.json` | definition | better | real-data value (same key in `metrics/reference.json`) | feeds |",
             "|---|---|---|---|---|"]
    for m in METRICS:
        only = " Null for unconditional models." if m.conditional_only else ""
        lines.append(f"| `{m.key}` | {m.definition}.{only} | {'higher' if m.higher_is_better else 'lower'} "
                     f"| {m.reference_is} | {m.dimension or ''} |")
    return "\n".join(lines)


def main():
    if sys.argv[1:] == ["--metrics"]:
        print(markdown_metrics())
    elif len(sys.argv) == 2:
        print(markdown_summary(read_csv(Path(sys.argv[1]))))
    else:
        sys.exit("usage: python -m genbench.tables SUMMARY_CSV | --metrics")


if __name__ == "__main__":
    main()
