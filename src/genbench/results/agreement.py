"""Do the feature spaces agree? For every measure taken in several spaces (FID, KID, precision,
recall, density, coverage), each model's rank in each space and Kendall's tau between every
two spaces' orderings of the models (1: the same order, -1: reversed), and the findings the
README states from them: an ordering only where every space gives it, "depends on the feature
space" where they do not.
"""

from __future__ import annotations

from itertools import combinations

from scipy.stats import kendalltau

from genbench.results.catalogue import MULTI_SPACE, number, spaces_of


def _badness(value: float, direction: str, real: float | None) -> float:
    """Lower is better: the value, its negative, or its distance to the real data's."""
    if direction == "higher":
        return -value
    if direction == "nearest_real":
        return abs(value - real)
    return value


def ranks(values: dict[str, float], direction: str, real: float | None = None) -> dict[str, int]:
    """1 for the best model; ties share the better rank."""
    badness = {m: _badness(v, direction, real) for m, v in values.items()}
    return {m: 1 + sum(other < b for other in badness.values()) for m, b in badness.items()}


def _tau(a: list[int], b: list[int]) -> float | None:
    """Kendall's tau-b; None where a ranking is all ties (it orders nothing)."""
    tau = kendalltau(a, b)[0]
    return None if tau != tau else float(tau)


def rank_agreement(scores: dict[str, dict], reference: dict) -> dict[str, dict]:
    """Per measure: ``ranks`` {space: {model: rank}}, ``kendall_tau`` {"a~b": tau} for every pair
    of spaces and ``min_tau``; what every space agrees on: ``agreed_first`` (the models every
    space ranks first, second, ... in the same places), ``agreed_last`` (the same from the
    end), ``leader`` (the first of them, else None) and ``order`` (all the models, best first,
    where every space gives one order, else None). ``scores``: model -> scorecard; models with
    no value for the measure (conditional-only ones) are left out."""
    out = {}
    for measure in MULTI_SPACE:
        metrics = spaces_of(measure)
        models = [m for m in scores if all(scores[m].get(x.key) is not None for x in metrics)]
        if len(models) < 2:
            continue
        by_space = {x.space: ranks({m: scores[m][x.key] for m in models}, x.direction, reference.get(x.key))
                    for x in metrics}
        taus = {f"{a}~{b}": _tau([by_space[a][m] for m in models], [by_space[b][m] for m in models])
                for a, b in combinations(by_space, 2)}
        orders = [_tied_groups(r) for r in by_space.values()]
        head = _common_prefix(orders)
        tail = _common_prefix([o[::-1] for o in orders])[::-1]
        whole = len(head) == len(orders[0])
        out[measure] = {"ranks": by_space, "kendall_tau": taus,
                        "min_tau": min((t for t in taus.values() if t is not None), default=None),
                        "leader": head[0][0] if head and len(head[0]) == 1 else None,
                        "order": head if whole else None,
                        "agreed_first": head, "agreed_last": [] if whole else tail}
    return out


def _tied_groups(rank: dict[str, int]) -> list[list[str]]:
    """The models best first, those of equal rank together: [["a"], ["b", "c"], ...]."""
    return [sorted(m for m in rank if rank[m] == r) for r in sorted(set(rank.values()))]


def _common_prefix(orders: list[list[list[str]]]) -> list[list[str]]:
    """The groups every ordering puts first, in the same places."""
    prefix = []
    for place in zip(*orders):
        if any(group != place[0] for group in place):
            break
        prefix.append(place[0])
    return prefix


def _listing(groups: list[list[str]]) -> str:
    return " > ".join(" = ".join(group) for group in groups)


def _overlapping(leader: str, measure: str, seeds: dict) -> list[str]:
    """Models whose 95 % interval over seeds overlaps the leader's in some space's metric."""
    found = []
    for metric in spaces_of(measure):
        mine = seeds.get(leader, {}).get(metric.key)
        if not mine:
            continue
        for model, summary in seeds.items():
            other = summary.get(metric.key) if model != leader else None
            if other and other["ci_low"] <= mine["ci_high"] and mine["ci_low"] <= other["ci_high"]:
                found.append(model)
    return sorted(set(found))


def _seeds_say(leader: str | None, measure: str, seeds: dict | None) -> str:
    if not seeds or leader not in seeds:
        return ""
    close = _overlapping(leader, measure, seeds)
    if close:
        return f"; over seeds its 95 % interval overlaps {', '.join(close)}'s, so the lead is not yet a finding"
    return "; over seeds its 95 % interval is clear of every other model's in every space"


def current_seeds(seeds: dict | None) -> dict | None:
    """metrics/seeds.json if it was made through the current yardstick (every model's
    intervals hold every feature space's FID), else None: an older yardstick's intervals back
    no finding of this one."""
    keys = [m.key for m in spaces_of("fid")]
    if not seeds or not all(all(k in summary for k in keys) for summary in seeds.values()):
        return None
    return seeds


def findings(agreement: dict[str, dict], seeds: dict | None = None) -> list[str]:
    """One line per measure: what every feature space agrees on (and whether the intervals
    over seeds, in ``seeds`` (metrics/seeds.json) where given, back the leader), and where it
    depends on the feature space."""
    lines, seeds = [], current_seeds(seeds)
    for measure, a in agreement.items():
        label = number(measure).label
        spaces = len(a["ranks"])
        tau = ("no two spaces' orders compare" if a["min_tau"] is None
               else f"Kendall's tau between spaces {a['min_tau']:.2f} or more")
        every = {2: "both", 3: "all three"}.get(spaces, f"all {spaces}")
        last = (f"; {_listing(a['agreed_last'])} last in {every}" if a["agreed_last"] else "")
        if a["order"]:
            lines.append(f"**{label}: {every} feature spaces give one order**, {_listing(a['order'])} "
                         f"({tau}{_seeds_say(a['leader'], measure, seeds)}).")
        elif a["agreed_first"]:
            first = _listing(a["agreed_first"])
            one = len(a["agreed_first"]) == 1 and len(a["agreed_first"][0]) == 1
            lines.append(f"**{label}: {first} {'leads' if one else 'lead, in this order,'} "
                         f"in {every} feature spaces**{last}; the order between depends on the feature space "
                         f"({tau}{_seeds_say(a['leader'], measure, seeds)}).")
        else:
            firsts = "; ".join(f"{space}: {_listing(_tied_groups(r)[:1])}" for space, r in a["ranks"].items())
            lines.append(f"**{label} depends on the feature space**: the best model is {firsts}{last} ({tau}).")
    return lines


def markdown_findings(agreement: dict[str, dict], seeds: dict | None = None) -> str:
    return "\n".join(f"- {line}" for line in findings(agreement, seeds))
