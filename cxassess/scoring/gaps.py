"""Group gaps: each shown group against the rest of the organisation, with an interval and an effect size.

For a group and a dimension (or the overall score), the gap is the group's mean respondent score
minus the mean of every other counted respondent. Its 95% interval and p value come from Welch's
t test (unequal variances and sizes, which is what groups of 5 and 50 have); the effect size is
Hedges' g (the difference over the pooled sd, times ``J = 1 - 3 / (4 (n1 + n2) - 9)`` to remove the
small-sample bias of Cohen's d). A heatmap tests many cells at once, so p values are adjusted with
Benjamini-Hochberg within each grouping (all its groups and dimensions together): it keeps the
expected share of false calls among the flagged cells at 5%, and with tens of cells it flags real
differences that Bonferroni or Holm would miss. ``significant`` is ``p_adjusted < 0.05``.

Only groups that are shown take part; a hidden group gets no row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["FDR", "benjamini_hochberg", "group_gaps", "welch_gap"]

FDR = 0.05


def welch_gap(x: np.ndarray, y: np.ndarray, level: float = 0.95) -> dict[str, float]:
    """Mean of ``x`` minus mean of ``y`` (NaN dropped): interval, p value (Welch) and Hedges' g."""
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    n1, n2 = len(x), len(y)
    out = {"group_n": n1, "rest_n": n2, "group_score": np.nan, "rest_score": np.nan, "difference": np.nan,
           "low": np.nan, "high": np.nan, "hedges_g": np.nan, "p_value": np.nan}
    if n1 < 2 or n2 < 2:
        return out
    m1, m2, v1, v2 = x.mean(), y.mean(), x.var(ddof=1), y.var(ddof=1)
    diff = m1 - m2
    out.update(group_score=m1, rest_score=m2, difference=diff)
    se2 = v1 / n1 + v2 / n2
    if se2 > 0:
        df = se2**2 / ((v1 / n1) ** 2 / (n1 - 1) + (v2 / n2) ** 2 / (n2 - 1))
        se = np.sqrt(se2)
        half = stats.t.ppf(0.5 + level / 2, df) * se
        out.update(low=diff - half, high=diff + half, p_value=float(2 * stats.t.sf(abs(diff) / se, df)))
    pooled = ((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2)
    if pooled > 0:
        out["hedges_g"] = (1 - 3 / (4 * (n1 + n2) - 9)) * diff / np.sqrt(pooled)
    return out


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
    values = labels.to_numpy().astype(str)
    columns = [("overall", overall), *((d, rs[d].to_numpy()) for d in rs.columns)]
    rows = []
    for group in shown:
        inside = values == group
        for dim, v in columns:
            rows.append({"group_by": str(labels.name), "group": group, "dimension": dim,
                         **welch_gap(v[inside], v[~inside])})
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame["p_adjusted"] = benjamini_hochberg(frame["p_value"].to_numpy())
    frame["significant"] = frame["p_adjusted"].lt(FDR)
    return frame
