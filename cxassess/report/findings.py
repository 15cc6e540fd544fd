"""What the scores say, as plain data: strongest and weakest, disagreement, perception gaps,
leaders vs front line, suppressed groups, the item ranking, and whether a report may be written at all.

Pure functions over a :class:`~cxassess.scoring.score.Scores`; the report's sentences
(:mod:`cxassess.report.narrative`) and charts (:mod:`cxassess.report.charts`) are built from them.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from cxassess.errors import CxError
from cxassess.scoring.score import Scores

# words in a role/group label that mark senior leaders vs front-line staff (lower case)
LEADER_WORDS = ("lead", "executive", "director", "senior", "board", "management")
FRONT_LINE_WORDS = ("front", "agent", "staff", "advisor", "adviser", "associate", "operator", "employee")


def ensure_reportable(scores: Scores, source: Any = "") -> None:
    """Refuse a report on fewer respondents than the minimum group size: its "organisation" scores
    would be one or two people's own answers, which the group suppression exists to protect."""
    if scores.respondents < scores.min_group_size:
        where = f"{source}: " if source else ""
        raise CxError(f"{where}only {scores.respondents} respondent(s) with usable answers; a report "
                      f"needs at least {scores.min_group_size} (the minimum group size), so that nobody's answers "
                      "can be read from it; for a one-person self-assessment set the minimum group size to 1 "
                      "(--min-group-size 1)")


def strongest_and_weakest(scores: Scores, n: int = 2) -> tuple[list[str], list[str]]:
    """Dimension ids of the ``n`` strongest and the ``n`` weakest scored dimensions, never overlapping:
    with fewer than ``2n`` scored dimensions each list gets half (one each for two or three)."""
    ranked = list(scores.ranked().index)
    k = min(n, max(len(ranked) // 2, 1))
    strongest = ranked[:k]
    rest = ranked[k:]
    weakest = rest[-k:][::-1] if rest else []
    return strongest, weakest


def disagreement(scores: Scores) -> tuple[list[str], str | None]:
    """(dimensions flagged low consensus, highest sd first; the dimension with the highest sd)."""
    dims = scores.dimensions.dropna(subset=["sd"]).sort_values("sd", ascending=False, kind="stable")
    flagged = [str(d) for d in dims.index[dims["low_consensus"].astype(bool)]]
    top = str(dims.index[0]) if len(dims) else None
    return flagged, top


def perception_gaps(scores: Scores) -> pd.DataFrame:
    """For each grouping and dimension: the highest and lowest scoring reported group and the gap.

    Suppressed groups never take part. Sorted by gap, widest first; columns ``column, dimension,
    high_group, high, low_group, low, gap``. Empty when no grouping has two reported groups.
    """
    rows = []
    for col, table in scores.groups.items():
        shown = table.loc[~table["suppressed"].astype(bool)]
        if len(shown) < 2:
            continue
        for dim in scores.dimensions.index:
            values = shown[dim].astype(float).dropna()
            if len(values) < 2:
                continue
            hi, lo = values.idxmax(), values.idxmin()
            rows.append({"column": col, "dimension": dim, "high_group": hi, "high": values[hi],
                         "low_group": lo, "low": values[lo], "gap": values[hi] - values[lo]})
    frame = pd.DataFrame(rows, columns=["column", "dimension", "high_group", "high", "low_group", "low", "gap"])
    return frame.sort_values("gap", ascending=False, kind="stable").reset_index(drop=True)


def leaders_vs_front_line(scores: Scores) -> dict[str, Any] | None:
    """Overall scores of senior leaders vs front-line staff, when a grouping has both groups
    (recognised by words in the group label, e.g. "leadership" and "front line") and neither is
    suppressed. None otherwise."""
    for col, table in scores.groups.items():
        shown = table.loc[~table["suppressed"].astype(bool)]
        labels = [str(v) for v in shown.index]
        leaders = [v for v in labels if any(w in v.lower() for w in LEADER_WORDS)]
        front = [v for v in labels if any(w in v.lower() for w in FRONT_LINE_WORDS) and v not in leaders]
        if len(leaders) == 1 and len(front) == 1:
            lead, fl = leaders[0], front[0]
            dim_gaps = (shown.loc[lead, list(scores.dimensions.index)].astype(float)
                        - shown.loc[fl, list(scores.dimensions.index)].astype(float)).dropna()
            widest = str(dim_gaps.abs().idxmax()) if len(dim_gaps) else None
            return {"column": col, "leaders": lead, "front_line": fl,
                    "leaders_score": float(shown.loc[lead, "overall"]),
                    "front_line_score": float(shown.loc[fl, "overall"]),
                    "widest_dimension": widest, "widest_gap": float(dim_gaps[widest]) if widest else float("nan")}
    return None


def suppressed_groups(scores: Scores) -> dict[str, list[str]]:
    """Group values hidden to protect anonymity (see :mod:`cxassess.scoring.suppression`), per grouping."""
    return {col: [str(v) for v in t.index[t["suppressed"].astype(bool)]] for col, t in scores.groups.items()
            if t["suppressed"].any()}


def split_ranking(scores: Scores, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``n`` best answered items (best first) and the ``n`` worst (worst first), never overlapping:
    with fewer than ``2n`` answered items they are split evenly. Items nobody answered are left out."""
    ranked = scores.items.dropna(subset=["mean"]).sort_values("mean", ascending=False, kind="stable")
    k = min(n, math.ceil(len(ranked) / 2))
    best = ranked.head(k)
    worst = ranked.tail(min(k, len(ranked) - k)).iloc[::-1] if len(ranked) > k else ranked.iloc[0:0]
    return best, worst
