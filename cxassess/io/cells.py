"""Cells of a responses table: as stripped text, and as answer values of the questionnaire's scale.

Answer files repeat a handful of distinct texts (1..5, labels, blanks) a million times, so every
function here works on the distinct values only and spreads the result back: validation stays
vectorised and fast.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from cxassess.io.values import ValueReader
from cxassess.questionnaire.model import Questionnaire

__all__ = ["STATUSES", "clean_frame", "distinct_cells", "is_missing", "on_uniques", "parse_values", "read_cells",
           "text_categorical", "text_cells"]


STATUSES = ("answered", "dont_know", "blank")
"""What an answer cell is, in this order: the categories of ``Responses.answers["status"]``."""


def is_missing(v: object) -> bool:
    """None, NaN, pd.NA or NaT (any scalar pandas treats as missing)."""
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def on_uniques(series: pd.Series, fn: Callable[[pd.Series], Any]) -> pd.Series:
    """Apply a text function to the distinct values only, then spread the result back."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    result = np.asarray(fn(pd.Series(uniques, dtype=object)), dtype=object)
    return pd.Series(result[codes], index=series.index)


def text_cells(series: pd.Series) -> pd.Series:
    """Cells as stripped text; missing cells become ''."""
    return on_uniques(series, lambda u: ["" if is_missing(v) else str(v).strip() for v in u])


def distinct_cells(series: pd.Series) -> tuple[np.ndarray[Any, np.dtype[np.intp]], np.ndarray[Any, Any]]:
    """(codes, distinct values as objects) of a column, ``values[codes]`` being the column.

    A categorical's own categories and codes serve as they are (its missing cells, code -1, are the
    last value, NaN), so a million parsed cells cost no hashing; anything else is factorised.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        values = np.append(np.asarray(series.cat.categories, dtype=object), np.nan)
        codes = np.asarray(series.cat.codes, dtype=np.intp)
        return codes, values  # code -1 indexes the last value: NaN
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    return np.asarray(codes, dtype=np.intp), np.asarray(uniques, dtype=object)


def text_categorical(series: pd.Series) -> pd.Categorical:
    """Cells as a categorical of stripped text ('' for missing), each distinct value converted once."""
    codes, values = distinct_cells(series)
    missing = pd.isna(values)  # one vectorised test, not one call per distinct text (25,000 respondent ids)
    cleaned = ["" if gone else (v.strip() if isinstance(v, str) else str(v).strip())
               for v, gone in zip(values, missing, strict=True)]
    remap, categories = pd.factorize(np.asarray(cleaned, dtype=object))  # " a" and "a" are one text
    return pd.Categorical.from_codes(remap[codes] if len(codes) else codes, categories=pd.Index(categories),
                                     validate=False)


def clean_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Stripped names and stripped text cells as categoricals ('' for missing), file positions kept as the
    index, entirely empty rows dropped. The names must be unique once stripped (the header checks see to it)."""
    df = df.reset_index(drop=True)
    columns = {str(c).strip(): text_categorical(df.iloc[:, k]) for k, c in enumerate(df.columns)}
    df = pd.DataFrame(columns, index=df.index)
    if len(df.columns) and len(df):
        empty = np.logical_and.reduce([_is_empty(columns[c]) for c in columns])
        if empty.any():  # else no copy of a million rows
            df = df.loc[~empty]
    return df


def _is_empty(cells: pd.Categorical) -> np.ndarray[Any, np.dtype[np.bool_]]:
    blank = np.flatnonzero(np.asarray(cells.categories, dtype=object) == "")
    return np.zeros(len(cells), dtype=bool) if not len(blank) else np.asarray(cells.codes == blank[0])


def read_cells(raw: pd.Series, q: Questionnaire) -> tuple[np.ndarray[Any, np.dtype[np.float64]],
                                                           np.ndarray[Any, np.dtype[np.int8]],
                                                           np.ndarray[Any, np.dtype[np.bool_]],
                                                           np.ndarray[Any, Any] | None]:
    """:func:`parse_values` as arrays: (value, status as codes into :data:`STATUSES`, is_invalid,
    messages or None when no cell is invalid). Each distinct text is read once."""
    reader = ValueReader(q)
    codes, uniques = distinct_cells(raw)
    readings = [reader.read("" if is_missing(cell) else str(cell)) for cell in uniques]
    values = np.array([np.nan if r.value is None else r.value for r in readings], dtype=float)[codes]
    # status as codes into STATUSES ("invalid" cells count as answered, and are flagged): no million strings
    status_u = np.array([STATUSES.index("answered" if r.status == "invalid" else r.status) for r in readings],
                        dtype=np.int8)
    invalid_u = np.array([r.status == "invalid" for r in readings], dtype=bool)
    invalid = invalid_u[codes]
    if not invalid.any():
        return values, status_u[codes], invalid, None
    messages_u = np.array([r.how if r.status == "invalid" else "" for r in readings], dtype=object)
    return values, status_u[codes], invalid, messages_u[codes]


def parse_values(raw: pd.Series, q: Questionnaire) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Text cells -> (value as float, status, is_invalid, message); invalid cells get NaN and True.

    One reader for every input (:class:`cxassess.io.values.ValueReader`): numbers and the
    scale's labels in any case (with common variants such as "Neutral") are answers; blanks are
    "blank"; "don't know", N/A and similar are "dont_know". Both count as missing, never as a low
    score. Each distinct text is read once, so a million cells cost a handful of look-ups.
    """
    values, status_codes, invalid, messages = read_cells(raw, q)
    idx = raw.index
    status = pd.Categorical.from_codes(status_codes, categories=list(STATUSES))
    text = messages if messages is not None else np.full(len(values), "", dtype=object)
    return (pd.Series(values, index=idx), pd.Series(status, index=idx), pd.Series(invalid, index=idx),
            pd.Series(text, index=idx))
