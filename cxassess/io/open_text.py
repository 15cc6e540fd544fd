"""Open-text answers ("What is one thing we should change?"): carried through every reader as text.

The questionnaire's ``open_questions`` are never scored, so their answers are taken out of the table
before the numbers are read (a sentence is never a "not a number" error) and kept as
:data:`COMMENT_COLUMNS`: one row per respondent and question with a non-blank answer. In a wide
file an open question is a column named by its id (any case); in a long file a row whose
``item_id`` is its id, with the words in ``value``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxassess.io.respondents import respondent_column
from cxassess.questionnaire.model import Questionnaire

__all__ = ["COMMENT_COLUMNS", "empty_comments", "split_open_text"]

COMMENT_COLUMNS = ("respondent_id", "question_id", "text")


def empty_comments() -> pd.DataFrame:
    """A comments table with no rows."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in COMMENT_COLUMNS})


def _text(values: pd.Series) -> pd.Series:
    out = values.astype("object").where(values.notna(), "").astype(str).str.strip()
    return out.where(~out.str.lower().isin({"nan", "na", "n/a", "none"}), "")


def split_open_text(df: pd.DataFrame, q: Questionnaire, first_row: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(table without the open-text answers, comments)`` for a raw long or wide table."""
    ids = {i.casefold(): i for i in q.open_question_ids}
    if not ids:
        return df, empty_comments()
    lower = {str(c).lower(): c for c in df.columns}
    if "item_id" in lower and "value" in lower:  # long: rows of open questions
        # each distinct item text folded once: a long file repeats a few dozen ids a million times
        codes, uniques = pd.factorize(df[lower["item_id"]], use_na_sentinel=False)
        folded = pd.Series(np.asarray(uniques, dtype=object)).astype(str).str.strip().str.casefold()
        is_open = pd.Series(folded.isin(set(ids)).to_numpy()[codes], index=df.index)
        if not is_open.any():
            return df, empty_comments()
        item = pd.Series(folded.to_numpy()[codes], index=df.index)
        rid = lower.get("respondent_id") or respondent_column(list(df.columns))
        part = df.loc[is_open]
        who = (part[rid].astype(str).str.strip() if rid is not None
               else pd.Series([f"R{r + first_row}" for r in part.index], index=part.index))
        comments = pd.DataFrame({"respondent_id": who.to_numpy(), "question_id": item[is_open].map(ids).to_numpy(),
                                 "text": _text(part[lower["value"]]).to_numpy()})
        return df.loc[~is_open], comments.loc[comments["text"] != ""].reset_index(drop=True)
    cols = [c for c in df.columns if str(c).strip().casefold() in ids]  # wide: columns of open questions
    if not cols:
        return df, empty_comments()
    rid = respondent_column([c for c in df.columns if c not in cols])
    who = (df[rid].astype(str).str.strip() if rid is not None
           else pd.Series([f"R{r + first_row}" for r in df.index], index=df.index))
    parts = [pd.DataFrame({"respondent_id": who.to_numpy(), "question_id": ids[str(c).strip().casefold()],
                           "text": _text(df[c]).to_numpy()}) for c in cols]
    comments = pd.concat(parts, ignore_index=True)
    return df.drop(columns=cols), comments.loc[comments["text"] != ""].reset_index(drop=True)
