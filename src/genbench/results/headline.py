"""The numbers DVC tracks as metrics: one small file per model (and one for the real data) with
the catalogue's ``TRACKED`` keys, each to 4 significant digits, so that `dvc metrics show`
prints one readable row per model and `dvc metrics diff` / `dvc exp show` compare the numbers
that matter. The full scorecard stays in metrics/scores/MODEL.json."""

from __future__ import annotations

from genbench.results.catalogue import TRACKED

SIGNIFICANT = 4


def rounded(value):
    """``value`` to ``SIGNIFICANT`` significant digits (None and integers unchanged)."""
    if value is None or isinstance(value, (bool, int)):
        return value
    return float(f"{value:.{SIGNIFICANT}g}")


def headline(scores: dict) -> dict:
    """The tracked keys of a scorecard (or of metrics/reference.json), rounded."""
    return {key: rounded(scores.get(key)) for key in TRACKED}
