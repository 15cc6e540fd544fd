"""Respondents in a table: which column holds their ids, and the one rule for an id that appears twice.

Every reader (responses files, survey-tool exports, customer metrics) finds the id column by the
same names and reports a repeated id with the same words: which respondent, and every row it is
in. A person counted twice moves every figure, so a repeat is always a problem, never a silent
merge; what happens to the rows (all left out, or the first kept) is each reader's to say.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["RESPONDENT_ID_ALIASES", "RepeatedRespondent", "fold_name", "is_id_alias", "repeated_respondents",
           "respondent_column"]

RESPONDENT_ID_ALIASES = ("respondent_id", "respondent", "participant", "participant_code", "response_id")
_ROWS_SHOWN = 6


def fold_name(name: object) -> str:
    """A column name compared ignoring case, spaces and punctuation: "Respondent ID" -> "respondentid"."""
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


_FOLDED_ID_ALIASES = frozenset(fold_name(a) for a in RESPONDENT_ID_ALIASES)


def is_id_alias(name: str) -> bool:
    """True for a column name that :func:`respondent_column` would take as the respondent id."""
    return fold_name(name) in _FOLDED_ID_ALIASES


def respondent_column(columns: list[str]) -> str | None:
    """The column holding respondent ids, if any: the first of :data:`RESPONDENT_ID_ALIASES`
    present, matched ignoring case, spaces, "-" and "_" ("Respondent ID", Qualtrics' "ResponseId")."""
    folded: dict[str, str] = {}
    for c in columns:
        folded.setdefault(fold_name(c), c)
    return next((folded[fold_name(a)] for a in RESPONDENT_ID_ALIASES if fold_name(a) in folded), None)


@dataclass(frozen=True)
class RepeatedRespondent:
    """A non-blank respondent id found in more than one row: the id and its rows, in file order."""

    respondent_id: str
    rows: tuple[int, ...]

    def message(self, consequence: str = "") -> str:
        """``respondent 'C2' appears in 3 rows (3, 5, 9)`` plus ``; consequence`` when given (one text
        per id, so an id repeated 20,000 times costs one string, with the first rows listed)."""
        listed = ", ".join(str(r) for r in self.rows[:_ROWS_SHOWN])
        more = len(self.rows) - _ROWS_SHOWN
        text = (f"respondent '{self.respondent_id}' appears in {len(self.rows)} rows "
                f"({listed}{f' and {more} more' if more > 0 else ''})")
        return f"{text}; {consequence}" if consequence else text


def repeated_respondents(ids: pd.Series | Sequence[str], rows: Sequence[int] | np.ndarray[Any, Any]
                         ) -> tuple[np.ndarray[Any, np.dtype[np.bool_]], list[RepeatedRespondent]]:
    """(mask of the rows whose non-blank id is in more than one row, one :class:`RepeatedRespondent` per id).

    ``ids``: stripped text ids, one per row; ``rows``: the spreadsheet row of each. Ids are compared
    exactly; blank ids are never repeats (each reader numbers or refuses those by its own rule).
    """
    series = pd.Series(np.asarray(ids, dtype=object))
    numbers = np.asarray(rows, dtype=np.int64)
    mask = (series.duplicated(keep=False) & (series != "")).to_numpy(dtype=bool)
    if not mask.any():
        return mask, []
    groups = pd.Series(numbers[mask]).groupby(series[mask].to_numpy(), sort=False)
    repeats = [RepeatedRespondent(str(rid), tuple(int(r) for r in where)) for rid, where in groups]
    return mask, repeats
