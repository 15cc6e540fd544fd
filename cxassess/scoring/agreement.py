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
from scipy import special

from cxassess.questionnaire.model import Questionnaire
from cxassess.scoring.moments import group_sums, membership, moments

__all__ = ["ICC2_MEANINGFUL", "awg", "icc_oneway", "rwg_j", "rwg_j_star"]

ICC2_MEANINGFUL = 0.70


def icc_table(g: np.ndarray, x: np.ndarray) -> dict[str, np.ndarray]:
    """ICC(1), ICC(2), F and p per column of ``x`` for the groups (rows) of membership matrix ``g``.

    One-way ANOVA per column on the values that are not NaN; NaN with fewer than 2 non-empty
    groups, no more values than groups, or no variance between groups.
    """
    sizes, means, _ = moments(g, x)
    sums = np.nan_to_num(means) * sizes
    big_n = sizes.sum(axis=0)
    k = (sizes > 0).sum(axis=0)
    ok = ~np.isnan(x)
    sq = group_sums(g, np.where(ok, x, 0.0) ** 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        grand = sums.sum(axis=0) / big_n
        ssb = (sizes * (np.nan_to_num(means) - grand) ** 2).sum(axis=0)
        ssw = np.clip((sq - sizes * np.nan_to_num(means) ** 2).sum(axis=0), 0.0, None)
        msb = ssb / (k - 1)
        msw = ssw / (big_n - k)
        n0 = (big_n - (sizes**2).sum(axis=0) / big_n) / (k - 1)
        defined = (k >= 2) & (big_n > k) & (msb > 1e-12)
        icc1 = np.where(defined, (msb - msw) / (msb + (n0 - 1) * msw), np.nan)
        icc2 = np.where(defined, (msb - msw) / msb, np.nan)
        f = np.where(defined & (msw > 0), msb / msw, np.nan)
        d1, d2 = np.maximum(k - 1, 1), np.maximum(big_n - k, 1)
        p = np.where(np.isnan(f), np.nan, special.fdtrc(d1, d2, np.nan_to_num(f)))
    return {"groups": k, "respondents": big_n, "icc1": icc1, "icc2": icc2, "f": f, "p_value": p}


def icc_oneway(values: np.ndarray, groups: np.ndarray) -> dict[str, float]:
    """ICC(1), ICC(2), F and its p value from a one-way ANOVA of ``values`` by ``groups`` (NaN dropped)."""
    labels = sorted({str(v) for v in groups})
    res = icc_table(membership(np.asarray(groups).astype(str), labels), np.asarray(values, dtype=float)[:, None])
    return {k: float(v[0]) for k, v in res.items()}


def agreement_table(n: np.ndarray, mean: np.ndarray, var: np.ndarray, item_dims: np.ndarray, dim_ids: list[str],
                    points: int, low: float, high: float) -> dict[str, np.ndarray]:
    """rwg(j), r*wg(j) and awg per group (rows) and dimension from per-item counts, means and variances."""
    null = (points**2 - 1) / 12
    with np.errstate(invalid="ignore", divide="ignore"):
        max_var = ((high + low) * mean - mean**2 - high * low) * n / (n - 1)
        item_awg = np.where((n >= 2) & (max_var > 1e-12), 1 - 2 * var / max_var, np.nan)
    out = {name: np.full((n.shape[0], len(dim_ids)), np.nan) for name in ("rwg_j", "rwg_j_star", "awg")}
    for j, d in enumerate(dim_ids):
        cols = item_dims == d
        v = var[:, cols]
        has = ~np.isnan(v)
        count = has.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(has, v, 0.0).sum(axis=1) / count / null
            rwg = np.where(ratio >= 1, 0.0, count * (1 - ratio) / (count * (1 - ratio) + ratio))
            a = item_awg[:, cols]
            a_has = ~np.isnan(a)
            out["awg"][:, j] = np.where(a_has.any(axis=1), np.where(a_has, a, 0.0).sum(axis=1) / a_has.sum(axis=1),
                                        np.nan)
        out["rwg_j"][:, j] = np.where(count > 0, rwg, np.nan)
        out["rwg_j_star"][:, j] = np.where(count > 0, 1 - ratio, np.nan)
    return out


def _one_group(x: np.ndarray, points: int, low: float = 1, high: float = 5) -> dict[str, float]:
    n, mean, var = moments(np.ones((1, x.shape[0])), x)
    res = agreement_table(n, mean, var, np.full(x.shape[1], "all"), ["all"], points, low, high)
    return {k: float(v[0, 0]) for k, v in res.items()}


def rwg_j_star(x: np.ndarray, points: int) -> float:
    """Lindell's r*wg(j) = 1 - mean item variance / uniform-null variance, for respondents x items ``x``."""
    return _one_group(x, points)["rwg_j_star"]


def rwg_j(x: np.ndarray, points: int) -> float:
    """James, Demaree and Wolf's rwg(j) for respondents x items ``x``; 0 when the items vary more than at random."""
    return _one_group(x, points)["rwg_j"]


def awg(x: np.ndarray, low: float, high: float) -> float:
    """Brown and Hauenstein's awg averaged over the items (columns) of ``x`` that have one."""
    return _one_group(x, int(high - low + 1), low, high)["awg"]


def dimension_agreement(matrix: np.ndarray, q: Questionnaire) -> pd.DataFrame:
    """rwg(j), r*wg(j) and awg of each dimension over the given respondents (rows of ``matrix``)."""
    n, mean, var = moments(np.ones((1, matrix.shape[0])), matrix)
    res = agreement_table(n, mean, var, np.array([i.dimension for i in q.items]), q.dimension_ids,
                          q.scale.points, q.scale.min, q.scale.max)
    return pd.DataFrame({k: v[0] for k, v in res.items()}, index=pd.Index(q.dimension_ids, name="dimension"))


def grouping_agreement(matrix: np.ndarray, rs: pd.DataFrame, overall: np.ndarray, labels: pd.Series,
                       shown: list[str], q: Questionnaire) -> tuple[pd.DataFrame, pd.DataFrame]:
    """For one grouping: ICC rows per dimension (and overall) and within-group agreement per shown group.

    ``labels`` gives each respondent's group (aligned with the rows of ``matrix`` and ``rs``);
    ``shown`` the groups that are not suppressed. Returns (icc frame, within frame), tidy.
    """
    col = str(labels.name)
    g = membership(labels.to_numpy().astype(str), shown)
    scores = np.column_stack([overall, rs.to_numpy()])
    icc = icc_table(g, scores)
    dims = ["overall", *q.dimension_ids]
    icc_frame = pd.DataFrame({"group_by": col, "dimension": dims, **icc})
    icc_frame["meaningful"] = icc_frame["icc2"].ge(ICC2_MEANINGFUL)
    for c in ("groups", "respondents"):
        icc_frame[c] = icc_frame[c].astype(int)
    n, mean, var = moments(g, matrix)
    within = agreement_table(n, mean, var, np.array([i.dimension for i in q.items]), q.dimension_ids,
                             q.scale.points, q.scale.min, q.scale.max)
    scored = g @ (~np.isnan(rs.to_numpy()))
    k, d = len(shown), len(q.dimension_ids)
    within_frame = pd.DataFrame({"group_by": col, "group": np.repeat(np.array(shown, dtype=object), d),
                                 "dimension": np.tile(np.array(q.dimension_ids, dtype=object), k),
                                 "n": scored.ravel().astype(int), **{name: v.ravel() for name, v in within.items()}})
    return icc_frame, within_frame
