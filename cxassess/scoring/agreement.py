"""Aggregation diagnostics: may group means be compared (ICC), and do a group's members agree (rwg(j), awg)?

- ICC(1) and ICC(2) per grouping and dimension from a one-way ANOVA of respondent scores on the
  shown groups (Bliese 2000): ``ICC(1) = (MSB - MSW) / (MSB + (n0 - 1) MSW)``, ``ICC(2) = (MSB - MSW) / MSB``,
  with ``n0 = (N - sum n_j² / N) / (k - 1)`` for groups of unequal size. ICC(1) is the share of the
  variance that lies between groups; ICC(2) is how reliably the group means tell groups apart. A
  comparison of a grouping's groups is called *meaningful* when ICC(2) >= :data:`ICC2_MEANINGFUL`
  (0.70, the threshold conventionally used for group-mean reliability).
- rwg(j) (James, Demaree and Wolf 1984) for a dimension of J items within a group, against the
  uniform null ``σ²E = (A² - 1) / 12``: ``J (1 - s̄²/σ²E) / (J (1 - s̄²/σ²E) + s̄²/σ²E)`` with ``s̄²`` the mean
  item variance; set to 0 when ``s̄² > σ²E`` (the usual truncation). Lindell's r*wg(j)
  (Lindell, Brandt and Whitney 1999) is ``1 - s̄²/σ²E``, not truncated and not inflated by J.
- awg (Brown and Hauenstein 2005): per item ``1 - 2 s² / (((H + L) M - M² - H L) k / (k - 1))`` for
  mean M, scale ends L..H and k answers; a dimension's awg is the mean over its items (undefined,
  NaN, for an item whose mean sits on a scale end, or with fewer than 2 answers).

Only groups that are shown (not ``suppressed``) take part: no figure is computed for a hidden group.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from cxassess.questionnaire.model import Questionnaire

__all__ = ["ICC2_MEANINGFUL", "awg", "icc_oneway", "rwg_j", "rwg_j_star"]

ICC2_MEANINGFUL = 0.70


def icc_oneway(values: np.ndarray, groups: np.ndarray) -> dict[str, float]:
    """ICC(1), ICC(2), F and its p value from a one-way ANOVA (NaN values dropped; NaN below 2 groups)."""
    ok = ~np.isnan(values)
    y, g = values[ok], groups[ok]
    labels, codes = np.unique(g, return_inverse=True)
    k, big_n = len(labels), len(y)
    out = {"groups": float(k), "respondents": float(big_n), "icc1": np.nan, "icc2": np.nan, "f": np.nan,
           "p_value": np.nan}
    if k < 2 or big_n <= k:
        return out
    sizes = np.bincount(codes, minlength=k).astype(float)
    means = np.bincount(codes, weights=y, minlength=k) / sizes
    grand = y.mean()
    msb = float((sizes * (means - grand) ** 2).sum() / (k - 1))
    msw = float(((y - means[codes]) ** 2).sum() / (big_n - k))
    n0 = (big_n - (sizes**2).sum() / big_n) / (k - 1)
    if msb <= 0:
        return out
    out["icc1"] = (msb - msw) / (msb + (n0 - 1) * msw)
    out["icc2"] = (msb - msw) / msb
    if msw > 0:
        out["f"] = msb / msw
        out["p_value"] = float(stats.f.sf(out["f"], k - 1, big_n - k))
    return out


def _item_variances(x: np.ndarray) -> np.ndarray:
    """Sample variance of each item column (NaN skipped; NaN with fewer than 2 answers)."""
    ok = ~np.isnan(x)
    n = ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(ok, x, 0.0).sum(axis=0) / n
        var = (np.where(ok, x - mean, 0.0) ** 2).sum(axis=0) / (n - 1)
    return np.where(n >= 2, var, np.nan)


def rwg_j_star(x: np.ndarray, points: int) -> float:
    """Lindell's r*wg(j) = 1 - mean item variance / uniform-null variance, for respondents x items ``x``."""
    var = _item_variances(x)
    if np.isnan(var).all():
        return float("nan")
    return float(1 - np.nanmean(var) / ((points**2 - 1) / 12))


def rwg_j(x: np.ndarray, points: int) -> float:
    """James, Demaree and Wolf's rwg(j) for respondents x items ``x``; 0 when the items vary more than at random."""
    var = _item_variances(x)
    if np.isnan(var).all():
        return float("nan")
    j = int((~np.isnan(var)).sum())
    ratio = float(np.nanmean(var)) / ((points**2 - 1) / 12)
    if ratio >= 1:
        return 0.0
    return j * (1 - ratio) / (j * (1 - ratio) + ratio)


def awg(x: np.ndarray, low: float, high: float) -> float:
    """Brown and Hauenstein's awg averaged over the items (columns) of ``x`` that have one."""
    ok = ~np.isnan(x)
    k = ok.sum(axis=0).astype(float)
    var = _item_variances(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.where(ok, x, 0.0).sum(axis=0) / k
        max_var = ((high + low) * m - m**2 - high * low) * k / (k - 1)
        item = np.where((k >= 2) & (max_var > 1e-12), 1 - 2 * var / max_var, np.nan)
    return float(np.nanmean(item)) if not np.isnan(item).all() else float("nan")


def dimension_agreement(matrix: np.ndarray, q: Questionnaire) -> pd.DataFrame:
    """rwg(j), r*wg(j) and awg of each dimension over the given respondents (rows of ``matrix``)."""
    item_dims = np.array([i.dimension for i in q.items])
    rows = []
    for d in q.dimension_ids:
        x = matrix[:, item_dims == d]
        rows.append({"rwg_j": rwg_j(x, q.scale.points), "rwg_j_star": rwg_j_star(x, q.scale.points),
                     "awg": awg(x, q.scale.min, q.scale.max)})
    return pd.DataFrame(rows, index=pd.Index(q.dimension_ids, name="dimension"))


def grouping_agreement(matrix: np.ndarray, rs: pd.DataFrame, overall: np.ndarray, labels: pd.Series,
                       shown: list[str], q: Questionnaire) -> tuple[pd.DataFrame, pd.DataFrame]:
    """For one grouping: ICC rows per dimension (and overall) and within-group agreement per shown group.

    ``labels`` gives each respondent's group (aligned with the rows of ``matrix`` and ``rs``);
    ``shown`` the groups that are not suppressed. Returns (icc frame, within frame), tidy.
    """
    values = labels.to_numpy().astype(str)
    keep = np.isin(values, shown)
    col = str(labels.name)
    icc_rows = []
    for dim, v in [("overall", overall), *((d, rs[d].to_numpy()) for d in q.dimension_ids)]:
        res = icc_oneway(v[keep], values[keep])
        icc_rows.append({"group_by": col, "dimension": dim, **res,
                         "meaningful": bool(res["icc2"] >= ICC2_MEANINGFUL) if not np.isnan(res["icc2"]) else False})
    within = []
    for group in shown:
        rows = values == group
        frame = dimension_agreement(matrix[rows], q)
        for d, r in frame.iterrows():
            within.append({"group_by": col, "group": group, "dimension": d,
                           "n": int((~np.isnan(rs[d].to_numpy()[rows])).sum()), **r.to_dict()})
    icc = pd.DataFrame(icc_rows)
    for c in ("groups", "respondents"):
        icc[c] = icc[c].astype(int)
    return icc, pd.DataFrame(within)
