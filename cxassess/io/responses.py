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

import numpy as np
import pandas as pd

from cxassess.errors import CxError, OnError, Problem, ResponsesError, check_on_error
from cxassess.io.cells import clean_frame, parse_values
from cxassess.io.header import check_header, item_id_case, missing_item_columns, unnamed_columns
from cxassess.io.respondents import RESPONDENT_ID_ALIASES, repeated_respondents, respondent_column
from cxassess.questionnaire.model import Questionnaire, as_questionnaire

__all__ = ["LONG_COLUMNS", "RESPONDENT_ID_ALIASES", "Responses", "detect_layout", "no_usable_answer",
           "respondent_column", "responses_from_frame"]

LONG_COLUMNS = ("respondent_id", "item_id", "value")


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


def detect_layout(columns: list[str], q: Questionnaire) -> str:
    """'long' when respondent_id/item_id/value are present, 'wide' when item ids are columns."""
    lower = {c.lower() for c in columns}
    if {"item_id", "value"} <= lower:
        return "long"
    if any(c in q.item_ids for c in columns):
        return "wide"
    raise CxError(
        "cannot tell the layout of the responses: expected either long columns "
        f"{', '.join(LONG_COLUMNS)} or one column per item id (e.g. {', '.join(q.item_ids[:3])}); "
        f"found columns {', '.join(columns[:12]) or '(none)'}"
    )


def _to_long(df: pd.DataFrame, q: Questionnaire, source: str, first_row: int, notes: list[str]
             ) -> tuple[pd.DataFrame, list[str], list[Problem]]:
    """Bring a raw table into long form with a ``_row`` column; return it, attribute columns and problems."""
    problems: list[Problem] = []
    cols = list(df.columns)
    rows = df.index.to_numpy() + first_row  # clean_frame kept the file's positions
    layout = detect_layout(cols, q)
    if layout == "long":
        rename = {c: c.lower() for c in cols if c.lower() in LONG_COLUMNS}
        df = df.rename(columns=rename)
        rid = "respondent_id" if "respondent_id" in df.columns else respondent_column(list(df.columns))
        if rid is None:
            raise CxError(f"{source}: long-format responses need a 'respondent_id' column")
        df = df.rename(columns={rid: "respondent_id"})
        attrs = [c for c in df.columns if c not in LONG_COLUMNS]
        long = df.assign(_row=rows)
        unknown = ~long["item_id"].isin(q.item_ids)
        for r, item in zip(long.loc[unknown, "_row"], long.loc[unknown, "item_id"], strict=True):
            problems.append(Problem(source, int(r), "item_id", f"'{item}' is not an item id of questionnaire '{q.id}'"))
        long = long.loc[~unknown]
        return long, attrs, problems
    rid = respondent_column(cols)
    item_cols = [c for c in cols if c in q.item_ids]
    attrs = [c for c in cols if c not in item_cols and c != rid]
    if rid is None:
        notes.append("no respondent id column: respondents are numbered by their row (R2, R3, ...)")
        ids = pd.Series([f"R{r}" for r in rows], index=df.index)
    else:
        ids = df[rid]
        dup, repeats = repeated_respondents(ids, rows)  # every row of a repeated id is left out
        problems.extend(Problem(source, r.rows[-1], rid, r.message()) for r in repeats)
        df, ids, rows = df.loc[~dup], ids[~dup], rows[~dup]
    if attrs:
        notes.append(f"columns read as respondent attributes: {', '.join(attrs)}")
    wide = df[item_cols].assign(respondent_id=ids.values, _row=rows)
    for a in attrs:
        wide[a] = df[a].values
    long = wide.melt(id_vars=["respondent_id", "_row", *attrs], value_vars=item_cols, var_name="item_id",
                     value_name="value")
    return long, attrs, problems


def responses_from_frame(df: pd.DataFrame, questionnaire: Questionnaire | str | Path | None = None,
                         source: str = "<table>", on_error: OnError = "raise", first_row: int = 2) -> Responses:
    """Validate an in-memory table (long or wide, text or numbers) as :func:`cxassess.io.read.read_responses` does."""
    check_on_error(on_error)
    q = as_questionnaire(questionnaire)
    notes: list[str] = []
    df, unnamed = unnamed_columns(df, source, notes)
    header_problems = unnamed + check_header(df, q, source, notes)
    df = df.loc[:, [c not in {p.column for p in header_problems} for c in df.columns]]
    df = df.rename(columns=item_id_case(df.columns, q))
    df = clean_frame(df.copy())
    if df.empty:
        raise CxError(f"{source}: no responses in the file")
    try:
        long, attrs, problems = _to_long(df, q, source, first_row, notes)
    except CxError as exc:
        msg = str(exc)
        raise CxError(msg if msg.startswith(source) else f"{source}: {msg}") from None
    problems = header_problems + problems
    layout = "long" if "item_id" in {c.lower() for c in df.columns} else "wide"

    blank_id = long["respondent_id"] == ""
    for r in long.loc[blank_id, "_row"].unique():
        problems.append(Problem(source, int(r), "respondent_id", "the respondent id is empty"))
    long = long.loc[~blank_id]

    value, status, invalid, message = parse_values(long["value"], q)
    value_col = "value" if layout == "long" else None
    for r, item, text in zip(long.loc[invalid, "_row"], long.loc[invalid, "item_id"], message[invalid], strict=True):
        problems.append(Problem(source, int(r), value_col or item, text))
    long = long.assign(value=value, status=status).loc[~invalid]

    respondent = pd.factorize(long["respondent_id"])[0].astype(np.int64)
    pair = respondent * (len(q.item_ids) + 1) + pd.Index(q.item_ids).get_indexer(long["item_id"])
    dup = pd.Series(pair, index=long.index).duplicated(keep=False)
    if dup.any():
        for (rid, item), g in long.loc[dup].groupby(["respondent_id", "item_id"], sort=False):
            rows = ", ".join(str(int(r)) for r in g["_row"])
            problems.append(
                Problem(source, int(g["_row"].iloc[-1]), "item_id",
                        f"respondent '{rid}' answered item '{item}' more than once (rows {rows}); keep one answer")
            )
        long = long.loc[~dup]

    attributes, attr_problems = _attributes(long, attrs, source)
    problems.extend(attr_problems)

    if problems and on_error == "raise":
        raise ResponsesError(source, sorted(problems, key=lambda p: (p.row or 0, p.column or "")))

    warnings: list[Problem] = missing_item_columns(df.columns, q, source, notes) if layout == "wide" else []
    has_answer = long.groupby("respondent_id", sort=False)["value"].count()
    for rid in has_answer.index[has_answer == 0]:
        warnings.append(no_usable_answer(source, rid))
    if long.empty or not (has_answer > 0).any():
        raise ResponsesError(source, problems + [Problem(source, None, None,
                                                         "no usable answers: every answer is missing or invalid")])

    answers = pd.DataFrame({
        # categoricals: the scorer factorises a million answers in milliseconds
        "respondent_id": pd.Categorical(long["respondent_id"], categories=pd.unique(long["respondent_id"])),
        "item_id": pd.Categorical(long["item_id"], categories=q.item_ids),
        "value": long["value"].to_numpy(dtype=float),
        "status": pd.Categorical(long["status"], categories=["answered", "dont_know", "blank"]),
    })
    return Responses(source, layout, answers, attributes, errors=problems, warnings=warnings, notes=notes,
                     questionnaire=q)


def _attributes(long: pd.DataFrame, attrs: list[str], source: str) -> tuple[pd.DataFrame, list[Problem]]:
    """One row per respondent; a respondent with two different values for an attribute is a problem."""
    problems: list[Problem] = []
    ids = pd.Index(long["respondent_id"].unique(), name="respondent_id")
    if not attrs:
        return pd.DataFrame(index=ids), problems
    keys = pd.DataFrame({c: pd.factorize(long[c])[0] for c in ["respondent_id", *attrs]}, index=long.index)
    sub = long.loc[~keys.duplicated(), ["respondent_id", "_row", *attrs]]
    clash = sub.duplicated("respondent_id", keep=False)
    for rid, g in sub.loc[clash].groupby("respondent_id", sort=False):
        for a in attrs:
            vals = g[a].unique()
            if len(vals) > 1:
                problems.append(Problem(source, int(g["_row"].iloc[-1]), a,
                                        f"respondent '{rid}' has different values {', '.join(map(repr, vals))}"))
    table = sub.drop_duplicates("respondent_id").set_index("respondent_id")[attrs]
    table = table.replace("", np.nan)
    return table.reindex(ids), problems

