"""The README's and docs' tables, generated (a test keeps them equal to these): the results, from
normalize's summary table, the results over seeds and each study with their intervals, and the metric
definitions, from the scorecard.

    python -m genbench.results.tables plots/summary.csv           # the results table (one run)
    python -m genbench.results.tables --short plots/summary.csv   # its few columns, for the README
    python -m genbench.results.tables --seeds metrics/seeds.json  # over seeds, with intervals
    python -m genbench.results.tables --study metrics/studies/gan_lr.json  # a study, with intervals
    python -m genbench.results.tables --sweep plots/sweep/ddpm    # a model's sampler sweep
    python -m genbench.results.tables --metrics                   # the metric definitions
    python -m genbench.results.tables --findings metrics/summary.json metrics/seeds.json  # the README's findings
    python -m genbench.results.tables --reading metrics/evaluator.json  # the reader on corrupted digits
"""

from __future__ import annotations

import sys
from pathlib import Path

from genbench.files import read_csv, read_json
from genbench.results.agreement import markdown_findings
from genbench.results.catalogue import (HEADLINE, METRICS, RANKED_BY, RESULTS_TABLE, SEEDS_TABLE, SHORT_TABLE, STUDY_SUMMARY,
                                        Metric, number)


def columns(keys: list[str]) -> list[tuple[str, str, int, str | None]]:
    """(column key in plots/summary.csv, header, decimals, key of its real-data value or None)
    of each catalogued number in ``keys``."""
    return [(k, number(k).header, number(k).digits, f"{k}_real" if isinstance(number(k), Metric) else None)
            for k in keys]


COLUMNS = columns(RESULTS_TABLE)


def cell(value, digits: int) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _rows_with_real(rows: list[dict], columns: list[tuple]) -> str:
    """One line per model of ``columns`` (key, header, decimals, real-data key or None), then
    the real-data values."""
    lines = ["| model | " + " | ".join(label for _, label, _, _ in columns) + " |",
             "|" + "---|" * (len(columns) + 1)]
    for r in rows:
        lines.append(f"| {r['model']} | " + " | ".join(cell(r[k], d) for k, _, d, _ in columns) + " |")
    lines.append("| *real data* | " + " | ".join(
        cell(rows[0][ref], d) if ref else "" for _, _, d, ref in columns) + " |")
    return "\n".join(lines)


def markdown_summary(rows: list[dict]) -> str:
    return _rows_with_real(rows, COLUMNS)




def markdown_short(rows: list[dict]) -> str:
    """A few columns of the results table, for the README: quality, control, coverage,
    memorization and the two costs."""
    return _rows_with_real([{**r, "train_minutes": r["train_seconds"] / 60} for r in rows], columns(SHORT_TABLE))


SEED_COLUMNS = [(k, header, digits) for k, header, digits, _ in columns(SEEDS_TABLE)]


def separated(summary: dict, key: str, lower_is_better: bool) -> list[tuple[str, str, bool]]:
    """Models ranked by ``key``'s mean, as (model, next model, whether their intervals are
    disjoint) for each neighbouring pair: only a disjoint pair is a ranking the seeds support."""
    ranked = sorted(summary, key=lambda m: summary[m][key]["mean"], reverse=not lower_is_better)
    pairs = []
    for a, b in zip(ranked, ranked[1:]):
        x, y = summary[a][key], summary[b][key]
        disjoint = (x["ci_high"] is not None and y["ci_high"] is not None
                    and (x["ci_high"] < y["ci_low"] or y["ci_high"] < x["ci_low"]))
        pairs.append((a, b, disjoint))
    return pairs


def interval_cell(entry: dict | None, digits: int) -> str:
    """``mean ± half-width`` of the 95 % interval (the mean alone for one seed)."""
    if entry is None:
        return "–"
    if entry["ci_high"] is None:
        return cell(entry["mean"], digits)
    return f"{cell(entry['mean'], digits)} ± {cell(entry['ci_high'] - entry['mean'], digits)}"


def markdown_seeds(summary: dict) -> str:
    """The results over seeds (mean ± 95 % half-width), the final FID's coefficient of
    variation across seeds and the stability it gives; then the models ranked by FID and by
    distance score, ``>`` where neighbours' intervals are disjoint, ``≈`` where they overlap.
    Columns no model has (a metric newer than the runs) are left out."""
    shown = [c for c in SEED_COLUMNS if any(c[0] in s for s in summary.values())]
    lines = ["| model | seeds | " + " | ".join(label for _, label, _ in shown)
             + " | FID CV across seeds ↓ | seed stability ↑ |", "|" + "---|" * (len(shown) + 4)]
    for model, s in summary.items():
        lines.append(f"| {model} | {len(s['seeds'])} | "
                     + " | ".join(interval_cell(s.get(k), d) for k, _, d in shown)
                     + f" | {cell(s['fid_cv'], 3)} | {cell(s['seed_stability'], 2)} |")
    lines.append("")
    for key in RANKED_BY:
        label, lower = number(key).label, number(key).direction == "lower"
        if not all(key in s for s in summary.values()):
            continue
        pairs = separated(summary, key, lower)
        order = pairs[0][0] + "".join(f" {'>' if disjoint else '≈'} {b}" for _, b, disjoint in pairs)
        lines.append(f"Ranked by {label} (best first; `>`: better, intervals disjoint, "
                     f"`≈`: they overlap): {order}")
        lines.append("")
    return "\n".join(lines).rstrip()


STUDY_COLUMNS = [(k, header, digits) for k, header, digits, _ in columns(STUDY_SUMMARY)]


def markdown_study(summary: dict) -> str:
    """A study (genbench.results.intervals.study_summary): per model and value, the metrics' means ± 95 %
    half-widths over the seeds; then per model its values ranked by FID, ``>`` where
    neighbours' intervals are disjoint, ``≈`` where they overlap or a value has one seed."""
    columns = [c for c in STUDY_COLUMNS if any(c[0] in e for v in summary["models"].values() for e in v.values())]
    lines = ["| model | value | seeds | " + " | ".join(label for _, label, _ in columns) + " |",
             "|" + "---|" * (len(columns) + 3)]
    for model, per_value in summary["models"].items():
        for value, entry in per_value.items():
            lines.append(f"| {model} | {value} | {len(entry['seeds'])} | "
                         + " | ".join(interval_cell(entry.get(k), d) for k, _, d in columns) + " |")
    lines.append("")
    for model, per_value in summary["models"].items():
        pairs = separated(per_value, HEADLINE, lower_is_better=number(HEADLINE).direction == "lower")
        if pairs:
            order = pairs[0][0] + "".join(f" {'>' if disjoint else '≈'} {b}" for _, b, disjoint in pairs)
            lines.append(f"{model} by {number(HEADLINE).label} (best first): {order}")
            lines.append("")
    return "\n".join(lines).rstrip()


def markdown_sweep(series: dict[str, list[dict]]) -> str:
    """A model's sampler sweep (plots/sweep/MODEL/SETTING.csv, one table per varied setting):
    per setting value, sampling seconds per 1,000, KID ± its std over subsets, FID and label
    accuracy, on each series' own sample count."""
    lines = ["| setting | value | samples | s / 1k samples | KID ± std | FID | label acc. |",
             "|---|---|---|---|---|---|---|"]
    for setting, rows in series.items():
        for r in rows:
            value = f"{r['value']:g}" if isinstance(r["value"], float) else str(r["value"])
            lines.append(f"| {setting} | {value} | {int(r['num_samples'])} | {cell(r['seconds_per_1000'], 1)} "
                         f"| {cell(r['kid'], 0)} ± {cell(r['kid_std'], 0)} | {cell(r['fid'], 0)} "
                         f"| {cell(r['label_accuracy'], 2)} |")
    return "\n".join(lines)


def sweep_series(folder: Path) -> dict[str, list[dict]]:
    return {f.stem: read_csv(f) for f in sorted(folder.glob("*.csv"))}


def text_table(rows: list[tuple[str, dict]], keys: list[str]) -> str:
    """Aligned plain-text columns for a terminal: a name and the catalogued ``keys`` of each
    row (a missing or null value is ``–``)."""
    header = ["", *(number(k).header for k in keys)]
    body = [[name, *(cell(values.get(k), number(k).digits) for k in keys)] for name, values in rows]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
                     for r in [header, *body])


def markdown_reading(evaluator: dict) -> str:
    """The reader's accuracy on clean and corrupted MNIST test beside the evaluator's, with
    each corruption's test severity (all from metrics/evaluator.json)."""
    reader, floors = evaluator["reader"]["accuracy"], evaluator["reader"]["floors"]
    severities = evaluator["reader"]["severity"]
    lines = ["| MNIST test | severity | reader | floor | evaluator |", "|---|---|---|---|---|"]
    for name, acc in reader.items():
        floor = floors["clean" if name == "clean" else "corrupted"]
        severity = "" if name == "clean" else f"{severities[name]:g}"
        lines.append(f"| {name.replace('_', ' ')} | {severity} | {acc:.4f} | {floor:g} "
                     f"| {evaluator['evaluator_reading'][name]:.4f} |")
    return "\n".join(lines)


def markdown_metrics() -> str:
    lines = ["| key in `metrics/scores/MODEL.json` | definition | better | real-data value (same key in `metrics/reference.json`) | feeds |",
             "|---|---|---|---|---|"]
    for m in METRICS:
        only = " Null for unconditional models." if m.conditional_only else ""
        lines.append(f"| `{m.key}` | {m.definition}.{only} | {m.better} "
                     f"| {m.reference_is} | {m.dimension or ''} |")
    return "\n".join(lines)


def main():
    if sys.argv[1:] == ["--metrics"]:
        print(markdown_metrics())
    elif len(sys.argv) == 3 and sys.argv[1] == "--sweep":
        print(markdown_sweep(sweep_series(Path(sys.argv[2]))))
    elif len(sys.argv) == 3 and sys.argv[1] == "--short":
        print(markdown_short(read_csv(Path(sys.argv[2]))))
    elif len(sys.argv) == 3 and sys.argv[1] == "--seeds":
        print(markdown_seeds(read_json(Path(sys.argv[2]))))
    elif len(sys.argv) == 3 and sys.argv[1] == "--study":
        print(markdown_study(read_json(Path(sys.argv[2]))))
    elif len(sys.argv) == 3 and sys.argv[1] == "--reading":
        print(markdown_reading(read_json(Path(sys.argv[2]))))
    elif len(sys.argv) in (3, 4) and sys.argv[1] == "--findings":
        seeds = read_json(Path(sys.argv[3])) if len(sys.argv) == 4 else None
        print(markdown_findings(read_json(Path(sys.argv[2]))["rank_agreement"], seeds))
    elif len(sys.argv) == 2:
        print(markdown_summary(read_csv(Path(sys.argv[1]))))
    else:
        sys.exit("usage: python -m genbench.results.tables [--short] SUMMARY_CSV | --seeds SEEDS_JSON | --study STUDY_JSON | --sweep FOLDER | --metrics | --findings SUMMARY_JSON [SEEDS_JSON] | --reading EVALUATOR_JSON")


if __name__ == "__main__":
    main()
