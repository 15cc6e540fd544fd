"""Small-group suppression: culture and customer surveys must not identify anyone.

A group smaller than ``min_size`` is never shown. That alone is not enough: when the overall
figure and every other group are shown, the hidden group's figure can be recovered by
subtraction. So suppression is *complementary*: while the hidden groups together hold fewer than
``min_size`` people, the next-smallest shown group is hidden too. What can then be recovered is
at most the pooled mean of ``min_size`` or more people.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["reason", "suppressed_groups"]


def suppressed_groups(sizes: pd.Series, min_size: int) -> pd.Series:
    """Boolean Series (same index as ``sizes``): True where a group must be hidden."""
    hidden = sizes < min_size
    if hidden.any():
        while int(sizes[hidden].sum()) < min_size and not hidden.all():
            smallest = sizes[~hidden].sort_values(kind="stable").index[0]
            hidden[smallest] = True
    return hidden


def reason(respondents: int, min_size: int) -> str:
    """Why a group is hidden, in words for a report or a chart."""
    if respondents < min_size:
        return f"fewer than {min_size} respondents"
    return "hidden too, so that a smaller group cannot be worked out from the rest"
