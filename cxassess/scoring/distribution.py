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

__all__ = ["answer_shares", "group_answer_shares"]

SHARES = ("favourable", "neutral", "unfavourable")


def answer_shares(matrix: np.ndarray, q: Questionnaire, min_size: int) -> pd.DataFrame:
    """Per item (index: item id, dimension and outcome items): dimension, n and the three shares."""
    mid = (q.scale.min + q.scale.max) / 2
    ok = ~np.isnan(matrix)
    n = ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = {name: np.where(ok & test, 1, 0).sum(axis=0) / n
                  for name, test in zip(SHARES, (matrix > mid, matrix == mid, matrix < mid), strict=True)}
    frame = pd.DataFrame({"dimension": [i.dimension for i in q.items], "n": n, **shares},
                         index=pd.Index(q.item_ids, name="item"))
    frame.loc[frame["n"] < min_size, list(SHARES)] = np.nan
    return frame


def group_answer_shares(matrix: np.ndarray, labels: pd.Series, shown: list[str], q: Questionnaire,
                        min_size: int) -> pd.DataFrame:
    """Tidy shares per shown group of one grouping: group_by, group, item, n and the three shares."""
    values = labels.to_numpy().astype(str)
    parts = []
    for group in shown:
        frame = answer_shares(matrix[values == group], q, min_size).drop(columns="dimension")
        parts.append(frame.reset_index().assign(group_by=str(labels.name), group=group))
    if not parts:
        return pd.DataFrame(columns=["group_by", "group", "item", "n", *SHARES])
    return pd.concat(parts, ignore_index=True)[["group_by", "group", "item", "n", *SHARES]]
