"""Group gaps: each shown group against the rest of the organisation, with an interval and an effect size.

For a group and a dimension (or the overall score), the gap is the group's mean respondent score
minus the mean of every other counted respondent. Its 95% interval and p value come from Welch's
t test (unequal variances and sizes, which is what groups of 5 and 50 have); the effect size is
Hedges' g (the difference over the pooled sd, times ``J = 1 - 3 / (4 (n1 + n2) - 9)`` to remove the
small-sample bias of Cohen's d). A heatmap tests many cells at once, so p values are adjusted with
Benjamini-Hochberg within each grouping (all its groups and dimensions together): it keeps the
expected share of false calls among the flagged cells at 5%, and with tens of cells it flags real
differences that Bonferroni or Holm would miss. ``significant`` is ``p_adjusted < 0.05``.

The "overall" gap compares respondents' own overall scores (the dimension-weighted mean of the
dimensions they have), so it can differ in the last decimals from the gap between the group
table's overall figures, which weight the group's dimension means. Only groups that are shown take
part; a hidden group gets no row. The rest of the organisation includes hidden groups' members: its
mean follows from the whole and the shown group's mean, so it reveals nothing about them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from cxassess.scoring.moments import group_sums, membership, moments

__all__ = ["FDR", "benjamini_hochberg", "group_gaps", "welch_gap", "welch_table"]

FDR = 0.05


def welch_table(n1: np.ndarray, m1: np.ndarray, v1: np.ndarray, n2: np.ndarray, m2: np.ndarray, v2: np.ndarray,
                level: float = 0.95) -> dict[str, np.ndarray]:
    """Welch interval and p value and Hedges' g for arrays of two-sample summaries (count, mean, variance)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        enough = (n1 >= 2) & (n2 >= 2)
        diff = np.where(enough, m1 - m2, np.nan)
        a, b = v1 / n1, v2 / n2
        se = np.sqrt(a + b)
        df = (a + b) ** 2 / (a**2 / (n1 - 1) + b**2 / (n2 - 1))
        ok = enough & (se > 0)
        df_safe = np.where(ok, df, 1.0)
        half = np.where(ok, special.stdtrit(df_safe, 0.5 + level / 2) * se, np.nan)
        p = np.where(ok, 2 * special.stdtr(df_safe, -np.abs(diff) / np.where(ok, se, 1.0)), np.nan)
        pooled = ((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2)
        g = np.where(enough & (pooled > 0), (1 - 3 / (4 * (n1 + n2) - 9)) * diff / np.sqrt(pooled), np.nan)
    return {"group_n": n1.astype(int), "rest_n": n2.astype(int), "group_score": np.where(enough, m1, np.nan),
            "rest_score": np.where(enough, m2, np.nan), "difference": diff, "low": diff - half, "high": diff + half,
            "hedges_g": g, "p_value": p}


def welch_gap(x: np.ndarray, y: np.ndarray, level: float = 0.95) -> dict[str, float]:
    """Mean of ``x`` minus mean of ``y`` (NaN dropped): interval, p value (Welch) and Hedges' g."""
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    def one(v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return (np.array([float(len(v))]), np.array([v.mean() if len(v) else np.nan]),
                np.array([v.var(ddof=1) if len(v) > 1 else np.nan]))

    table = welch_table(*one(x), *one(y), level=level)
    return {k: v[0].item() for k, v in table.items()}


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p values (NaN stays NaN and does not count as a test)."""
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    m = len(ok)
    if not m:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    scaled = p[order] * m / np.arange(1, m + 1)
    out[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    return out


def group_gaps(rs: pd.DataFrame, overall: np.ndarray, labels: pd.Series, shown: list[str]) -> pd.DataFrame:
    """One row per shown group and per "overall" + dimension: the gap from the rest, tidy.

    ``rs`` is respondents x dimensions, ``overall`` each respondent's overall score, ``labels``
    each respondent's group (all aligned); ``shown`` the groups that are not suppressed.
    """
    if not shown:
        return pd.DataFrame()
    x = np.column_stack([overall, rs.to_numpy()])
    g = membership(labels.to_numpy().astype(str), shown)
    n1, m1, v1 = moments(g, x)
    ok = ~np.isnan(x)
    filled = np.where(ok, x, 0.0)
    total_n, total_s, total_ss = ok.sum(axis=0), filled.sum(axis=0), (filled**2).sum(axis=0)
    n2 = total_n - n1
    s2 = total_s - np.nan_to_num(m1) * n1
    ss2 = total_ss - group_sums(g, filled**2)
    with np.errstate(invalid="ignore", divide="ignore"):
        m2 = np.where(n2 > 0, s2 / n2, np.nan)
        v2 = np.where(n2 >= 2, np.clip((ss2 - n2 * np.nan_to_num(m2) ** 2) / (n2 - 1), 0.0, None), np.nan)
    table = welch_table(n1, m1, v1, n2, m2, v2)
    dims = ["overall", *map(str, rs.columns)]
    frame = pd.DataFrame({"group_by": str(labels.name), "group": np.repeat(np.array(shown, dtype=object), len(dims)),
                          "dimension": np.tile(np.array(dims, dtype=object), len(shown)),
                          **{k: v.ravel() for k, v in table.items()}})
    frame["p_adjusted"] = benjamini_hochberg(frame["p_value"].to_numpy())
    frame["significant"] = frame["p_adjusted"].lt(FDR)
    return frame
