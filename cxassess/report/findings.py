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


# --------------------------------------------------------------------------------------
# rules the report's sentences follow
# --------------------------------------------------------------------------------------
#: Cronbach's alpha (or McDonald's omega) below this: a dimension's statements do not measure one thing well
RELIABILITY_OK = 0.7


def midpoint(scores: Scores) -> float:
    """The scale's neutral middle (3 on 1..5): a score must be above it to be called a strength."""
    s = scores.questionnaire.scale
    return (s.min + s.max) / 2


def is_strength(scores: Scores, dim: str) -> bool:
    """A dimension is a strength only when its score is above the scale's midpoint."""
    return float(scores.dimensions.loc[dim, "score"]) > midpoint(scores) + 1e-9


def reliability(scores: Scores, dim: str) -> tuple[str, float]:
    """(coefficient name, value) of a dimension's internal consistency: McDonald's omega when the
    scoring computed it, else Cronbach's alpha (NaN when not defined)."""
    row = scores.dimensions.loc[dim]
    if "omega" in row.index and not pd.isna(row["omega"]):
        return "omega", float(row["omega"])
    return "alpha", float(row["alpha"]) if not pd.isna(row["alpha"]) else math.nan


def unreliable_dimensions(scores: Scores) -> list[str]:
    """Scored dimensions whose reliability is known and below :data:`RELIABILITY_OK`."""
    out = []
    for dim in scores.dimensions.index:
        _, value = reliability(scores, str(dim))
        if not math.isnan(value) and value < RELIABILITY_OK and not pd.isna(scores.dimensions.loc[dim, "score"]):
            out.append(str(dim))
    return out


def item_reading(scores: Scores, item: str) -> dict[str, Any]:
    """What respondents said to a statement, in its own wording.

    ``verb`` is "agreed" or "disagreed" (with the statement as worded: a reverse-worded statement
    with a high, i.e. good, score is one people *disagreed* with) or "were split" when the raw
    mean sits on the midpoint; ``share`` is the share who said so (agree or disagree answers) when
    the answer distribution is known, else NaN, and ``most`` whether that share is over half.
    """
    row = scores.items.loc[item]
    lo, hi = scores.questionnaire.scale.min, scores.questionnaire.scale.max
    raw_mean = lo + hi - float(row["mean"]) if bool(row["reverse"]) else float(row["mean"])
    mid = (lo + hi) / 2
    verb = "agreed" if raw_mean > mid + 1e-9 else "disagreed" if raw_mean < mid - 1e-9 else "were split"
    share = math.nan
    fav = _item_share(scores, item, "favourable")
    unfav = _item_share(scores, item, "unfavourable")
    if not math.isnan(fav) and not math.isnan(unfav):
        # favourable = answers on the good side after reversal: agreeing with a positive statement,
        # disagreeing with a reverse-worded one
        good, bad = fav, unfav
        agree, disagree = (bad, good) if bool(row["reverse"]) else (good, bad)
        share = agree if verb == "agreed" else disagree if verb == "disagreed" else math.nan
    return {"verb": verb, "share": share, "most": not math.isnan(share) and share > 0.5, "raw_mean": raw_mean}


def _item_share(scores: Scores, item: str, kind: str) -> float:
    """The share (0..1) of favourable / neutral / unfavourable answers to ``item`` when scoring computed it."""
    dist = getattr(scores, "distribution", None)
    if not isinstance(dist, pd.DataFrame) or kind not in dist.columns or item not in dist.index:
        return math.nan
    value = dist.loc[item, kind]
    return math.nan if pd.isna(value) else float(value)


def key_driver_impact(scores: Scores) -> dict[str, float] | None:
    """Relative importance of each dimension for the outcome (Johnson's relative weights, as a share
    of the explained variance), when the scoring computed it; None otherwise (no outcome statements,
    or too few respondents for the analysis)."""
    drivers = getattr(scores, "drivers", None)
    if not isinstance(drivers, pd.DataFrame) or drivers.empty or "share" not in drivers.columns:
        return None
    out = {str(k): float(v) for k, v in drivers["share"].items() if not pd.isna(v)}
    return out or None


def gap_tests(scores: Scores) -> pd.DataFrame | None:
    """Each reported group against the rest of the organisation, per dimension, when the scoring
    tested the differences (:attr:`Scores.gaps`); None when it did not.

    Columns include ``group_by, group, dimension, group_score, rest_score, difference, low, high,
    hedges_g, significant`` (suppressed groups never appear).
    """
    tests = getattr(scores, "gaps", None)
    memo = getattr(scores, "__dict__", {}).get(_GAP_TESTS)
    if memo is not None and memo[0] is tests and memo[1] is scores.groups:  # the same tests, asked again
        return memo[2]
    found = None
    if isinstance(tests, pd.DataFrame) and not tests.empty and "significant" in tests.columns:
        # a grouping with one reported group: "the rest" would be the suppressed groups, so never shown
        comparable = [c for c, t in scores.groups.items() if (~t["suppressed"].astype(bool)).sum() >= 2]
        found = tests.loc[tests["group_by"].isin(comparable)]
    if hasattr(scores, "__dict__"):  # the narrative, its group notes and the tables ask for them in turn
        scores.__dict__[_GAP_TESTS] = (tests, scores.groups, found)
    return found


#: where :func:`gap_tests` keeps its answer on a Scores (with the frames it came from, so a Scores
#: given new gaps or groups is answered afresh)
_GAP_TESTS = "_report_gap_tests"


def interval(scores: Scores, key: str) -> tuple[float, float]:
    """The 95% interval (low, high) of the overall score (``key="overall"``) or a dimension, or NaNs."""
    frame = getattr(scores, "intervals", None)
    if not isinstance(frame, pd.DataFrame) or key not in frame.index or "low" not in frame.columns:
        return math.nan, math.nan
    low, high = frame.loc[key, "low"], frame.loc[key, "high"]
    return (math.nan if pd.isna(low) else float(low)), (math.nan if pd.isna(high) else float(high))


def stage_probability(scores: Scores, key: str, stage: int | None = None) -> float:
    """The bootstrap probability that the overall score (``"overall"``) or a dimension is at ``stage``
    (by default the stage it is at), or NaN when not computed."""
    frame = getattr(scores, "intervals", None)
    if stage is None:
        raw = scores.overall.get("stage") if key == "overall" else scores.dimensions.loc[key, "stage"]
        if raw is None or pd.isna(raw):
            return math.nan
        stage = int(raw)
    col = f"stage_{stage}"
    if not isinstance(frame, pd.DataFrame) or key not in frame.index or col not in frame.columns:
        return math.nan
    value = frame.loc[key, col]
    return math.nan if pd.isna(value) else float(value)


def comparison_meaningful(scores: Scores, column: str) -> bool | None:
    """Whether ICC(2) says the groups of ``column`` can be told apart reliably (on most dimensions),
    or None when the scoring did not compute it."""
    icc = getattr(scores, "agreement", None)
    if not isinstance(icc, pd.DataFrame) or icc.empty or "meaningful" not in icc.columns:
        return None
    rows = icc.loc[icc["group_by"] == column, "meaningful"].dropna()
    if rows.empty:
        return None
    return bool(rows.astype(bool).mean() >= 0.5)
