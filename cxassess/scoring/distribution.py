"""How people answered each statement: the shares of favourable, neutral and unfavourable answers.

Shares are of the answers given ("don't know" and blanks left out) and are taken on the *scored*
value, so a reverse-worded statement counts disagreeing as favourable: on a 1..5 scale,
favourable is 4-5 after reversal, neutral 3 and unfavourable 1-2 (above, at and below the scale's
midpoint; a scale with an even number of points has no neutral answer). A share is shown only when
at least ``min_group_size`` people answered the statement, and group shares only for shown groups.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxassess.questionnaire.model import Questionnaire
from cxassess.scoring.moments import group_sums, level_counts, membership

__all__ = ["answer_shares", "group_answer_shares"]

SHARES = ("favourable", "neutral", "unfavourable")


def _shares(g: np.ndarray, matrix: np.ndarray, q: Questionnaire, min_size: int) -> dict[str, np.ndarray]:
    """Per group (rows of membership ``g``) and item: answers and the three shares (NaN below ``min_size``)."""
    mid = (q.scale.min + q.scale.max) / 2
    k = matrix.shape[1]
    tally = level_counts(g, matrix)
    if tally is not None:  # whole scale points: the shares follow from each point's tally
        parts = [tally.sums()[0], *(tally.where(test) for test in
                                    (tally.levels > mid, tally.levels == mid, tally.levels < mid))]
    else:  # answers, favourable, neutral, unfavourable counts in one float product (NaN compares False)
        tests = np.hstack([~np.isnan(matrix), matrix > mid, matrix == mid, matrix < mid]).astype(float)
        counts = group_sums(g, tests)
        parts = [counts[:, c * k:(c + 1) * k] for c in range(4)]
    n = parts[0]
    out: dict[str, np.ndarray] = {"n": n.astype(int)}
    with np.errstate(invalid="ignore", divide="ignore"):
        for c, name in enumerate(SHARES, start=1):
            out[name] = np.where(n >= max(min_size, 1), parts[c] / n, np.nan)
    return out


def answer_shares(matrix: np.ndarray, q: Questionnaire, min_size: int) -> pd.DataFrame:
    """Per item (index: item id, dimension and outcome items): dimension, n and the three shares."""
    shares = _shares(np.ones((1, matrix.shape[0])), matrix, q, min_size)
    return pd.DataFrame({"dimension": [i.dimension for i in q.items], **{k: v[0] for k, v in shares.items()}},
                        index=pd.Index(q.item_ids, name="item"))


def group_answer_shares(matrix: np.ndarray, labels: pd.Series, shown: list[str], q: Questionnaire,
                        min_size: int) -> pd.DataFrame:
    """Tidy shares per shown group of one grouping: group_by, group, item, n and the three shares."""
    if not shown:
        return pd.DataFrame(columns=["group_by", "group", "item", "n", *SHARES])
    shares = _shares(membership(labels.to_numpy().astype(str), shown), matrix, q, min_size)
    k = len(q.item_ids)
    return pd.DataFrame({"group_by": str(labels.name), "group": np.repeat(np.array(shown, dtype=object), k),
                         "item": np.tile(np.array(q.item_ids, dtype=object), len(shown)),
                         **{name: v.ravel() for name, v in shares.items()}})
