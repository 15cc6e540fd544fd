"""The header of a responses table: names nobody can tell apart, names that look like an item of no known id.

A column read wrongly loses its answers in silence (a repeated ``LEAD1``, an ``LEDA1`` read as an
attribute, a column of values without a name), so each of these is a problem with its column,
and what was understood on the way (``lead1`` read as ``LEAD1``) is a note. The rules, in a wide file:

* names that are one name once spaces and case are ignored (``LEAD1``, `` lead1 ``) are a problem
  naming every such column, and all of them are left out;
* a name close to an item id (``LAED4``) is a problem ("did you mean LEAD4?");
* a name of the shape of the questionnaire's item ids (letters and a number: ``XYZ3``, ``LEAD6``
  beside ``LEAD1..5``) is a problem: it is most likely an item of another questionnaire or version,
  whose answers would otherwise become an attribute and go unscored;
* a header written ``attribute:NAME`` is the attribute ``NAME`` whatever its shape (but never an item id).
"""

from __future__ import annotations

import difflib
import re

import pandas as pd

from cxassess.errors import CxError, Problem
from cxassess.io.cells import text_cells
from cxassess.io.respondents import is_id_alias
from cxassess.io.tables import column_letter
from cxassess.questionnaire.model import Questionnaire

__all__ = ["ATTRIBUTE_MARK", "attribute_marks", "check_header", "id_shape", "item_id_case", "missing_item_columns",
           "unnamed_columns"]

ATTRIBUTE_MARK = "attribute:"
"""A header written ``attribute:site2`` is the attribute ``site2``, even where ``site2`` looks like an item id."""


def id_shape(name: str) -> str:
    """The shape of an id: letters as ``A``, digits as ``9``, runs collapsed (``LEAD1`` -> ``A9``,
    ``Q7_LEAD1`` -> ``A9_A9``)."""
    return re.sub(r"9+", "9", re.sub(r"A+", "A", re.sub(r"\d", "9", re.sub(r"[^\W\d_]", "A", name))))


def _item_shapes(q: Questionnaire) -> frozenset[str]:
    """The shapes of the questionnaire's item ids that hold a number (a shape of letters only, e.g. an
    id ``trust``, would take every word for an item)."""
    return frozenset(shape for shape in map(id_shape, q.item_ids) if "9" in shape)


def attribute_marks(columns: pd.Index) -> dict[str, str]:
    """Columns marked as attributes (``attribute:site2``): rename to the name after the mark."""
    return {str(c): str(c).strip()[len(ATTRIBUTE_MARK):].strip() for c in columns
            if str(c).strip().lower().startswith(ATTRIBUTE_MARK)}


def item_id_case(columns: pd.Index, q: Questionnaire) -> dict[str, str]:
    """Columns that are item ids written in another case or with spaces: rename to the id."""
    by_upper = {i.upper(): i for i in q.item_ids}
    out = {}
    for c in map(str, columns):
        key = c.strip().upper()
        if c not in q.item_ids and key in by_upper:
            out[c] = by_upper[key]
    return out


def unnamed_columns(df: pd.DataFrame, source: str, notes: list[str]) -> tuple[pd.DataFrame, list[Problem]]:
    """Columns without a header name: empty ones (trailing separators, a spreadsheet's unused
    columns) are dropped with a note; one holding values is a problem, since nobody can tell what
    it is. Most columns unnamed means the first row is not the header (a title row above it)."""
    blank = [pos for pos, c in enumerate(df.columns) if not str(c).strip()]
    if not blank:
        return df, []
    has_data = [pos for pos in blank if text_cells(df.iloc[:, pos]).ne("").any()]
    if len(has_data) * 2 > df.shape[1]:
        raise CxError(f"{source}: the first row is not a header ({len(has_data)} of {df.shape[1]} columns with "
                      "values have no name); put the column names on the first row and delete any title rows above it")
    if len(has_data) < len(blank):
        notes.append(f"{len(blank) - len(has_data)} empty column(s) without a name were ignored")
    problems = [Problem(source, 1, f"{column_letter(pos)} (no name)", "this column holds values but the header gives "
                        "it no name; name it (e.g. 'site') or delete it") for pos in has_data]
    keep = [pos for pos in range(df.shape[1]) if pos not in set(blank)]
    return df.iloc[:, keep], problems


def _same_names(names: list[str], source: str) -> tuple[list[Problem], set[int]]:
    """Columns whose names are one name once spaces and case are ignored (``LEAD1``/`` lead1 ``,
    ``value``/``Value``): nobody can tell which holds the answers, so every column of such a group
    is a problem, named by position, letter and header cell as written, and left out."""
    groups: dict[str, list[int]] = {}
    for pos, name in enumerate(names):
        key = name.strip().casefold()
        key = key[len(ATTRIBUTE_MARK):].strip() if key.startswith(ATTRIBUTE_MARK) else key  # "attribute:role" is "role"
        if key:
            groups.setdefault(key, []).append(pos)
    problems: list[Problem] = []
    drop: set[int] = set()
    for where in groups.values():
        if len(where) < 2:
            continue
        drop.update(where)
        cells = [f"{pos + 1} ({column_letter(pos)}) '{names[pos]}'" for pos in where]
        listed = ", ".join(cells[:-1]) + f" and {cells[-1]}"
        problems.append(Problem(source, 1, names[where[0]].strip(), f"columns {listed} have the same name once "
                                "spaces and case are ignored; keep one (rename or delete the others)"))
    return problems, drop


def check_header(df: pd.DataFrame, q: Questionnaire, source: str, notes: list[str]) -> tuple[list[Problem], set[int]]:
    """Problems of the header, and the positions of the columns they leave out.

    Repeated column names (once spaces and case are ignored), and columns that look like a mistyped
    item id, are problems: either would otherwise be read as a respondent attribute (or as the
    wrong column) and its answers lost in silence.
    """
    raw = [str(c) for c in df.columns]
    problems, drop = _same_names(raw, source)
    names = [c.strip() for c in raw]
    renamed = item_id_case(pd.Index(names), q)
    long_layout = {"item_id", "value"} <= {n.lower() for n in names}
    if long_layout:  # answers belong in rows here: an item column would be read as an attribute
        for pos, name in enumerate(names):
            if pos not in drop and renamed.get(name, name) in q.item_ids:
                problems.append(Problem(source, 1, name, f"'{name}' is an item column, but this file gives answers "
                                        "as rows (item_id, value); put those answers in rows or remove the column"))
                drop.add(pos)
        return problems, drop
    for name, new in renamed.items():
        notes.append(f"column '{name}' read as item '{new}'")
    ids = [i.upper() for i in q.item_ids]
    shapes = _item_shapes(q)
    by_upper = {i.upper() for i in q.item_ids}
    for pos, name in enumerate(names):
        if pos in drop or name in q.item_ids or name in renamed or is_id_alias(name):
            continue
        if name.lower().startswith(ATTRIBUTE_MARK):
            if name[len(ATTRIBUTE_MARK):].strip().upper() in by_upper:
                problems.append(Problem(source, 1, name, f"'{name}' marks an item id as an attribute; an item's "
                                        "answers cannot be an attribute (rename the column)"))
                drop.add(pos)
            continue
        close = difflib.get_close_matches(name.upper(), ids, n=1, cutoff=0.75)
        if close:
            item = q.item_ids[ids.index(close[0])]
            problems.append(Problem(source, 1, name, f"'{name}' is not an item id of questionnaire '{q.id}'; "
                                    f"did you mean '{item}'? (rename the column; an attribute column must not "
                                    "look like an item id)"))
            drop.add(pos)
        elif id_shape(name) in shapes:
            problems.append(Problem(source, 1, name, f"'{name}' looks like an item id (letters and a number, as "
                                    f"{q.item_ids[0]}) but questionnaire '{q.id}' has no such item: is the file "
                                    "for another questionnaire or version? Rename the column, or write its header "
                                    f"as '{ATTRIBUTE_MARK}{name}' to read it as a respondent attribute"))
            drop.add(pos)
    return problems, drop


def missing_item_columns(columns: pd.Index, q: Questionnaire, source: str, notes: list[str]) -> list[Problem]:
    """A wide file without a column for some items: a note (they count as unanswered); without any
    column for a whole dimension: a warning, since that dimension cannot be scored and the overall
    score covers the others only."""
    present = set(map(str, columns))
    missing = [i for i in q.items if i.id not in present]
    if not missing:
        return []
    gone = [d for d in q.dimensions if all(i.id not in present for i in q.items if i.dimension == d.id)]
    gone_ids = {d.id for d in gone}
    partly = [i.id for i in missing if not i.outcome and i.dimension not in gone_ids]
    if partly:
        notes.append(f"no column for item(s) {', '.join(partly)}: counted as unanswered")
    outcomes = [i.id for i in missing if i.outcome]
    if outcomes:  # part of no score: only the key-driver analysis misses them
        notes.append(f"no column for outcome statement(s) {', '.join(outcomes)}: key drivers need them answered")
    if not gone:
        return []
    names = ", ".join(f"'{d.name}'" for d in gone)
    return [Problem(source, None, None, f"no column for any statement of {names}: "
                    f"{'it' if len(gone) == 1 else 'they'} cannot be scored, and the overall score covers the other "
                    f"{len(q.dimensions) - len(gone)} dimension(s) only")]
