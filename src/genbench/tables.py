"""The README's results table, generated from plots/summary.csv (a test keeps them equal).

    python -m genbench.tables     # prints the markdown table to paste into README.md
"""

from __future__ import annotations

from pathlib import Path

from genbench.utils import read_csv

COLUMNS = [("fid", "FID ↓", 1), ("inception_score", "IS ↑", 2), ("label_accuracy", "label acc. ↑", 3),
           ("cas", "CAS ↑", 3), ("precision", "precision ↑", 3), ("recall", "recall ↑", 3),
           ("class_entropy", "class entropy ↑", 3), ("sample_seconds_per_1000", "s / 1k samples ↓", 3),
           ("train_seconds", "train s ↓", 0), ("quality", "quality", 2), ("stability", "stability", 2),
           ("controllability", "control", 2), ("efficiency", "efficiency", 2),
           ("overall_distance", "distance score", 2)]
REFERENCE = {"fid": "fid_real", "inception_score": "inception_score_real",
             "label_accuracy": "label_accuracy_real", "cas": "cas_real",
             "precision": "precision_real", "recall": "recall_real"}


def _cell(value, digits):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def markdown_summary(rows: list[dict]) -> str:
    header = "| model | " + " | ".join(label for _, label, _ in COLUMNS) + " |"
    lines = [header, "|" + "---|" * (len(COLUMNS) + 1)]
    for r in rows:
        lines.append(f"| {r['model']} | " + " | ".join(_cell(r[k], d) for k, _, d in COLUMNS) + " |")
    ref = rows[0]
    lines.append("| *real data* | " + " | ".join(
        _cell(ref[REFERENCE[k]], d) if k in REFERENCE else "" for k, _, d in COLUMNS) + " |")
    return "\n".join(lines)


def main():
    print(markdown_summary(read_csv(Path("plots/summary.csv"))))


if __name__ == "__main__":
    main()
