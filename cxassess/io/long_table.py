"""A cleaned responses table (long or wide) as one long table of answers beside a table of attributes.

The answers carry the reader's own columns only (:data:`ANSWER_COLUMNS`), built fresh from the
file's columns; the attributes stay a table of their own, one row per file row, with the names the
file gives them. So an attribute may be called ``value``, ``item_id``, ``_row`` or ``status``
without meeting the reader's columns (pandas' ``melt`` refused such a file with a traceback).

Cells arrive as categoricals of stripped text (:func:`cxassess.io.cells.clean_frame`): a million
answers repeat a handful of texts, so everything here works on the codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cxassess.errors import CxError, Problem
from cxassess.io.respondents import repeated_respondents, respondent_column
from cxassess.questionnaire.model import Questionnaire

__all__ = ["ANSWER_COLUMNS", "LONG_COLUMNS", "LongTable", "attributes_table", "detect_layout", "factorize_text",
           "to_long"]

LONG_COLUMNS = ("respondent_id", "item_id", "value")
ANSWER_COLUMNS = ("respondent_id", "item_id", "value", "_row")


@dataclass
class LongTable:
    """``answers``: :data:`ANSWER_COLUMNS` (``_row`` is the spreadsheet row); ``attributes``: the
    attribute columns of each file row, indexed by its spreadsheet row, with ``ids`` its respondent."""

    layout: str
    answers: pd.DataFrame
    attributes: pd.DataFrame
    ids: pd.Series
    problems: list[Problem] = field(default_factory=list)


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
        # the header is not echoed: a file that is not responses at all (a key, a password file) would have
        # its first line copied into the batch summary and index.html
        f"found {len(columns)} column(s), none of them one of these"
    )


def factorize_text(values: pd.Series) -> tuple[np.ndarray[Any, np.dtype[np.intp]], pd.Index]:
    """(codes, distinct texts in order of appearance) of text cells, categorical or not; the texts as a
    plain index (factorising a categorical gives a categorical index, whose codes mean something else)."""
    codes, uniques = pd.factorize(values)
    return codes, pd.Index(np.asarray(uniques, dtype=object))


def _categorical(values: Any) -> pd.Categorical:
    return values if isinstance(values, pd.Categorical) else pd.Categorical(np.asarray(values, dtype=object))


def to_long(df: pd.DataFrame, q: Questionnaire, source: str, first_row: int, notes: list[str]) -> LongTable:
    """The answers of a cleaned table (unique stripped column names, file positions as its index)."""
    cols = [str(c) for c in df.columns]
    rows = df.index.to_numpy() + first_row
    if detect_layout(cols, q) == "long":
        return _from_long(df, cols, rows, q, source)
    return _from_wide(df, cols, rows, q, source, notes)


def _from_long(df: pd.DataFrame, cols: list[str], rows: np.ndarray[Any, Any], q: Questionnaire,
               source: str) -> LongTable:
    own = {c.lower(): c for c in cols if c.lower() in LONG_COLUMNS}
    rid = own.get("respondent_id") or respondent_column([c for c in cols if c not in own.values()])
    if rid is None:
        raise CxError(f"{source}: long-format responses need a 'respondent_id' column")
    taken = {rid, own["item_id"], own["value"]}
    attrs = [c for c in cols if c not in taken]
    item = df[own["item_id"]]
    known = item.isin(q.item_ids).to_numpy()
    problems = [Problem(source, int(r), "item_id", f"'{i}' is not an item id of questionnaire '{q.id}'")
                for r, i in zip(rows[~known], item[~known], strict=True)]
    answers = pd.DataFrame({"respondent_id": df[rid], "item_id": item, "value": df[own["value"]], "_row": rows},
                           index=df.index).loc[known]
    return LongTable("long", answers, df[attrs].set_axis(rows, axis=0), df[rid].set_axis(rows), problems)


def _from_wide(df: pd.DataFrame, cols: list[str], rows: np.ndarray[Any, Any], q: Questionnaire, source: str,
               notes: list[str]) -> LongTable:
    problems: list[Problem] = []
    rid = respondent_column(cols)
    item_cols = [c for c in cols if c in q.item_ids]
    attrs = [c for c in cols if c not in item_cols and c != rid]
    if rid is None:
        notes.append("no respondent id column: respondents are numbered by their row (R2, R3, ...)")
        ids = pd.Series(pd.Categorical([f"R{r}" for r in rows]), index=df.index)
    else:
        ids = df[rid]
        dup, repeats = repeated_respondents(ids.astype(object), rows)  # every row of a repeated id is left out
        problems.extend(Problem(source, r.rows[-1], rid, r.message()) for r in repeats)
        df, ids, rows = df.loc[~dup], ids[~dup], rows[~dup]
    if attrs:
        notes.append(f"columns read as respondent attributes: {', '.join(attrs)}")
    k = len(item_cols)
    # item by item (column-major), as melt did: each column's answers for every respondent in turn
    value = np.concatenate([df[c].to_numpy(dtype=object) for c in item_cols]) if k else np.array([], dtype=object)
    id_codes, id_names = factorize_text(ids)
    answers = pd.DataFrame({
        "respondent_id": pd.Categorical.from_codes(np.tile(id_codes, k), categories=id_names),
        "item_id": pd.Categorical.from_codes(np.repeat(np.arange(k), len(df)), categories=pd.Index(item_cols)),
        "value": _categorical(value),
        "_row": np.tile(rows, k),
    })
    return LongTable("wide", answers, df[attrs].set_axis(rows, axis=0), ids.set_axis(rows), problems)


def attributes_table(table: LongTable, kept_rows: np.ndarray[Any, Any], source: str
                     ) -> tuple[pd.DataFrame, list[Problem]]:
    """One row per respondent (in order of first answer) from the file rows still holding answers; a
    respondent with two different values for an attribute is a problem (long files repeat them per row)."""
    rows = table.attributes.index.to_numpy()
    if table.layout == "long" and len(kept_rows) == len(rows):  # every row still holds its answer
        frame, ids = table.attributes, table.ids
    else:
        keep = np.isin(rows, np.unique(kept_rows))
        frame, ids = table.attributes.loc[keep], table.ids.loc[keep]
    id_codes, names = factorize_text(ids)
    order = names.rename("respondent_id")
    attrs = list(frame.columns)
    if not attrs:
        return pd.DataFrame(index=order), []
    first = _first_rows(id_codes)
    if first is not None and all(_constant(frame[c], id_codes, first) for c in attrs):
        # the usual case: each respondent's rows agree, so the first row of each says it all
        out = pd.DataFrame({c: np.asarray(frame[c].iloc[first], dtype=object) for c in attrs}, index=order)
        return out.replace("", np.nan), []
    keys = pd.DataFrame({"_id": id_codes, **{f"_{n}": pd.factorize(frame[c])[0] for n, c in enumerate(attrs)}})
    distinct = ~keys.duplicated().to_numpy()
    sub_codes = id_codes[distinct]
    sub = frame.loc[distinct]
    sub_rows = frame.index.to_numpy()[distinct]
    clash = pd.Series(sub_codes).duplicated(keep=False).to_numpy()
    problems: list[Problem] = []
    if clash.any():
        for code in pd.unique(sub_codes[clash]):
            at = np.flatnonzero(sub_codes == code)
            for c in attrs:
                vals = pd.unique(np.asarray(sub[c].iloc[at], dtype=object))
                if len(vals) > 1:
                    problems.append(Problem(source, int(sub_rows[at[-1]]), c, f"respondent '{names[code]}' has "
                                            f"different values {', '.join(map(repr, vals))}"))
    first = ~pd.Series(sub_codes).duplicated().to_numpy()
    out = pd.DataFrame({c: np.asarray(sub[c].iloc[first], dtype=object) for c in attrs},
                       index=pd.Index(names[sub_codes[first]], name="respondent_id"))
    out = out.replace("", np.nan)
    return out.reindex(order), problems


def _first_rows(codes: np.ndarray[Any, np.dtype[np.intp]]) -> np.ndarray[Any, np.dtype[np.intp]] | None:
    """The position of each code's first row, for codes numbered in order of first appearance (as
    :func:`factorize_text` numbers them): a row holds a new code exactly where it exceeds all before it."""
    if not len(codes) or codes.min() < 0:
        return None
    new = np.empty(len(codes), dtype=bool)
    new[0] = True
    np.greater(codes[1:], np.maximum.accumulate(codes)[:-1], out=new[1:])
    return np.flatnonzero(new)


def _constant(cells: pd.Series, id_codes: np.ndarray[Any, np.dtype[np.intp]],
              first: np.ndarray[Any, np.dtype[np.intp]]) -> bool:
    """Whether every row of a respondent has the value of that respondent's first row."""
    codes = np.asarray(cells.cat.codes) if isinstance(cells.dtype, pd.CategoricalDtype) else pd.factorize(cells)[0]
    return bool((codes == codes[first][id_codes]).all())
