"""Per-group counts, means and variances of many columns at once: one matrix product per moment.

The statistics of groups (gaps, ICC, rwg(j), awg, answer shares) all need the same few sums per
group and column; a groups x respondents membership matrix ``g`` gives them as ``g @ x`` without a
Python loop over groups or columns. NaN (no answer, no score) is skipped everywhere.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["group_sums", "membership", "moments"]


def membership(values: np.ndarray, groups: list[str]) -> np.ndarray:
    """``len(groups) x len(values)`` 0/1 matrix: row k marks the respondents whose value is ``groups[k]``."""
    out = np.zeros((len(groups), len(values)))
    pos = pd.Index(groups, dtype=object).get_indexer(pd.Index(values, dtype=object))  # groups are distinct
    rows = np.flatnonzero(pos >= 0)
    out[pos[rows], rows] = 1.0
    return out


def group_sums(g: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``g @ x`` for a membership matrix (each respondent in at most one group), as sums over sorted
    rows in numpy's own loop: a threaded BLAS product of this shape mostly waits for its threads."""
    if g.size == 0:
        return np.zeros((g.shape[0], x.shape[1]))
    member = g.any(axis=0)
    code = g.argmax(axis=0)[member]
    rows = x[member]
    order = np.argsort(code, kind="stable")
    sizes = np.bincount(code, minlength=g.shape[0])
    out = np.zeros((g.shape[0], x.shape[1]))
    if len(code):
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        has = sizes > 0
        out[has] = np.add.reduceat(rows[order], starts[has], axis=0)
    return out


def moments(g: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group (rows of ``g``) and column of ``x``: count, mean and sample variance (NaN skipped).

    Mean is NaN without a value, variance NaN with fewer than two.
    """
    ok = ~np.isnan(x)
    filled = np.where(ok, x, 0.0)
    k = x.shape[1]
    sums = group_sums(g, np.hstack([ok.astype(float), filled, filled**2]))
    n, s, ss = sums[:, :k], sums[:, k:2 * k], sums[:, 2 * k:]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s / n
        var = np.clip((ss - n * mean**2) / (n - 1), 0.0, None)
    mean = np.where(n > 0, mean, np.nan)
    var = np.where(n >= 2, var, np.nan)
    return n, mean, var
