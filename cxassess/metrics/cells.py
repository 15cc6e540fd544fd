"""Read the cells of a customer survey: answers on each measure's scale, the column names, repeated respondents.

Input rules: a blank cell (or NaN, "n/a", "don't know", "no answer": any cell that
:func:`cxassess.io.values.no_answer_kind` reads as no answer) is *unanswered* and counted as such. A value
off the scale, a fraction or a non-number is an *error* named by row and column: with
``on_error="raise"`` (default) :class:`MetricsError` lists every one and nothing is summarised; with
``"skip"`` the bad cells are dropped, listed in ``MetricsSummary.dropped`` and counted in neither
``n`` nor ``unanswered``. A respondent id (a column named like
:data:`cxassess.io.respondents.RESPONDENT_ID_ALIASES`, e.g. ``response_id``) found in more than one row
is an error for each of its rows, so nobody is counted twice: ``"raise"`` stops, ``"skip"`` leaves
out every row of that id and lists them in ``dropped``. Row numbers follow the spreadsheet
convention (header = row 1).
With ``n = 0`` a measure's numbers are None; with ``n = 1`` the CES interval is None.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cxassess.errors import CxError, Problem
from cxassess.io.respondents import repeated_respondents, respondent_column
from cxassess.io.tables import column_letter
from cxassess.io.values import excerpt, no_answer_kind

__all__ = ["SCALES", "Scale", "as_text", "find_column", "parse_answers", "refuse_repeated_names", "repeated_rows"]


@dataclass(frozen=True)
class Scale:
    """The answer scale of one measure."""

    name: str
    low: int
    high: int


SCALES = {"nps": Scale("NPS", 0, 10), "csat": Scale("CSAT", 1, 5), "ces": Scale("CES", 1, 7)}


def parse_answers(cells: pd.Series, metric: str, column: str, rows: np.ndarray[Any, Any], source: str
                  ) -> tuple[pd.Series, pd.Series, list[Problem]]:
    """Text or number cells -> (value as float, NaN unless valid; unanswered mask; problems).

    Each distinct cell value is parsed once (a survey column holds a dozen distinct values at most),
    then the results are spread back over the rows.
    """
    scale = SCALES[metric]
    codes, uniques = _factorize(cells)
    text_u = as_text(pd.Series(uniques, dtype=object))
    # the culture survey's vocabulary for "no answer", so a word means the same everywhere
    unanswered_u = np.array([no_answer_kind(t) is not None for t in text_u], dtype=bool)
    number_u = np.array([_number(t) for t in text_u], dtype=float)
    with np.errstate(invalid="ignore"):
        valid_u = ~unanswered_u & (number_u >= scale.low) & (number_u <= scale.high) & (number_u == np.round(number_u))
    unanswered, valid, number = unanswered_u[codes], valid_u[codes], number_u[codes]
    bad = ~unanswered & ~valid
    problems = [
        Problem(source, int(r), column, _cell_message(excerpt(text_u.iloc[c]), number_u[c], scale))
        for r, c in zip(rows[bad], codes[bad], strict=True)
    ]
    index = cells.index
    return pd.Series(np.where(valid, number, np.nan), index=index), pd.Series(unanswered, index=index), problems


def _factorize(cells: pd.Series) -> tuple[np.ndarray[Any, Any], list[Any]]:
    """Codes into the distinct values; missing cells (None, NaN) point at a trailing None entry."""
    codes, uniques = pd.factorize(cells.astype(object), use_na_sentinel=True)
    values = list(uniques) + [None]
    return np.where(codes < 0, len(values) - 1, codes), values


def as_text(cells: pd.Series) -> pd.Series:
    """Cells of any type as stripped text; None and NaN become "" (each distinct value converted once)."""
    codes, uniques = pd.factorize(cells.astype(object), use_na_sentinel=True)
    text = [("" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip()) for v in uniques] + [""]
    return pd.Series(np.asarray(text, dtype=object)[codes], index=cells.index, dtype=object)


def _number(text: str) -> float:
    """The cell as a number, as the culture reader reads it: a decimal comma allowed, digits of any
    script ("٤", "５") accepted; NaN for anything else."""
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return math.nan


def _cell_message(cell: str, number: float, scale: Scale) -> str:
    expected = f"{scale.name} expects a whole number from {scale.low} to {scale.high}, or blank for no answer"
    if math.isnan(number):
        return f"'{cell}' is not a number ({expected})"
    if math.isinf(number):  # "inf", "1e999": round() of it would raise OverflowError
        return f"'{cell}' is not a finite number ({expected})"
    if number != round(number):
        return f"{cell} is not a whole number ({expected})"
    return f"{cell} is off the {scale.name} scale ({expected})"


def refuse_repeated_names(names: list[str], source: str) -> None:
    """A header naming two columns alike is an error: which one holds the answers? (Blank names
    are left alone: spreadsheets often carry empty columns at the edge.) File readers must pass the
    header as written; pandas' own reader would rename a second ``nps`` to ``nps.1`` and hide it."""
    positions: dict[str, list[int]] = {}
    for number, name in enumerate(names, start=1):
        if name:
            positions.setdefault(name, []).append(number)
    twice = {name: where for name, where in positions.items() if len(where) > 1}
    if twice:
        listed = "; ".join(f"'{name}' in columns {' and '.join(f'{n} ({column_letter(n - 1)})' for n in where)}"
                           for name, where in twice.items())
        raise CxError(f"{source}: the header names more than one column alike: {listed}. Rename or remove "
                      "the repeats so each column has its own name; nothing was summarised.")


def repeated_rows(frame: pd.DataFrame, rows: np.ndarray[Any, Any], source: str
                  ) -> tuple[np.ndarray[Any, np.dtype[np.bool_]], list[Problem]]:
    """Rows whose non-blank respondent id appears in more than one row: (mask, one problem per row).

    One person answering twice would be counted twice (n up, NPS moved), so each such row is a
    problem naming the other rows of that id (:mod:`cxassess.io.respondents`). Without an id
    column nothing is repeated.
    """
    column = respondent_column([str(c) for c in frame.columns])
    if column is None:
        return np.zeros(len(frame), dtype=bool), []
    repeated, repeats = repeated_respondents(as_text(frame[column]), rows)
    problems: list[Problem] = []
    for repeat in repeats:
        message = repeat.message("each respondent may be counted once")  # one text per id
        problems.extend(Problem(source, row, column, message) for row in repeat.rows)
    problems.sort(key=lambda p: p.row or 0)
    return repeated, problems


def find_column(frame: pd.DataFrame, wanted: str, what: str, source: str) -> str:
    columns = [str(c) for c in frame.columns if str(c)]
    if wanted in columns:
        return wanted
    folded = {c.strip().lower(): c for c in columns}
    if wanted.strip().lower() in folded:
        return folded[wanted.strip().lower()]
    raise CxError(f"{source}: no column '{wanted}' for {what}; the columns are: {', '.join(columns) or '(none)'}")
