"""The validated answers (:class:`Responses`) and how a raw table becomes them (:func:`responses_from_frame`).

Whatever the input layout, the result is one :class:`Responses` object holding a long table of
answers (``respondent_id, item_id, value``; missing answers are NaN) and a table of respondent
attributes (role, department, site, ...). Every problem is reported with file, row and column;
nothing is dropped without being listed. Files are read by :func:`cxassess.io.read.read_responses`.

Row numbers follow the spreadsheet convention: the header is row 1, the first answer row is row 2.
In JSON, row N is the N-th record (1-based).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxassess.errors import CxError, OnError, Problem, ResponsesError, check_on_error
from cxassess.io.cells import STATUSES, clean_frame, distinct_cells, read_cells
from cxassess.io.header import attribute_marks, check_header, item_id_case, missing_item_columns, unnamed_columns
from cxassess.io.long_table import LONG_COLUMNS, attributes_table, detect_layout, to_long
from cxassess.io.open_text import empty_comments, split_open_text
from cxassess.io.respondents import RESPONDENT_ID_ALIASES, respondent_column
from cxassess.questionnaire.model import Questionnaire, as_questionnaire

__all__ = ["LONG_COLUMNS", "RESPONDENT_ID_ALIASES", "Responses", "detect_layout", "no_usable_answer",
           "respondent_column", "responses_from_frame"]

@dataclass
class Responses:
    """Validated answers ready for scoring.

    ``answers``: one row per (respondent, item) with ``value`` as float (NaN = missing) and
    ``status`` in {"answered", "dont_know", "blank"}. ``attributes``: one row per respondent,
    indexed by ``respondent_id``. ``errors`` were dropped (only with ``on_error="skip"``);
    ``warnings`` did not stop scoring; ``notes`` say how the file was understood.
    ``questionnaire``: the one the answers were validated against (every reader sets it), so they
    are never scored with another.
    """

    source: str
    layout: str
    answers: pd.DataFrame
    attributes: pd.DataFrame
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    questionnaire: Questionnaire = field(kw_only=True, repr=False)
    #: open-text answers (respondent_id, question_id, text), never scored; see :mod:`cxassess.io.open_text`
    comments: pd.DataFrame = field(default_factory=empty_comments, kw_only=True, repr=False)

    @property
    def attribute_columns(self) -> list[str]:
        return list(self.attributes.columns)

    @property
    def respondent_count(self) -> int:
        """Distinct respondents with at least one answer that is not missing."""
        return int(self.answers.loc[self.answers["value"].notna(), "respondent_id"].nunique())

    def summary(self) -> str:
        a = self.answers
        answered = int(a["value"].notna().sum())
        dk = int((a["status"] == "dont_know").sum())
        return (
            f"{self.source}: {self.layout} layout, {self.respondent_count} respondents, "
            f"{answered} answers, {dk} 'don't know', {len(self.errors)} problem(s) left out, "
            f"{len(self.warnings)} warning(s)"
        )


def no_usable_answer(source: str, respondent_id: object) -> Problem:
    """The warning for a respondent whose answers are all missing (every reader words it alike)."""
    return Problem(source, None, None, f"respondent '{respondent_id}' gave no usable answer (all blank or "
                   "\"don't know\"); not counted")


def responses_from_frame(df: pd.DataFrame, questionnaire: Questionnaire | str | Path | None = None,
                         source: str = "<table>", on_error: OnError = "raise", first_row: int = 2) -> Responses:
    """Validate an in-memory table (long or wide, text or numbers) as :func:`cxassess.io.read.read_responses` does."""
    check_on_error(on_error)
    q = as_questionnaire(questionnaire)
    notes: list[str] = []
    df, unnamed = unnamed_columns(df, source, notes)
    df, comments = split_open_text(df, q, first_row)  # words, never numbers: kept aside before values are read
    header_problems, dropped = check_header(df, q, source, notes)
    header_problems = unnamed + header_problems
    df = df.iloc[:, [k for k in range(df.shape[1]) if k not in dropped]]
    df = df.rename(columns={**item_id_case(df.columns, q), **attribute_marks(df.columns)})
    df = clean_frame(df)
    if df.empty:
        raise CxError(f"{source}: no responses in the file")
    try:
        table = to_long(df, q, source, first_row, notes)
    except CxError as exc:
        msg = str(exc).removeprefix(f"{source}: ")
        if header_problems:  # the header's problems are the cause: name them, not only what followed
            raise ResponsesError(source, [*header_problems, Problem(source, None, None, msg)]) from None
        raise CxError(f"{source}: {msg}") from None
    problems = header_problems + table.problems
    layout, long = table.layout, table.answers
    n_items = len(q.item_ids)
    rows = long["_row"].to_numpy()

    # every step below works on whole columns as arrays and a mask of the rows kept: a million answers
    # are never copied row by row, and each rare problem has its own loop
    rid_codes, rid_values = distinct_cells(long["respondent_id"])
    keep = (rid_values != "")[rid_codes]
    if not keep.all():
        for r in pd.unique(rows[~keep]):
            problems.append(Problem(source, int(r), "respondent_id", "the respondent id is empty"))

    value, status, invalid, message = read_cells(long["value"], q)
    bad = invalid & keep
    if message is not None and bad.any():
        value_col = "value" if layout == "long" else None
        items = np.asarray(long["item_id"], dtype=object)
        for r, item, text in zip(rows[bad], items[bad], message[bad], strict=True):
            problems.append(Problem(source, int(r), value_col or item, text))
    keep &= ~invalid

    item_codes = _item_positions(long["item_id"], q)
    # one number per (respondent, item); both codes may be -1 (missing), hence the shift by one
    pair = (rid_codes[keep].astype(np.int64) + 1) * (n_items + 2) + item_codes[keep] + 1
    if _repeats(pair, (len(rid_values) + 1) * (n_items + 2)):
        kept = np.flatnonzero(keep)
        dup = pd.Series(pair).duplicated(keep=False).to_numpy()
        twice = pd.DataFrame({"respondent_id": np.asarray(long["respondent_id"], dtype=object)[kept[dup]],
                              "item_id": np.asarray(long["item_id"], dtype=object)[kept[dup]],
                              "_row": rows[kept[dup]], "_pair": pair[dup]})
        for _, g in twice.groupby("_pair", sort=False):
            listed = ", ".join(str(int(r)) for r in g["_row"])
            rid, item = g["respondent_id"].iloc[0], g["item_id"].iloc[0]
            problems.append(
                Problem(source, int(g["_row"].iloc[-1]), "item_id",
                        f"respondent '{rid}' answered item '{item}' more than once (rows {listed}); keep one answer")
            )
        keep[kept[dup]] = False

    attributes, attr_problems = attributes_table(table, rows[keep], source)
    problems.extend(attr_problems)

    if problems and on_error == "raise":
        raise ResponsesError(source, sorted(problems, key=lambda p: (p.row or 0, p.column or "")))

    warnings: list[Problem] = missing_item_columns(df.columns, q, source, notes) if layout == "wide" else []
    # respondents in order of first answer, as codes: no groupby over a million text cells
    codes, first_code = pd.factorize(rid_codes[keep])
    names = pd.Index(rid_values[first_code], dtype=object)
    values = value[keep]
    counts = np.bincount(codes, weights=~np.isnan(values), minlength=len(names))
    for rid in names[counts == 0]:
        warnings.append(no_usable_answer(source, rid))
    if not len(values) or not (counts > 0).any():
        raise ResponsesError(source, problems + [Problem(source, None, None,
                                                         "no usable answers: every answer is missing or invalid")])

    answers = pd.DataFrame({
        # categoricals: the scorer factorises a million answers in milliseconds
        "respondent_id": pd.Categorical.from_codes(codes, categories=names, validate=False),
        "item_id": pd.Categorical.from_codes(item_codes[keep], categories=q.item_ids, validate=False),
        "value": values,
        "status": pd.Categorical.from_codes(status[keep], categories=list(STATUSES), validate=False),
    })
    return Responses(source, layout, answers, attributes, errors=problems, warnings=warnings, notes=notes,
                     questionnaire=q, comments=comments)


def _item_positions(items: pd.Series, q: Questionnaire) -> np.ndarray[Any, np.dtype[np.int64]]:
    """The position of each answer's item in the questionnaire, through the distinct cells (never per cell)."""
    codes, values = distinct_cells(items)
    where = pd.Index(q.item_ids).get_indexer(pd.Index(values, dtype=object))
    return np.asarray(where[codes], dtype=np.int64)


def _repeats(pair: np.ndarray[Any, np.dtype[np.int64]], size: int) -> bool:
    """Whether a (respondent, item) code appears twice: marks in a grid of every possible pair, one byte
    each (an eighth of the scorer's matrix of the same answers), instead of hashing a million codes."""
    seen = np.zeros(size, dtype=bool)
    seen[pair] = True
    return int(np.count_nonzero(seen)) < len(pair)
