"""Match the columns of a survey export to the questionnaire's items: by mapping file, item id or statement.

Strongest first: an explicit mapping file entry (``column,item_id``; a blank item id means "ignore
this column"), then the item id where the tool kept it (``LEAD1``, ``Q7_LEAD1``, a statement
starting ``LEAD1.``/``[LEAD1]``), then the statement text, compared with case, whitespace and
punctuation normalised (a column whose text *ends* with the statement matches too). Two columns
claiming one item at the same strength is an error, not a coin toss. :func:`suggest_mapping`
writes the table a person edits when the automatic match is not enough.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cxassess._util.files import atomic_path
from cxassess.errors import CxError, ProblemsError
from cxassess.io.layouts import Column, Layout, read_layout
from cxassess.io.tables import read_raw
from cxassess.io.values import normalise_text
from cxassess.questionnaire.model import Questionnaire, as_questionnaire

__all__ = ["Match", "find_column", "match_columns", "read_mapping", "suggest_mapping", "write_mapping_suggestion"]


@dataclass(frozen=True)
class Match:
    item_id: str
    how: str  # mapping | id | text


def id_match(col: Column, ids: dict[str, str]) -> str | None:
    key = col.key.strip()
    if key.lower() in ids:
        return ids[key.lower()]
    if " " not in key:
        hits = {ids[t.lower()] for t in re.split(r"[_\-.:]+", key) if t.lower() in ids}
        if len(hits) == 1:
            return hits.pop()
    for text in col.texts:
        m = re.match(r"^\s*[\[(]?([A-Za-z0-9_]+)[\])]?\s*[.:)\-\]]", text)
        if m and m.group(1).lower() in ids:
            return ids[m.group(1).lower()]
        m = re.search(r"[\[(]([A-Za-z0-9_]+)[\])]\s*$", text)
        if m and m.group(1).lower() in ids:
            return ids[m.group(1).lower()]
    return None


# where a survey tool joins a question stem to a statement: "Stem - Statement" (Qualtrics), "Question
# [Statement]" (Google Forms), "Question?.Statement" (Microsoft Forms), "Stem: Statement", "Stem | Statement"
_STEM_END = re.compile(r"\s[-\u2013\u2014]\s|:\s|\?\.?\s*|\.(?=\S)|\[|\s\|\s")


def _statement_parts(text: str) -> set[str]:
    """The column text and each part of it after a stem separator, normalised."""
    parts = {normalise_text(text)}
    parts.update(normalise_text(text[m.end():]) for m in _STEM_END.finditer(text))
    return parts - {""}


def text_match(col: Column, statements: dict[str, str]) -> str | None:
    """The item whose normalised statement is one of the column's texts, or all of a text after a stem
    separator (``Stem - Statement``, ``Question [Statement]``): a short statement never matches the
    end of a longer, unrelated sentence. The longest statement wins."""
    best: tuple[int, str] | None = None
    for text in col.texts:
        parts = _statement_parts(text)
        for stmt, item in statements.items():
            if stmt in parts and (best is None or len(stmt) > best[0]):
                best = (len(stmt), item)
    return best[1] if best else None


def open_text_columns(columns: list[Column], q: Questionnaire, matched: dict[int, Match]) -> dict[int, str]:
    """Column position -> open question id for the question columns no item took, by the question's id
    or its text: their answers are carried as words (comments), never read as scale values."""
    ids = {o.lower(): o for o in q.open_question_ids}
    texts = {normalise_text(o.text): o.id for o in q.open_questions}
    found = {}
    for col in columns:
        if col.index not in matched and col.kind == "question":
            qid = id_match(col, ids) or text_match(col, texts)
            if qid:
                found[col.index] = qid
    return found


def read_mapping(path: str | Path, q: Questionnaire) -> dict[str, str | None]:
    """Read a mapping CSV ``column,item_id`` (extra columns ignored); a blank or '-' item id means ignore."""
    path = Path(path)
    raw = read_raw(path, "a mapping file (column,item_id)")
    head = [normalise_text(c) for c in raw.rows[0]]
    if "column" not in head or not ({"item id", "item"} & set(head)):
        raise CxError(f"{path}: a mapping file needs the header 'column,item_id'; found {', '.join(raw.rows[0])}")
    ci = head.index("column")
    ii = head.index("item id") if "item id" in head else head.index("item")
    ids = {i.lower(): i for i in q.item_ids}
    mapping: dict[str, str | None] = {}
    problems = []
    for n, cells in zip(raw.row_numbers[1:], raw.rows[1:], strict=True):
        column, item = cells[ci].strip(), cells[ii].strip()
        if not column:
            problems.append(f"row {n}: the column name is empty")
            continue
        if column in mapping:
            problems.append(f"row {n}: column '{column}' is listed twice")
            continue
        if item.lower() in ("", "-", "ignore", "none"):
            mapping[column] = None
        elif item.lower() in ids:
            mapping[column] = ids[item.lower()]
        else:
            problems.append(f"row {n}, column 'item_id': '{item}' is not an item id of questionnaire '{q.id}' "
                            f"(ids look like {', '.join(q.item_ids[:3])}; leave it blank to ignore the column)")
    taken: dict[str, str] = {}
    for name, given in mapping.items():
        if given is not None and given in taken:
            problems.append(f"item '{given}' is given to two columns: '{taken[given]}' and '{name}'")
        elif given is not None:
            taken[given] = name
    if problems:
        raise ProblemsError(str(path), problems, f"{len(problems)} problem(s) in the mapping file:",
                            limit=len(problems))
    return mapping


def find_column(name: str, columns: list[Column], what: str, source: Path) -> Column:
    """A column by exact key, then spreadsheet letter, then a unique case/punctuation-insensitive name or text."""
    exact = [c for c in columns if c.key == name]
    if not exact and name.startswith("'") and name[1:2] in ("=", "+", "-", "@"):
        exact = [c for c in columns if c.key == name[1:]]  # a name as the neutraliser wrote it ("'=Total")
    if exact:
        return exact[0]
    if re.fullmatch(r"[A-Z]{1,3}", name):
        hit = [c for c in columns if c.letter == name]
        if hit:
            return hit[0]
    norm = normalise_text(name)
    loose = [c for c in columns
             if norm and (normalise_text(c.key) == norm or any(normalise_text(t) == norm for t in c.texts))]
    if len(loose) == 1:
        return loose[0]
    if len(loose) > 1:
        raise CxError(f"{source}: {what} '{name}' matches several columns ({', '.join(repr(c.key) for c in loose)}); "
                      "name one exactly or by its column letter")
    shown = ", ".join(repr(c.key) for c in columns[:40])
    raise CxError(f"{source}: {what} '{name}' is not a column of the export; its columns are {shown}")


def match_columns(layout: Layout, q: Questionnaire, mapping: dict[str, str | None] | None = None,
                  source: Path | str = "<export>") -> dict[int, Match]:
    """Column position -> item for every column that holds an item's answers. Raises on ambiguity."""
    source = Path(source)
    ids = {i.lower(): i for i in q.item_ids}
    statements = {normalise_text(i.text): i.id for i in q.items}
    explicit: dict[int, str | None] = {}
    for name, item in (mapping or {}).items():
        col = find_column(name, layout.columns, "mapping file column", source)
        explicit[col.index] = item
    found: dict[int, Match] = {}
    for col in layout.columns:
        if col.index in explicit:
            if explicit[col.index] is not None:
                found[col.index] = Match(explicit[col.index], "mapping")  # type: ignore[arg-type]
            else:
                layout.ignored_by_mapping.add(col.index)
            continue
        if col.kind not in ("question", "identity"):  # an identity-looking header may still be a statement
            continue
        item = id_match(col, ids)
        if item:
            found[col.index] = Match(item, "id")
            continue
        item = text_match(col, statements)
        if item:
            found[col.index] = Match(item, "text")
    # one column per item: the stronger match wins; equal strength is an error
    rank = {"mapping": 0, "id": 1, "text": 2}
    by_item: dict[str, list[int]] = {}
    for idx, m in found.items():
        by_item.setdefault(m.item_id, []).append(idx)
    problems = []
    for item, idxs in by_item.items():
        if len(idxs) < 2:
            continue
        best = min(rank[found[i].how] for i in idxs)
        winners = [i for i in idxs if rank[found[i].how] == best]
        if len(winners) > 1:
            cols = ", ".join(f"'{layout.columns[i].key}' (column {layout.columns[i].letter})" for i in winners)
            problems.append(f"item {item} is matched by {len(winners)} columns ({cols}), e.g. a duplicated question; "
                            "say which one to use in a mapping file (--mapping; --suggest-mapping writes one)")
        for i in idxs:
            if i not in winners:
                layout.notes.append(f"column '{layout.columns[i].key}' also looks like item {item} "
                                    f"(by {found[i].how}), but column '{layout.columns[winners[0]].key}' matches it "
                                    f"by {found[winners[0]].how}; ignored")
                del found[i]
    if problems:
        raise ProblemsError(str(source), problems, "cannot match columns to items:", limit=len(problems))
    return found


def suggest_mapping(path: str | Path, questionnaire: Questionnaire | str | Path | None = None,
                    source_format: str = "auto") -> pd.DataFrame:
    """A mapping table to edit: each column with its matched or best-guessed item id and how sure it is.

    Columns: ``column, item_id, match, statement, question``. ``match`` is ``id``/``text`` (certain),
    ``guess 0.83`` (similar wording: check it), ``no match``, ``metadata`` or ``identity`` (ignored).
    Each item is given to one column only, so the table imports as it is written: a guess never takes
    an item another column matches for certain, and of two columns claiming one item the stronger
    (or, at equal strength, the first) keeps it while the other is left blank and says why.
    """
    q = as_questionnaire(questionnaire)
    layout = read_layout(path, source_format)
    ids = {i.lower(): i for i in q.item_ids}
    statements = {normalise_text(i.text): i.id for i in q.items}
    text_of = {i.id: i.text for i in q.items}
    rank = {"id": 0, "text": 1}
    claims: dict[int, tuple[str, str, float]] = {}  # column -> (item, how, strength: higher is surer)
    how_of: dict[int, str] = {}
    for col in layout.columns:
        how_of[col.index] = "respondent id" if col.kind == "respondent_id" else (
            col.kind if col.kind != "question" else "")
        if col.kind not in ("question", "identity"):
            continue
        item = id_match(col, ids)
        how = "id" if item else ""
        if not item:
            item = text_match(col, statements)
            how = "text" if item else ""
        if item:
            claims[col.index] = (item, how, 10.0 - rank[how])
        elif col.kind == "question":
            best, ratio = None, 0.0
            for text in col.texts:
                norm = normalise_text(text)
                for stmt, iid in statements.items():
                    r = difflib.SequenceMatcher(None, norm, stmt).ratio()
                    if r > ratio:
                        best, ratio = iid, r
            if best and ratio >= 0.6:
                claims[col.index] = (best, f"guess {ratio:.2f}: check", ratio)
            else:
                how_of[col.index] = "no match"
    holder: dict[str, int] = {}  # item -> the column that keeps it
    for idx, (item, _, _strength) in sorted(claims.items(), key=lambda kv: (-kv[1][2], kv[0])):
        holder.setdefault(item, idx)
    names = {c.index: c.key for c in layout.columns}
    rows = []
    for col in layout.columns:
        item, how = "", how_of[col.index]
        if col.index in claims:
            claimed, claim_how, _ = claims[col.index]
            keeper = holder[claimed]
            if keeper == col.index:
                item, how = claimed, claim_how
            else:
                how = (f"also looks like {claimed} ({claim_how.split(':')[0]}), but column '{names[keeper]}' "
                       f"matches it {'as surely' if claims[keeper][2] == claims[col.index][2] else 'more surely'}: "
                       "left blank; swap them if this is the column to use")
        rows.append({"column": col.key, "item_id": item, "match": how,
                     "statement": text_of.get(item, ""), "question": " | ".join(col.texts)})
    return pd.DataFrame(rows, columns=["column", "item_id", "match", "statement", "question"])


def write_mapping_suggestion(path: str | Path, out: str | Path, questionnaire: Questionnaire | str | Path | None = None,
                             source_format: str = "auto") -> Path:
    """Write :func:`suggest_mapping` as CSV (cells neutralised); return the path written."""
    from cxassess._util.safe import write_csv

    out = Path(out)
    if not out.parent.is_dir():
        raise CxError(f"{out}: the folder {out.parent} does not exist")
    table = suggest_mapping(path, questionnaire, source_format)
    with atomic_path(out) as tmp:
        write_csv(table, tmp)
    return out
