"""Import answers from survey-tool exports: Qualtrics, SurveyMonkey, Google Forms, Microsoft Forms.

Each tool writes its own layout (extra header rows, metadata columns, matrix questions spread over
several columns). This module reads those layouts as the tools write them, matches columns to the
questionnaire's items and turns answer labels into scale points. The result is the long responses
format (``respondent_id, item_id, value`` plus respondent attributes) that
:func:`cxassess.io.responses.read_responses` and ``cxassess validate`` accept.

Nothing is guessed silently: the :class:`ImportReport` lists every column (used, ignored,
unmatched), every row dropped and every value that could not be understood, with row and column.
Respondent identity columns (email, name, IP address, ...) are never copied unless asked for.

Decisions worth knowing:

* Column matching, strongest first: an explicit mapping file entry (``column,item_id``; it
  overrides automatic matches for the columns it names, and a blank item id means "ignore this
  column"), then the item id where the tool kept it (column name ``LEAD1`` or ``Q7_LEAD1``, or a
  statement starting ``LEAD1.``/``[LEAD1]``), then the statement text, compared with case,
  whitespace and punctuation normalised; a column whose text *ends* with the statement matches
  too (Qualtrics ``Stem - Statement``, Google Forms ``Question [Statement]``). Two columns
  claiming one item at the same strength is an error, not a coin toss.
* Answer labels: the scale's own labels, case-insensitive. Common variants count as the label of
  the same meaning ("Neutral" = "Neither agree nor disagree", "Completely agree" = "Strongly
  agree"). "Somewhat agree" / "Tend to agree" / "Mostly agree" count as "Agree" (and the same for
  disagree) because the five-point templates of these tools put them in that place; on a scale
  that has its own label for them (e.g. seven points), the scale's label wins and the loose
  variants are not used. Every label read through a variant is listed in the report.
* Numbers pass through when they are whole points of the scale; "4 - Agree" or "Agree (4)" are
  read when number and label agree. Other values are "not understood": an error by default, or
  left blank and listed with ``on_error="skip"``.
* "Don't know", "N/A", "Not applicable", "Not sure", "Prefer not to say" are recorded as the
  scale's don't-know answer (missing, never a low score).
* A row identical in every column to an earlier one, identity fields (respondent id, email,
  name, timestamp...) included, is the same submission twice: a problem ("repeats row 3 exactly"),
  so the import stops, or with ``on_error="skip"`` the repeat is not imported and is listed. Identity
  columns are not copied, so nothing later could tell the double count. Rows alike only in their
  answers are different people and are kept; without any identity field nobody can tell, so they
  are kept too. A respondent id seen twice with different answers is a problem as well.
* Row numbers are spreadsheet rows: the first header row is row 1.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import pandas as pd

from cxassess.errors import CxError, ProblemsError, SurveyImportError, check_on_error, format_problems
from cxassess.io.layouts import (
    FORMAT_NAMES,
    FORMATS,
    GOOGLE_TIMESTAMPS,
    Column,
    Layout,
    RawTable,
    column_letter,
    is_identity,
    read_layout,
    read_raw,
    recognise,
    recognise_file,
)
from cxassess.io.values import Reading, ValueReader, normalise_text
from cxassess.questionnaire.model import Questionnaire, as_questionnaire

if TYPE_CHECKING:
    from cxassess.errors import OnError
    from cxassess.io.responses import Responses

__all__ = [
    "FORMATS", "FORMAT_NAMES", "Column", "ColumnReport", "ImportReport", "ImportResult", "Layout", "Match", "RawTable",
    "Reading", "SurveyImportError", "ValueReader", "column_letter", "import_export", "is_identity", "match_columns",
    "normalise_text", "read_export_responses", "read_layout", "read_mapping", "read_raw", "recognise",
    "recognise_file", "report_path", "check_output_path", "suggest_mapping", "write_import", "write_mapping_suggestion",
]


# --------------------------------------------------------------------------------------
# matching columns to items
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Match:
    item_id: str
    how: str  # mapping | id | text


def _id_match(col: Column, ids: dict[str, str]) -> str | None:
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


def _text_match(col: Column, statements: dict[str, str]) -> str | None:
    """The item whose normalised statement equals, or ends, one of the column's texts (longest wins)."""
    best: tuple[int, str] | None = None
    for text in col.texts:
        norm = normalise_text(text)
        if not norm:
            continue
        for stmt, item in statements.items():
            if norm == stmt or norm.endswith(" " + stmt):
                if best is None or len(stmt) > best[0]:
                    best = (len(stmt), item)
    return best[1] if best else None


def read_mapping(path: str | Path, q: Questionnaire) -> dict[str, str | None]:
    """Read a mapping CSV ``column,item_id`` (extra columns ignored); a blank or '-' item id means ignore."""
    path = Path(path)
    raw = read_raw(path)
    head = [normalise_text(c) for c in raw.rows[0]]
    if "column" not in head or not ({"item id", "item"} & set(head)):
        raise CxError(f"{path}: a mapping file needs the header 'column,item_id'; found {', '.join(raw.rows[0])}")
    ci = head.index("column")
    ii = head.index("item id") if "item id" in head else head.index("item")
    ids = {i.lower(): i for i in q.item_ids}
    mapping: dict[str, str | None] = {}
    problems = []
    for n, cells in zip(raw.row_numbers[1:], raw.rows[1:]):
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
    for column, item in mapping.items():
        if item is not None and item in taken:
            problems.append(f"item '{item}' is given to two columns: '{taken[item]}' and '{column}'")
        elif item is not None:
            taken[item] = column
    if problems:
        raise ProblemsError(str(path), problems, f"{len(problems)} problem(s) in the mapping file:", limit=len(problems))
    return mapping


def _find_column(name: str, columns: list[Column], what: str, source: Path) -> Column:
    """A column by exact key, then spreadsheet letter, then a unique case/punctuation-insensitive name or text."""
    exact = [c for c in columns if c.key == name]
    if exact:
        return exact[0]
    if re.fullmatch(r"[A-Z]{1,3}", name):
        hit = [c for c in columns if c.letter == name]
        if hit:
            return hit[0]
    norm = normalise_text(name)
    loose = [c for c in columns if norm and (normalise_text(c.key) == norm or any(normalise_text(t) == norm for t in c.texts))]
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
        col = _find_column(name, layout.columns, "mapping file column", source)
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
        item = _id_match(col, ids)
        if item:
            found[col.index] = Match(item, "id")
            continue
        item = _text_match(col, statements)
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
    Duplicated matches are all listed so that the person can blank the ones to ignore.
    """
    q = as_questionnaire(questionnaire)
    layout = read_layout(path, source_format)
    ids = {i.lower(): i for i in q.item_ids}
    statements = {normalise_text(i.text): i.id for i in q.items}
    text_of = {i.id: i.text for i in q.items}
    rows = []
    for col in layout.columns:
        item, how = None, col.kind if col.kind != "question" else ""
        if col.kind == "respondent_id":
            how = "respondent id"
        if col.kind in ("question", "identity"):
            item = _id_match(col, ids)
            how = "id" if item else how
            if not item:
                item = _text_match(col, statements)
                how = "text" if item else how
            if not item and col.kind == "question":
                best, ratio = None, 0.0
                for text in col.texts:
                    norm = normalise_text(text)
                    for stmt, iid in statements.items():
                        r = difflib.SequenceMatcher(None, norm, stmt).ratio()
                        if r > ratio:
                            best, ratio = iid, r
                if best and ratio >= 0.6:
                    item, how = best, f"guess {ratio:.2f}: check"
                else:
                    how = "no match"
        rows.append({"column": col.key, "item_id": item or "", "match": how,
                     "statement": text_of.get(item or "", ""), "question": " | ".join(col.texts)})
    return pd.DataFrame(rows, columns=["column", "item_id", "match", "statement", "question"])


def write_mapping_suggestion(path: str | Path, out: str | Path, questionnaire: Questionnaire | str | Path | None = None,
                             source_format: str = "auto") -> Path:
    """Write :func:`suggest_mapping` as CSV (cells neutralised); return the path written."""
    from cxassess._util.safe import neutralise_frame

    out = Path(out)
    if not out.parent.is_dir():
        raise CxError(f"{out}: the folder {out.parent} does not exist")
    table = suggest_mapping(path, questionnaire, source_format)
    neutralise_frame(table).to_csv(out, index=False)
    return out


# --------------------------------------------------------------------------------------
# the import
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ColumnReport:
    letter: str
    column: str
    use: str  # item | attribute | respondent id | ignored (metadata) | not copied (identity) | unmatched
    detail: str = ""


@dataclass
class ImportReport:
    """What the import did, for the person who has to trust it: printed and written beside the output."""

    source: str
    format: str
    detection: str
    columns: list[ColumnReport] = field(default_factory=list)
    missing_items: list[str] = field(default_factory=list)
    dropped_rows: list[tuple[int, str]] = field(default_factory=list)
    problems: list[Any] = field(default_factory=list)  # responses.Problem: values not understood, bad ids
    rows_left_out: set[int] = field(default_factory=set)  # rows whose problem leaves out the whole row
    readings: list[tuple[str, str, int]] = field(default_factory=list)  # (cell text, read as, count)
    notes: list[str] = field(default_factory=list)
    respondents: int = 0
    answers: int = 0
    dont_know: int = 0
    blank: int = 0
    attributes: list[str] = field(default_factory=list)

    def is_row_problem(self, problem: Any) -> bool:
        """A problem that left out its whole row (a repeat), not one value (left blank): a row left
        out is never read further, so it has no value problems."""
        return problem.row in self.rows_left_out

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "format": self.format, "detection": self.detection,
            "respondents": self.respondents, "answers": self.answers, "dont_know": self.dont_know,
            "blank": self.blank, "attributes": self.attributes,
            "columns": [c.__dict__ for c in self.columns], "missing_items": self.missing_items,
            "dropped_rows": [{"row": r, "reason": why} for r, why in self.dropped_rows],
            "problems": [{"row": p.row, "column": p.column, "message": p.message} for p in self.problems],
            "readings": [{"text": t, "read_as": a, "count": n} for t, a, n in self.readings],
            "notes": self.notes,
        }

    def to_text(self) -> str:
        lines = [f"Import report for {self.source}", f"Read as: {self.detection}"]
        lines += [f"Note: {n}" for n in self.notes]
        lines.append(f"Result: {self.respondents} respondent(s), {self.answers} answer(s), {self.dont_know} "
                     f"'don't know', {self.blank} blank; attributes kept: {', '.join(self.attributes) or 'none'}")
        if self.dropped_rows:
            lines.append(f"Rows dropped ({len(self.dropped_rows)}):")
            lines += [f"  - row {r}: {why}" for r, why in self.dropped_rows]
        lines.append("Columns:")
        width = max((len(c.column) for c in self.columns), default=0)
        width = min(width, 60)
        for c in self.columns:
            name = c.column.replace("\n", " ")
            name = name if len(name) <= 60 else name[:57] + "..."
            lines.append(f"  {c.letter:>3}  {name:<{width}}  {c.use}{': ' + c.detail if c.detail else ''}")
        if self.missing_items:
            lines.append(f"Items with no column in the export ({len(self.missing_items)}): {', '.join(self.missing_items)}")
        if self.readings:
            lines.append("Answer texts read as scale points:")
            lines += [f"  - '{t}' -> {a} ({n} cell{'s' if n != 1 else ''})" for t, a, n in self.readings]
        rows = [p for p in self.problems if self.is_row_problem(p)]
        if rows:
            lines.append(f"Rows not imported ({len(rows)}):")
            lines += [f"  - {p}" for p in rows]
        values = [p for p in self.problems if not self.is_row_problem(p)]
        if values:
            lines.append(f"Values not understood ({len(values)}):")
            lines += [f"  - {p}" for p in values]
        else:
            lines.append("Values not understood: none")
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.to_text()




@dataclass
class ImportResult:
    """The long responses table (``respondent_id, item_id, value`` + attributes) and its report."""

    frame: pd.DataFrame
    report: ImportReport

    def write(self, out: str | Path) -> tuple[Path, Path]:
        """Write the responses (CSV, or .xlsx) with cells neutralised, and the report beside them."""
        return write_import(self, out)


NOT_IMPORTED = "row not imported"  # ends the message of every row-level problem (the row is left out)


def _identity_columns(layout: Layout) -> list[int]:
    """Columns that tell one submission from another: respondent id, identity (email, name...), date/time."""
    def timed(col: Column) -> bool:
        norm = normalise_text(col.key)
        return norm in GOOGLE_TIMESTAMPS or bool(re.search(r"date|time", norm))

    return [c.index for c in layout.columns
            if c.kind in ("respondent_id", "identity") or (c.kind == "metadata" and timed(c))]


def exact_repeats(layout: Layout) -> dict[int, int]:
    """Row -> the earlier row it equals in every column, for rows with a non-blank identity field.

    Same identity and same answers is one submission counted twice. Without identity fields (or
    with all of them blank) two alike rows may be two people, so they are not paired.
    """
    identity = _identity_columns(layout)
    first: dict[tuple[str, ...], int] = {}
    repeats: dict[int, int] = {}
    for n, cells in layout.data:
        if not any(cells[i].strip() for i in identity if i < len(cells)):
            continue
        key = tuple(c.strip() for c in cells)
        if key in first:
            repeats[n] = first[key]
        else:
            first[key] = n
    return repeats


def _problems_headline(report: ImportReport) -> str:
    """E.g. ``2 row(s) repeat an earlier respondent or submission and 1 value(s) could not be understood; ...``"""
    rows, problems = len(report.rows_left_out), report.problems
    parts = [f"{rows} row(s) repeat an earlier respondent or submission" if rows else "",
             f"{len(problems) - rows} value(s) could not be understood" if len(problems) > rows else ""]
    return " and ".join(p for p in parts if p) + "; nothing was imported."


def _attribute_specs(specs: Iterable[str]) -> list[tuple[str, str | None]]:
    out = []
    for s in specs:
        name, _, rename = str(s).partition("=")
        out.append((name.strip(), rename.strip() or None))
    return out


def import_export(path: str | Path, questionnaire: Questionnaire | str | Path | None = None, *,
                  source_format: str = "auto", mapping: str | Path | dict[str, str | None] | None = None,
                  attributes: Sequence[str] = (), keep_identity: bool = False, finished_only: bool = False,
                  on_error: OnError = "raise", all_attributes: bool = False) -> ImportResult:
    """Read a survey tool's export into the long responses format, with a full :class:`ImportReport`.

    ``attributes``: columns to keep as respondent attributes (``"COL"`` or ``"COL=name"``; a column
    is named by its header, question text or letter). ``keep_identity`` also copies identity columns
    (email, name, IP address...). ``finished_only`` drops Qualtrics responses not marked Finished.
    ``on_error="raise"`` stops on values that cannot be understood; ``"skip"`` leaves them blank and
    lists them. ``all_attributes`` keeps every unmatched question column that is not identity or
    metadata (used when reports read an export directly).
    """
    from cxassess.errors import Problem

    check_on_error(on_error)
    q = as_questionnaire(questionnaire)
    path = Path(path)
    source = str(path)
    layout = read_layout(path, source_format)
    if isinstance(mapping, (str, Path)):
        mapping = read_mapping(mapping, q)
    matches = match_columns(layout, q, mapping, path)
    report = ImportReport(source, layout.format, layout.detection, notes=list(layout.notes))
    report.dropped_rows = list(layout.dropped)
    if layout.dropped:
        kinds = Counter(why.split(" (")[0] for _, why in layout.dropped)
        report.notes.append("dropped " + ", ".join(f"{n} {k.removeprefix('a ')} row(s)" for k, n in kinds.items()))

    unfinished = layout.unfinished
    if finished_only and layout.format != "qualtrics":
        report.notes.append(f"--finished-only has no effect: {FORMAT_NAMES[layout.format]} exports do not mark "
                            "finished responses")
    if unfinished:
        rows = ", ".join(map(str, unfinished[:20])) + (" ..." if len(unfinished) > 20 else "")
        if finished_only:
            keep = set(unfinished)
            report.dropped_rows += [(n, "not finished (--finished-only)") for n in unfinished]
            layout.data = [(n, c) for n, c in layout.data if n not in keep]
            report.notes.append(f"dropped {len(unfinished)} unfinished response(s) (rows {rows})")
        else:
            report.notes.append(f"kept {len(unfinished)} unfinished response(s) (rows {rows}); "
                                "drop them with --finished-only")
    report.dropped_rows.sort()

    # attributes
    keep: list[tuple[Column, str]] = []
    for name, rename in _attribute_specs(attributes):
        col = _find_column(name, layout.columns, "attribute", path)
        if col.index in matches:
            raise CxError(f"{source}: attribute column '{col.key}' holds the answers to item {matches[col.index].item_id}; "
                          "it cannot also be an attribute")
        if col.kind == "identity" and not keep_identity:
            raise CxError(f"{source}: column '{col.key}' identifies respondents; it is copied only with --keep-identity "
                          "(culture surveys promise anonymity)")
        keep.append((col, rename or col.key))
    kept_idx = {c.index for c, _ in keep}
    for col in layout.columns:
        if col.index in kept_idx or col.index in matches:
            continue
        if col.kind == "identity" and keep_identity:
            keep.append((col, col.key))
        elif all_attributes and col.kind == "question":
            keep.append((col, col.key))
    names = [n for _, n in keep]
    for n in set(names):
        if names.count(n) > 1 or n.lower() in ("respondent_id", "item_id", "value", "status"):
            raise CxError(f"{source}: attribute name '{n}' is used twice or clashes with the responses columns; "
                          "rename it with --attribute 'COLUMN=new_name'")
    report.attributes = names
    attr_name = {c.index: n for c, n in keep}

    for col in layout.columns:
        if col.index in matches:
            m = matches[col.index]
            how = {"mapping": "mapping file", "id": "item id", "text": "statement text"}[m.how]
            report.columns.append(ColumnReport(col.letter, col.key, "item", f"{m.item_id} (by {how})"))
        elif col.index in attr_name:
            extra = f"as '{attr_name[col.index]}'" if attr_name[col.index] != col.key else ""
            use = "attribute (identity, --keep-identity)" if col.kind == "identity" else "attribute"
            report.columns.append(ColumnReport(col.letter, col.key, use, extra))
        elif col.kind == "respondent_id":
            report.columns.append(ColumnReport(col.letter, col.key, "respondent id"))
        elif col.kind == "identity":
            report.columns.append(ColumnReport(col.letter, col.key, "not copied (identifies respondents)"))
        elif col.kind == "metadata":
            report.columns.append(ColumnReport(col.letter, col.key, "ignored (survey tool metadata)"))
        elif col.index in layout.ignored_by_mapping:
            report.columns.append(ColumnReport(col.letter, col.key, "ignored (mapping file)"))
        else:
            report.columns.append(ColumnReport(col.letter, col.key, "unmatched (ignored)",
                                               "no item id or statement matches; see --suggest-mapping"))
    used_items = {m.item_id for m in matches.values()}
    report.missing_items = [i for i in q.item_ids if i not in used_items]
    if not matches:
        raise SurveyImportError(
            f"{source}: no column matches an item of questionnaire '{q.id}' (by item id or statement text). "
            "Write a mapping file with --suggest-mapping, edit it, and pass it with --mapping.", report)

    # rows -> long table: read each distinct cell text once, then spread the readings back
    import numpy as np

    reader = ValueReader(q)
    item_cols = sorted(matches, key=lambda i: q.item_ids.index(matches[i].item_id))
    id_key = layout.columns[layout.id_column].key if layout.id_column is not None else None
    seen_ids: dict[str, int] = {}
    ids: list[str] = []
    kept: list[tuple[int, list[str]]] = []
    repeats = exact_repeats(layout)
    for n, cells in layout.data:
        if n in repeats:
            report.rows_left_out.add(n)
            report.problems.append(Problem(source, n, None, f"repeats row {repeats[n]} exactly (same respondent, "
                                                            f"same answers: one submission twice); {NOT_IMPORTED}"))
            continue
        rid = cells[layout.id_column].strip() if layout.id_column is not None else ""
        if not rid:
            rid = f"R{n}"
            if layout.id_column is not None:
                report.notes.append(f"row {n}: the respondent id is empty; called it {rid}")
        if rid in seen_ids:
            report.rows_left_out.add(n)
            report.problems.append(Problem(source, n, id_key, f"respondent '{rid}' appears again "
                                                              f"(first in row {seen_ids[rid]}); {NOT_IMPORTED}"))
            continue
        seen_ids[rid] = n
        ids.append(rid)
        kept.append((n, cells))
    k = len(item_cols)
    grid = np.array([[cells[i] for i in item_cols] for _, cells in kept], dtype=str).reshape(len(kept), k)
    inverse, uniq = pd.factorize(grid.ravel())
    reads = [reader.read(u) for u in uniq]
    status = np.array([r.status for r in reads] or [""], dtype=object)[: len(reads)]
    out = np.array([int(r.value) if r.status == "answered" else q.scale.dont_know if r.status == "dont_know" else ""  # type: ignore[arg-type]
                    for r in reads], dtype=object)
    counts = np.bincount(inverse, minlength=len(uniq))
    report.answers = int(counts[status == "answered"].sum())
    report.dont_know = int(counts[status == "dont_know"].sum())
    report.blank = int(counts[status == "blank"].sum())
    readings: Counter[tuple[str, str]] = Counter()
    for text, r, c in zip(uniq, reads, counts):
        if c and r.status in ("answered", "dont_know") and r.how != "number":
            shown = "don't know (missing)" if r.status == "dont_know" else (
                f"{int(r.value)} ({q.scale.labels[int(r.value)]}){', variant' if r.how == 'variant' else ''}")  # type: ignore[arg-type]
            readings[(" ".join(str(text).split()), shown)] += int(c)
    for pos in np.flatnonzero(status[inverse] == "invalid") if len(reads) else []:
        row, col = divmod(int(pos), k)
        report.problems.append(Problem(source, kept[row][0], layout.columns[item_cols[col]].key, reads[inverse[pos]].how))
    report.problems.sort(key=lambda p: p.row or 0)
    frame = pd.DataFrame({
        "respondent_id": np.repeat(np.array(ids, dtype=object), k),
        "item_id": np.tile(np.array([matches[i].item_id for i in item_cols], dtype=object), len(ids)),
        "value": out[inverse] if len(reads) else np.array([], dtype=object),
    })
    for i, name in attr_name.items():
        frame[name] = np.repeat(np.array([cells[i].strip() for _, cells in kept], dtype=object), k)
    report.readings = sorted(((t, a, c) for (t, a), c in readings.items()), key=lambda x: (x[1], x[0]))
    report.respondents = len(seen_ids)
    if report.missing_items:
        report.notes.append(f"{len(report.missing_items)} item(s) of '{q.id}' have no column in the export; "
                            "they are left out, not scored as blank")
    if frame.empty:
        raise SurveyImportError(f"{source}: no answer rows in the export (after the header rows"
                                + (" and dropped rows" if report.dropped_rows else "") + ")", report)
    if report.problems and on_error == "raise":
        raise SurveyImportError(format_problems(
            str(source), report.problems, _problems_headline(report),
            "Fix the export (or the questionnaire's scale labels), or import the rest with --on-error skip "
            "(the values listed are then left blank, the rows listed left out)."), report)
    rows_out = len(report.rows_left_out)
    if rows_out:
        report.notes.append(f"{rows_out} repeated row(s) were not imported (--on-error skip)")
    if len(report.problems) > rows_out:
        report.notes.append(f"{len(report.problems) - rows_out} value(s) not understood were left blank (--on-error skip)")
    return ImportResult(frame, report)


def report_path(out: str | Path) -> Path:
    """Where the import report goes: beside the output, ``responses.csv`` -> ``responses.import-report.txt``."""
    out = Path(out)
    return out.with_name(out.stem + ".import-report.txt")


def check_output_path(out: str | Path) -> Path:
    """The output path if it can be written (.csv or .xlsx in an existing folder), else a clear error."""
    out = Path(out)
    if out.suffix.lower() not in (".csv", ".xlsx", ""):
        raise CxError(f"{out}: write the imported responses as .csv or .xlsx")
    if not out.parent.is_dir():
        raise CxError(f"{out}: the folder {out.parent} does not exist")
    if out.is_dir():
        raise CxError(f"{out}: is a folder; give a file name such as responses.csv")
    return out


def write_import(result: ImportResult, out: str | Path) -> tuple[Path, Path]:
    """Write the long responses (CSV, or Excel for .xlsx) and the import report beside them."""
    from cxassess._util.safe import neutralise_frame

    out = check_output_path(out)
    safe = neutralise_frame(result.frame)
    tmp = out.with_name(out.name + ".part")
    try:
        if out.suffix.lower() == ".xlsx":
            safe.to_excel(tmp, index=False, engine="openpyxl")
        else:
            safe.to_csv(tmp, index=False)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    rp = report_path(out)
    rp.write_text(result.report.to_text(), encoding="utf-8")
    return out, rp


# --------------------------------------------------------------------------------------
# used by cxassess.io.responses.read_responses: exports read directly by report and batch
# --------------------------------------------------------------------------------------
def read_export_responses(path: str | Path, questionnaire: Questionnaire | str | Path | None = None,
                          on_error: OnError = "raise") -> "Responses":
    """Read a survey export as :class:`~cxassess.io.responses.Responses` (every non-identity question kept as an attribute)."""
    from cxassess.errors import ResponsesError
    from cxassess.io.responses import responses_from_frame

    q = as_questionnaire(questionnaire)
    try:
        result = import_export(path, q, on_error="skip", all_attributes=True)
    except CxError as exc:
        hint = ""
        if "mapping" in str(exc):
            hint = (f"\nA mapping file is given to the import command: cxassess import {path} --mapping MAPPING.csv "
                    "--out responses.csv; then use responses.csv.")
        raise CxError(f"{exc}{hint}") from None
    report = result.report
    if report.problems and on_error == "raise":
        raise ResponsesError(str(path), report.problems)
    responses = responses_from_frame(result.frame, q, source=str(path), on_error=on_error)
    responses.layout = f"{FORMAT_NAMES[report.format]} export"
    responses.notes[:0] = [f"read as {report.detection}", *report.notes]
    responses.errors[:0] = report.problems
    if report.attributes:
        responses.notes.append(f"question columns kept as respondent attributes: {', '.join(report.attributes)}")
    return responses
