"""Import answers from survey-tool exports: Qualtrics, SurveyMonkey, Google Forms, Microsoft Forms.

Each tool writes its own layout (extra header rows, metadata columns, matrix questions spread over
several columns). :mod:`cxassess.io.layouts` understands those layouts, :mod:`cxassess.io.matching`
matches columns to the questionnaire's items, and this module turns the answer rows into the long
responses format (``respondent_id, item_id, value`` plus respondent attributes) that
:func:`cxassess.io.read.read_responses` and ``cxassess validate`` accept, with its
:class:`~cxassess.io.import_report.ImportReport` (:mod:`cxassess.io.import_output` writes both).

Nothing is guessed silently: the :class:`ImportReport` lists every column (used, ignored,
unmatched), every row dropped and every value that could not be understood, with row and column.
Respondent identity columns (email, name, IP address, ...) are never copied unless asked for.

Decisions worth knowing:

* Column matching, strongest first: an explicit mapping file entry (``column,item_id``; it
  overrides automatic matches for the columns it names, and a blank item id means "ignore this
  column"), then the item id where the tool kept it (column name ``LEAD1`` or ``Q7_LEAD1``, or a
  statement starting ``LEAD1.``/``[LEAD1]``), then the statement text, compared with case,
  whitespace and punctuation normalised; a column whose text after a stem separator is the
  statement matches too (Qualtrics ``Stem - Statement``, Google Forms ``Question [Statement]``,
  Microsoft Forms ``Question.Statement``), but a short statement never matches the end of a longer
  sentence. Two columns claiming one item at the same strength is an error, not a coin toss.
* Answer labels: the scale's own labels, case-insensitive. Common variants count as the label of
  the same meaning ("Neutral" = "Neither agree nor disagree", "Completely agree" = "Strongly
  agree"). "Somewhat agree" / "Tend to agree" / "Mostly agree" count as "Agree" (and the same for
  disagree) because the five-point templates of these tools put them in that place; on a scale
  that has its own label for them (e.g. seven points), the scale's label wins and the loose
  variants are not used. Every label read through a variant is listed in the report.
* Numbers pass through when they are whole points of the scale; "4 - Agree" or "Agree (4)" are
  read when number and label agree. Other values are "not understood": an error by default, or
  left blank and listed with ``on_error="skip"``.
* "Don't know", "N/A", "Not applicable", "Not sure", "Prefer not to say", and the numbers the
  questionnaire lists as ``scale.dont_know_codes`` (e.g. ``[-1, 6]`` for a tool's "no basis to
  judge" code), are recorded as the scale's don't-know answer (missing, never a low score).
* A Google Forms row with only its Timestamp filled is an empty submission (often a double click,
  two in the same second): it is left out and listed, and does not stop the import.
* A failed import writes its report too, and that report says nothing was imported.
* A row identical in every column to an earlier one, identity fields (respondent id, email,
  name, timestamp...) included, is the same submission twice: a problem ("repeats row 3 exactly"),
  so the import stops, or with ``on_error="skip"`` the repeat is not imported and is listed. Identity
  columns are not copied, so nothing later could tell the double count. Rows alike only in their
  answers are different people and are kept; without any identity field nobody can tell, so they
  are kept too. A respondent id seen twice with different answers is a problem as well (the rule of
  :mod:`cxassess.io.respondents`): the first row is imported, the later ones are not.
* Row numbers are spreadsheet rows: the first header row is row 1.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxassess.errors import (
    CxError,
    OnError,
    Problem,
    ResponsesError,
    SurveyImportError,
    check_on_error,
    format_problems,
)
from cxassess.io.import_output import ImportResult, check_output_path, report_path, write_import
from cxassess.io.import_report import NOT_IMPORTED, ColumnReport, ImportReport, problems_headline
from cxassess.io.layouts import (
    FORMAT_NAMES,
    FORMATS,
    GOOGLE_TIMESTAMPS,
    Column,
    Layout,
    is_identity,
    read_layout,
    recognise,
    recognise_file,
)
from cxassess.io.matching import (
    Match,
    find_column,
    match_columns,
    open_text_columns,
    read_mapping,
    suggest_mapping,
    write_mapping_suggestion,
)
from cxassess.io.respondents import repeated_respondents
from cxassess.io.responses import Responses, responses_from_frame
from cxassess.io.tables import RawTable, column_letter, read_raw
from cxassess.io.values import Reading, ValueReader, normalise_text
from cxassess.questionnaire.model import Questionnaire, as_questionnaire

__all__ = [
    "FORMATS", "FORMAT_NAMES", "Column", "ColumnReport", "ImportReport", "ImportResult", "Layout", "Match", "RawTable",
    "Reading", "SurveyImportError", "ValueReader", "check_output_path", "column_letter", "exact_repeats",
    "import_export", "is_identity", "match_columns", "normalise_text", "read_export_responses", "read_layout",
    "read_mapping", "read_raw", "recognise", "recognise_file", "report_path", "suggest_mapping", "write_import",
    "write_mapping_suggestion",
]


# --------------------------------------------------------------------------------------
# rows: the same submission twice, the same respondent twice
# --------------------------------------------------------------------------------------
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


def _respondent_rows(layout: Layout, report: ImportReport, source: str
                     ) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(respondent ids, rows) to import: a row repeating an earlier one exactly, and every later row of a
    respondent id already seen, are problems and left out (the first row of a repeated id is kept)."""
    repeats = exact_repeats(layout)
    ids: list[str] = []
    rows: list[tuple[int, list[str]]] = []
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
        ids.append(rid)
        rows.append((n, cells))
    id_key = layout.columns[layout.id_column].key if layout.id_column is not None else None
    _, twice = repeated_respondents(ids, [n for n, _ in rows])
    later: set[int] = set()
    for repeat in twice:
        message = repeat.message(NOT_IMPORTED)
        for n in repeat.rows[1:]:
            later.add(n)
            report.rows_left_out.add(n)
            report.problems.append(Problem(source, n, id_key, message))
    keep = [k for k, (n, _) in enumerate(rows) if n not in later]
    return [ids[k] for k in keep], [rows[k] for k in keep]


# --------------------------------------------------------------------------------------
# the import
# --------------------------------------------------------------------------------------
def _attribute_specs(specs: Iterable[str]) -> list[tuple[str, str | None]]:
    out = []
    for s in specs:
        name, _, rename = str(s).partition("=")
        out.append((name.strip(), rename.strip() or None))
    return out


def _unfinished(layout: Layout, report: ImportReport, finished_only: bool) -> None:
    """Note (or with ``finished_only`` drop) Qualtrics responses not marked Finished."""
    unfinished = layout.unfinished
    if finished_only and layout.format != "qualtrics":
        report.notes.append(f"--finished-only has no effect: {FORMAT_NAMES[layout.format]} exports do not mark "
                            "finished responses")
    if unfinished:
        rows = ", ".join(map(str, unfinished[:20])) + (" ..." if len(unfinished) > 20 else "")
        if finished_only:
            drop = set(unfinished)
            report.dropped_rows += [(n, "not finished (--finished-only)") for n in unfinished]
            layout.data = [(n, c) for n, c in layout.data if n not in drop]
            report.notes.append(f"dropped {len(unfinished)} unfinished response(s) (rows {rows})")
        else:
            report.notes.append(f"kept {len(unfinished)} unfinished response(s) (rows {rows}); "
                                "drop them with --finished-only")
    report.dropped_rows.sort()


def _attribute_columns(layout: Layout, matches: dict[int, Match], attributes: Sequence[str], keep_identity: bool,
                       all_attributes: bool, path: Path) -> dict[int, str]:
    """Column position -> attribute name, for the columns kept as respondent attributes."""
    source = str(path)
    keep: list[tuple[Column, str]] = []
    for name, rename in _attribute_specs(attributes):
        col = find_column(name, layout.columns, "attribute", path)
        if col.index in matches:
            raise CxError(f"{source}: attribute column '{col.key}' holds the answers to item "
                          f"{matches[col.index].item_id}; it cannot also be an attribute")
        if col.kind == "identity" and not keep_identity:
            raise CxError(f"{source}: column '{col.key}' identifies respondents; it is copied only with "
                          "--keep-identity (culture surveys promise anonymity)")
        keep.append((col, rename or col.key))
    kept_idx = {c.index for c, _ in keep}
    for col in layout.columns:
        if col.index in kept_idx or col.index in matches or _headerless(col):  # whose answers? never an attribute
            continue
        if (col.kind == "identity" and keep_identity) or (all_attributes and col.kind == "question"):
            keep.append((col, col.key))
    names = [n for _, n in keep]
    for n in set(names):
        if names.count(n) > 1 or n.lower() in ("respondent_id", "item_id", "value", "status"):
            raise CxError(f"{source}: attribute name '{n}' is used twice or clashes with the responses columns; "
                          "rename it with --attribute 'COLUMN=new_name'")
    return {c.index: n for c, n in keep}


def _headerless(col: Column) -> bool:
    """A column whose header cell is empty (in a workbook, often the second cell of a merged header)."""
    return col.key == f"column {col.letter}" and not any(t.strip() for t in col.texts)


def _headerless_notes(layout: Layout, matches: dict[int, Match], attr_name: dict[int, str]) -> dict[int, int]:
    """Column -> how many values it holds, for the columns with no header that nothing imports."""
    filled = {}
    for col in layout.columns:
        if _headerless(col) and col.index not in matches and col.index not in attr_name:
            count = sum(bool(cells[col.index].strip()) for _, cells in layout.data if col.index < len(cells))
            if count:
                filled[col.index] = count
    return filled


def _column_report(col: Column, layout: Layout, matches: dict[int, Match], attr_name: dict[int, str],
                   headerless: dict[int, int]) -> ColumnReport:
    if col.index in matches:
        m = matches[col.index]
        how = {"mapping": "mapping file", "id": "item id", "text": "statement text"}[m.how]
        return ColumnReport(col.letter, col.key, "item", f"{m.item_id} (by {how})")
    if col.index in attr_name:
        extra = f"as '{attr_name[col.index]}'" if attr_name[col.index] != col.key else ""
        use = "attribute (identity, --keep-identity)" if col.kind == "identity" else "attribute"
        return ColumnReport(col.letter, col.key, use, extra)
    if col.kind == "respondent_id":
        return ColumnReport(col.letter, col.key, "respondent id")
    if col.kind == "identity":
        return ColumnReport(col.letter, col.key, "not copied (identifies respondents)")
    if col.kind == "metadata":
        return ColumnReport(col.letter, col.key, "ignored (survey tool metadata)")
    if col.index in layout.ignored_by_mapping:
        return ColumnReport(col.letter, col.key, "ignored (mapping file)")
    if col.index in headerless:
        return ColumnReport(col.letter, col.key, "unmatched (ignored)",
                            f"no header (a merged or deleted header cell?), yet {headerless[col.index]} value(s): "
                            f"name it by its letter in a mapping file ({col.letter},ITEM_ID)")
    return ColumnReport(col.letter, col.key, "unmatched (ignored)",
                        "no item id or statement matches; see --suggest-mapping")


def _long_frame(layout: Layout, q: Questionnaire, matches: dict[int, Match], attr_name: dict[int, str],
                ids: list[str], kept: list[tuple[int, list[str]]], report: ImportReport) -> pd.DataFrame:
    """The rows as a long table: each distinct cell text is read once, then the readings spread back."""
    source = report.source
    reader = ValueReader(q)
    item_cols = sorted(matches, key=lambda i: q.item_ids.index(matches[i].item_id))
    k = len(item_cols)
    # object cells: a fixed-width str grid is as wide as the longest cell (one 130,000-character cell -> 200 GiB)
    grid = np.array([[cells[i] for i in item_cols] for _, cells in kept], dtype=object).reshape(len(kept), k)
    inverse, uniq = pd.factorize(grid.ravel())
    reads = [reader.read(u) for u in uniq]
    status = np.array([r.status for r in reads] or [""], dtype=object)[: len(reads)]
    out = np.array([_written(r, q) for r in reads], dtype=object)
    counts = np.bincount(inverse, minlength=len(uniq))
    report.answers = int(counts[status == "answered"].sum())
    report.dont_know = int(counts[status == "dont_know"].sum())
    report.blank = int(counts[status == "blank"].sum())
    readings: Counter[tuple[str, str]] = Counter()
    for text, r, c in zip(uniq, reads, counts, strict=True):
        if c and r.status in ("answered", "dont_know") and r.how != "number":
            shown = "don't know (missing)" if r.status == "dont_know" else (
                f"{int(r.value or 0)} ({q.scale.labels[int(r.value or 0)]}){', variant' if r.how == 'variant' else ''}")
            readings[(" ".join(str(text).split()), shown)] += int(c)
    for pos in np.flatnonzero(status[inverse] == "invalid") if len(reads) else []:
        row, at = divmod(int(pos), k)
        column = layout.columns[item_cols[at]].key
        report.problems.append(Problem(source, kept[row][0], column, reads[inverse[pos]].how))
    report.readings = sorted(((t, a, c) for (t, a), c in readings.items()), key=lambda x: (x[1], x[0]))
    frame = pd.DataFrame({
        "respondent_id": np.repeat(np.array(ids, dtype=object), k),
        "item_id": np.tile(np.array([matches[i].item_id for i in item_cols], dtype=object), len(ids)),
        "value": out[inverse] if len(reads) else np.array([], dtype=object),
    })
    for i, name in attr_name.items():
        frame[name] = np.repeat(np.array([cells[i].strip() for _, cells in kept], dtype=object), k)
    return frame


def _open_text_rows(open_cols: dict[int, str], attr_name: dict[int, str], ids: list[str],
                    kept: list[tuple[int, list[str]]]) -> pd.DataFrame:
    """The open-text answers as long rows (``item_id`` the open question's id, ``value`` the words)."""
    parts = []
    for i, qid in open_cols.items():
        part = pd.DataFrame({"respondent_id": ids, "item_id": qid, "value": [cells[i].strip() for _, cells in kept]})
        for j, name in attr_name.items():
            part[name] = [cells[j].strip() for _, cells in kept]
        parts.append(part.loc[part["value"] != ""])
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _written(r: Reading, q: Questionnaire) -> Any:
    """How a reading is written in the long table: the scale point, the don't-know label, or blank."""
    if r.status == "answered" and r.value is not None:
        return int(r.value)
    return q.scale.dont_know if r.status == "dont_know" else ""


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
        report.notes.append("dropped " + ", ".join(f"{n} {re.sub(r'^an? ', '', k)} row(s)" for k, n in kinds.items()))
    _unfinished(layout, report, finished_only)

    open_cols = open_text_columns(layout.columns, q, matches)  # open questions: words, kept as comments
    attr_name = {i: n for i, n in _attribute_columns(layout, matches, attributes, keep_identity, all_attributes,
                                                     path).items() if i not in open_cols}
    report.attributes = list(attr_name.values())
    headerless = _headerless_notes(layout, matches, attr_name)
    report.notes += [f"{layout.columns[i].key} has no header but holds {n} value(s); they are not imported"
                     for i, n in headerless.items() if i not in open_cols]
    report.columns = [ColumnReport(col.letter, col.key, "open text", open_cols[col.index]) if col.index in open_cols
                      else _column_report(col, layout, matches, attr_name, headerless) for col in layout.columns]
    used_items = {m.item_id for m in matches.values()}
    report.missing_items = [i for i in q.item_ids if i not in used_items]
    if not matches:
        report.stopped = "no column matches an item of the questionnaire"
        raise SurveyImportError(
            f"{source}: no column matches an item of questionnaire '{q.id}' (by item id or statement text). "
            "Write a mapping file with --suggest-mapping, edit it, and pass it with --mapping.", report)

    ids, kept = _respondent_rows(layout, report, source)
    frame = _long_frame(layout, q, matches, attr_name, ids, kept, report)
    frame = pd.concat([frame, _open_text_rows(open_cols, attr_name, ids, kept)], ignore_index=True)
    report.problems.sort(key=lambda p: p.row or 0)
    report.respondents = len(ids)
    if report.missing_items:
        report.notes.append(f"{len(report.missing_items)} item(s) of '{q.id}' have no column in the export; "
                            "they are left out, not scored as blank")
    if frame.empty:
        report.stopped = "no answer rows in the export"
        raise SurveyImportError(f"{source}: no answer rows in the export (after the header rows"
                                + (" and dropped rows" if report.dropped_rows else "") + ")", report)
    if report.problems and on_error == "raise":
        report.stopped = problems_headline(report).removesuffix("; nothing was imported.")
        raise SurveyImportError(format_problems(
            str(source), report.problems, problems_headline(report),
            "Fix the export (or the questionnaire's scale labels), or import the rest with --on-error skip "
            "(the values listed are then left blank, the rows listed left out)."), report)
    rows_out = len(report.rows_left_out)
    if rows_out:
        report.notes.append(f"{rows_out} repeated row(s) were not imported (--on-error skip)")
    if len(report.problems) > rows_out:
        report.notes.append(f"{len(report.problems) - rows_out} value(s) not understood were left blank "
                            "(--on-error skip)")
    return ImportResult(frame, report)


# --------------------------------------------------------------------------------------
# exports read directly (by report and batch, through cxassess.io.read.read_responses)
# --------------------------------------------------------------------------------------
def read_export_responses(path: str | Path, questionnaire: Questionnaire | str | Path | None = None,
                          on_error: OnError = "raise") -> Responses:
    """Read a survey export as :class:`~cxassess.io.responses.Responses` (every non-identity question kept
    as an attribute)."""
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
