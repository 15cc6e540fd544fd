"""Exercise 2: reading the perception-gap heatmap (the weakest dimension, the widest gap), and the solutions."""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

import pandas as pd

from cxassess.errors import CxError
from cxassess.questionnaire.model import Questionnaire
from cxassess.scoring.score import Scores
from cxassess.teach.feedback import Feedback

GAP_HIGH, GAP_LOW = "leadership", "front line"  # the two roles compared in the perception-gap exercise


def _words(text: Any) -> list[str]:
    return re.findall(r"\w+", unicodedata.normalize("NFKC", str(text or "")).casefold())


def dimension_candidates(answer: Any, q: Questionnaire) -> list[str]:
    """The dimensions a learner's answer can mean: its id or full name in any case and spacing, or the
    start of its name, two words or more ("Customer insight" for "Customer insight and data"), or words that
    are all found in its name."""
    words = _words(answer)
    if not words:
        return []
    exact = [d.id for d in q.dimensions if words in (_words(d.id), _words(d.name))]
    if exact:
        return exact
    prefix = [d.id for d in q.dimensions if len(words) > 1 and _words(d.name)[: len(words)] == words]
    if prefix:
        return prefix
    return [d.id for d in q.dimensions if set(words) <= set(_words(d.name)) | set(_words(d.id))]


def dimension_id(answer: Any, q: Questionnaire) -> str | None:
    """The one dimension the answer names, or None when it names none or several."""
    found = dimension_candidates(answer, q)
    return found[0] if len(found) == 1 else None


def not_a_dimension(answer: Any, q: Questionnaire) -> Feedback:
    """Feedback for an answer that names no dimension, or several."""
    found = dimension_candidates(answer, q)
    if len(found) > 1:
        names = "; ".join(f"`'{d}'` ({q.dimension(d).name})" for d in found)
        return Feedback(False, f"'{answer}' could mean more than one dimension.", (f"Say which: {names}.",))
    return Feedback(False, f"'{answer}' is not a dimension.", (f"Choose one of: {', '.join(q.dimension_ids)}.",))


def example_other_than(right: str, q: Questionnaire) -> str:
    """A dimension id to show as the format of an answer, never the right answer itself."""
    return next(d for d in q.dimension_ids if d != right)


def gaps_between(scores: Scores, column: str, high: str, low: str, digits: int | None = None) -> pd.Series:
    """``high`` minus ``low`` per dimension, widest first; ``digits`` rounds each group's score first."""
    if column not in scores.groups:
        raise CxError(f"the scores have no breakdown by '{column}' (have: {', '.join(scores.groups) or 'none'})")
    table = scores.groups[column]
    for g in (high, low):
        if g not in table.index:
            raise CxError(f"no '{g}' group in the breakdown by {column} (groups: {', '.join(map(str, table.index))})")
        if table.loc[g, "suppressed"]:
            raise CxError(f"the '{g}' group is suppressed (too few respondents), so its gap cannot be read")
    dims = scores.questionnaire.dimension_ids
    rows = table.loc[[high, low], dims].astype(float)
    if digits is not None:
        rows = rows.round(digits)
    return (rows.loc[high] - rows.loc[low]).sort_values(ascending=False)


def check_weakest_dimension(answer: Any, scores: Scores) -> Feedback:
    """Check which dimension the learner reads as the weakest overall."""
    q = scores.questionnaire
    ranked = scores.dimensions["score"].dropna().sort_values()
    weakest = ranked.index[0]
    if answer in (None, ""):
        return Feedback(False, "no answer yet: give a dimension id (for example "
                               f"`'{example_other_than(weakest, q)}'`) or its full name.")
    pick = dimension_id(answer, q)
    if pick is None:
        return not_a_dimension(answer, q)
    if pick == weakest or math.isclose(ranked[pick], ranked.iloc[0], abs_tol=0.005):
        return Feedback(True, f"{q.dimension(pick).name} scores lowest ({ranked[pick]:.2f}).")
    return Feedback(False, f"{q.dimension(pick).name} scores {ranked[pick]:.2f}; one dimension is lower.", (
        "Read the overall scores (the dimension table or `dimension_bars`), not one group's row of the heatmap.",
    ))


def check_widest_gap(answer: Any, scores: Scores, column: str = "role", high: str = GAP_HIGH,
                     low: str = GAP_LOW) -> Feedback:
    """Check which dimension shows the widest gap between two groups (``high`` minus ``low``)."""
    q = scores.questionnaire
    gaps = gaps_between(scores, column, high, low)
    widest = gaps.index[0]
    if answer in (None, ""):
        return Feedback(False, "no answer yet: give a dimension id (for example "
                               f"`'{example_other_than(widest, q)}'`) or its full name.")
    pick = dimension_id(answer, q)
    if pick is None:
        return not_a_dimension(answer, q)
    lesson = ("A gap like this usually means leaders see policies that the front line does not yet feel; "
              "ask both groups what they see before deciding who is right.")
    if pick == widest or math.isclose(gaps[pick], gaps.iloc[0], abs_tol=0.005):
        return Feedback(True, f"{q.dimension(pick).name}: {high} rate it {gaps[pick]:.2f} points higher than {low}.",
                        (lesson,))
    shown = gaps_between(scores, column, high, low, digits=1)  # what the heatmap's one-decimal cells show
    if math.isclose(shown[pick], shown.max(), abs_tol=1e-9):
        return Feedback(True, f"on the heatmap's rounded figures, {q.dimension(pick).name} ties for the widest gap "
                              f"({shown[pick]:.1f}).", (
            f"Unrounded, {q.dimension(widest).name} is a little wider ({gaps.iloc[0]:.2f} against {gaps[pick]:.2f}); "
            "a difference that small is not worth arguing about.", lesson))
    return Feedback(False, f"the {high}-{low} gap on {q.dimension(pick).name} is {gaps[pick]:.2f}; another is wider.", (
        f"Subtract the '{low}' row from the '{high}' row, column by column, and look for the largest difference.",
        "The lowest cell is not necessarily the widest gap.",
    ))


def solution_weakest_dimension(scores: Scores) -> str:
    return str(scores.dimensions["score"].idxmin())


def solution_gaps(scores: Scores, column: str = "role", high: str = GAP_HIGH, low: str = GAP_LOW) -> pd.Series:
    table = scores.groups[column]
    dims = scores.questionnaire.dimension_ids
    gaps = table.loc[high, dims].astype(float) - table.loc[low, dims].astype(float)
    return gaps.sort_values(ascending=False)
