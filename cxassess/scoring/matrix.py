"""The respondents x items matrix and the arithmetic on it: respondent and dimension scores, index, stage.

Reverse items are scored ``min + max - value``; missing answers are NaN and skipped, never zero. A
respondent's dimension score is the item-weighted mean of the answered items of that dimension,
missing when fewer than half of them are answered.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cxassess.questionnaire.model import Questionnaire

__all__ = ["answer_matrix", "mean_n_sd", "respondent_dimension_scores", "stage_columns", "to_index",
           "weighted_overall"]


def answer_matrix(answers: pd.DataFrame, q: Questionnaire) -> tuple[pd.Index, np.ndarray]:
    """Respondents x items matrix of scored values (reverse items already reversed; NaN = missing).

    Rows are respondents in order of first appearance; columns follow ``q.items``. When an item
    was answered more than once (a workshop changing its mind), the last answer wins.
    """
    item_ids = answers["item_id"]
    if isinstance(item_ids.dtype, pd.CategoricalDtype):  # fast path: codes into the categories
        item_pos = pd.Index(q.item_ids).get_indexer(item_ids.cat.categories)[item_ids.cat.codes.to_numpy()]
        item_pos[item_ids.cat.codes.to_numpy() < 0] = -1
    else:
        item_pos = pd.Index(q.item_ids).get_indexer(item_ids)
    known = item_pos >= 0
    ans = answers if known.all() else answers.loc[known]  # no copy of a million answers that are all known
    item_pos = item_pos[known]
    codes, respondents = pd.factorize(ans["respondent_id"], sort=False)
    matrix = np.full((len(respondents), len(q.item_ids)), np.nan)
    matrix[codes, item_pos] = ans["value"].to_numpy(dtype=float)
    reverse = np.array([i.reverse for i in q.items])
    lo_hi = q.scale.min + q.scale.max
    matrix[:, reverse] = lo_hi - matrix[:, reverse]
    return pd.Index(respondents, name="respondent_id"), matrix


def respondent_dimension_scores(matrix: np.ndarray, q: Questionnaire) -> np.ndarray:
    """Respondents x dimensions: weighted mean of answered items, NaN below half coverage."""
    out = np.full((matrix.shape[0], len(q.dimensions)), np.nan)
    item_dims = np.array([i.dimension for i in q.items])
    weights = np.array([i.weight for i in q.items])
    for j, d in enumerate(q.dimension_ids):
        cols = np.flatnonzero(item_dims == d)
        x = matrix[:, cols]
        w = weights[cols]
        answered = ~np.isnan(x)
        count = answered.sum(axis=1)
        wsum = np.where(answered, x, 0.0) @ w
        wden = answered @ w
        enough = count * 2 >= len(cols)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, j] = np.where(enough & (wden > 0), wsum / wden, np.nan)
    return out


def mean_n_sd(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column-wise mean, count and sample sd ignoring NaN (sd NaN when n < 2)."""
    mask = ~np.isnan(x)
    n = mask.sum(axis=0)
    filled = np.where(mask, x, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = filled.sum(axis=0) / n
        dev = np.where(mask, x - mean, 0.0)
        var = (dev**2).sum(axis=0) / (n - 1)
    mean = np.where(n > 0, mean, np.nan)
    sd = np.where(n >= 2, np.sqrt(var), np.nan)
    return mean, n, sd


def weighted_overall(dim_scores: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Dimension-weighted mean of the non-missing dimension scores, per row of ``dim_scores``."""
    ok = ~np.isnan(dim_scores)
    wden = ok @ weights
    with np.errstate(invalid="ignore", divide="ignore"):
        result: np.ndarray = np.where(wden > 0, np.where(ok, dim_scores, 0.0) @ weights / wden, np.nan)
    return result


def to_index(score: np.ndarray | float, q: Questionnaire) -> np.ndarray:
    """``(score - min) / (max - min) * 100``."""
    result: np.ndarray = (np.asarray(score, dtype=float) - q.scale.min) / (q.scale.max - q.scale.min) * 100
    return result


def stage_columns(scores: np.ndarray, q: Questionnaire) -> tuple[list[Any], list[Any]]:
    """Stage id and name per score: the highest stage with ``min_score <= score`` (None when none is)."""
    found = [q.stage_for(float(s)) for s in np.atleast_1d(scores)]
    return [s.id if s else None for s in found], [s.name if s else None for s in found]
