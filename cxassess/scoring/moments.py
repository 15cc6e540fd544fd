"""Per-group counts, means and variances of many columns at once: one matrix product per moment.

The statistics of groups (gaps, ICC, rwg(j), awg, answer shares) all need the same few sums per
group and column; a groups x respondents membership matrix ``g`` gives them as ``g @ x`` without a
Python loop over groups or columns. NaN (no answer, no score) is skipped everywhere.

Answers are whole scale points, so the sums of an answer matrix are sums of small whole numbers,
which floating point adds exactly in any order: :func:`level_counts` tallies each group's answers
per statement and scale point in one ``bincount`` (no copies of the matrix three or four times
wide), and the counts, sums and sums of squares follow from the tallies, to the last bit what
adding the cells one by one gives. Scores (means of answers) are summed in the matrix's own order.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["LevelCounts", "group_sums", "level_counts", "membership", "moments"]


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


#: whole values spanning more points than this are summed cell by cell (a tally would be mostly empty)
_MOST_LEVELS = 64


@dataclass(frozen=True)
class LevelCounts:
    """Per group and column, how many cells hold each of ``levels`` (the whole values present)."""

    levels: np.ndarray  # the values, ascending
    counts: np.ndarray  # groups x columns x levels

    def sums(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per group and column: count, sum and sum of squares of the values (NaN cells not counted)."""
        n = self.counts.sum(axis=-1).astype(float)
        return n, self.counts @ self.levels, self.counts @ self.levels**2

    def where(self, levels: np.ndarray) -> np.ndarray:
        """Per group and column: how many cells hold one of the levels marked in ``levels`` (a mask)."""
        result: np.ndarray = self.counts[..., levels].sum(axis=-1).astype(float)
        return result


@dataclass(frozen=True)
class _Cells:
    """A matrix's cells as tally positions: column * (span + 1) + level (the missing level is ``span``)."""

    of: weakref.ref[np.ndarray]
    lo: float
    span: int
    cells: np.ndarray | None  # None: not whole numbers over a short range


_last: list[_Cells] = []  # the last matrix tallied: the statistics tally one answer matrix six times


def _cells(x: np.ndarray) -> _Cells:
    if _last and _last[0].of() is x and x.flags.writeable is False:
        return _last[0]
    ok = ~np.isnan(x)
    found = _Cells(weakref.ref(x), 0.0, 0, None)
    if ok.any():
        lo, hi = float(np.fmin.reduce(x, axis=None)), float(np.fmax.reduce(x, axis=None))  # NaN skipped, no copy
        if hi - lo < _MOST_LEVELS:
            span = int(hi - lo) + 1
            shifted = np.where(ok, x - lo, span)  # a missing cell is one more level, left out below
            codes = shifted.astype(np.int64)
            if np.array_equal(codes, shifted):
                codes += np.arange(x.shape[1]) * (span + 1)
                found = _Cells(weakref.ref(x), lo, span, codes)
    if x.flags.writeable is False:  # only a matrix nobody can change is remembered
        _last[:] = [found]
    return found


def level_counts(g: np.ndarray, x: np.ndarray) -> LevelCounts | None:
    """The tallies of ``x``'s values per group (rows of membership ``g``) and column, or None when ``x``
    holds anything but whole numbers over a short range (then the values are summed one by one).

    The tally positions of a read-only ``x`` are remembered for the next call with the same matrix
    (:func:`cxassess.scoring.compute.compute_scores` makes its answer matrix read-only)."""
    found = _cells(x)
    if found.cells is None or not g.shape[0]:
        return None
    span, groups, k = found.span, g.shape[0], x.shape[1]
    member = g.any(axis=0)
    group = g.argmax(axis=0)
    if member.all():
        cells = group[:, None] * (k * (span + 1)) + found.cells
    else:
        cells = group[member, None] * (k * (span + 1)) + found.cells[member]
    counts = np.bincount(cells.ravel(), minlength=groups * k * (span + 1)).reshape(groups, k, span + 1)
    return LevelCounts(found.lo + np.arange(span, dtype=float), counts[..., :span])


def moments(g: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group (rows of ``g``) and column of ``x``: count, mean and sample variance (NaN skipped).

    Mean is NaN without a value, variance NaN with fewer than two.
    """
    tally = level_counts(g, x)
    if tally is not None:
        n, s, ss = tally.sums()
    else:
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
