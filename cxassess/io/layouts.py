"""Understand survey-tool exports as the tools write them: each tool's header rows and columns.

The rows come from :func:`cxassess.io.tables.read_raw` (the same file rules as every other reader).

Qualtrics CSV (short names, question text, ImportId rows; "Survey Preview" and "Survey Test"
responses dropped; unfinished responses marked), SurveyMonkey CSV/XLSX (question text over a row of
answer or matrix-row labels), Google Forms CSV (``Timestamp``, grids as ``Question [Row]``) and
Microsoft Forms XLSX (``ID, Start time, Completion time, Email, Name``). Each column is classified
as a question, tool metadata, the respondent id or an identity column (email, name, IP address...).
Row numbers are spreadsheet rows: the first header row is row 1.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from cxassess.errors import CxError
from cxassess.io.tables import RawTable, column_letter, first_rows, read_raw
from cxassess.io.values import normalise_text

__all__ = [
    "FORMATS", "FORMAT_NAMES", "GOOGLE_TIMESTAMPS", "Column", "Layout", "is_identity", "read_layout", "recognise",
    "recognise_file",
]

FORMATS = ("qualtrics", "surveymonkey", "google-forms", "microsoft-forms")
FORMAT_NAMES = {
    "qualtrics": "Qualtrics",
    "surveymonkey": "SurveyMonkey",
    "google-forms": "Google Forms",
    "microsoft-forms": "Microsoft Forms",
}


# --------------------------------------------------------------------------------------
# layouts
# --------------------------------------------------------------------------------------
@dataclass
class Column:
    """One column of the export: where it is, what it is called and the texts to match statements on."""

    index: int
    key: str  # unique name: used in the report, in mapping files and by --attribute
    texts: list[str]  # question text(s) shown to respondents
    kind: str = "question"  # question | metadata | identity | respondent_id

    @property
    def letter(self) -> str:
        return column_letter(self.index)


@dataclass
class Layout:
    """An export understood: its columns, its answer rows and the rows it dropped."""

    format: str
    detection: str
    columns: list[Column]
    data: list[tuple[int, list[str]]]  # (spreadsheet row, cells)
    id_column: int | None
    dropped: list[tuple[int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unfinished: list[int] = field(default_factory=list)  # Qualtrics rows not marked Finished
    ignored_by_mapping: set[int] = field(default_factory=set)


_IDENTITY_EXACT = {
    "name", "full name", "first name", "last name", "email", "e mail", "email address", "ip address", "ipaddress",
    "recipientemail", "recipientfirstname", "recipientlastname", "externalreference", "external reference",
    "external data reference", "locationlatitude", "locationlongitude", "responder", "respondent",
}
_IDENTITY_RE = re.compile(
    r"\b(e ?mail|email address|ip ?address|phone|telephone|mobile number|latitude|longitude|"
    r"(your|first|last|full|respondent|employee|participant|recipient) name|custom data \d*)\b"
)


def is_identity(name: str) -> bool:
    """True for columns that identify a respondent (email, name, IP address, location, phone).

    Short headers only ("Email", "What is your email address?"): a long statement that happens to
    mention a phone or an email is a question, not an identity column.
    """
    norm = normalise_text(name)
    if norm in _IDENTITY_EXACT or norm.startswith("recipient"):
        return True
    return len(norm.split()) <= 6 and bool(_IDENTITY_RE.search(norm))


_QUALTRICS_META = {
    "startdate", "enddate", "status", "progress", "duration in seconds", "finished", "recordeddate",
    "distributionchannel", "userlanguage", "q recaptchascore", "q relevantidduplicate",
    "q relevantidduplicatescore", "q relevantidfraudscore", "q relevantidlaststartdate", "q ballotboxstuffing",
}
_SURVEYMONKEY_META = {"collector id", "start date", "end date"}
GOOGLE_TIMESTAMPS = {"timestamp", "marca temporal", "horodateur", "zeitstempel", "informazioni cronologiche",
                      "carimbo de data hora", "tijdstempel"}
_GOOGLE_META = GOOGLE_TIMESTAMPS | {"score", "total score"}
_MSFORMS_META = {"id", "start time", "completion time", "last modified time", "total points", "quiz feedback",
                 "grade posted time"}


def _classify(col: Column, meta: set[str]) -> Column:
    norm = normalise_text(col.key)
    if is_identity(col.key):
        col.kind = "identity"
    elif norm in meta or norm.startswith(("points ", "feedback ")):
        col.kind = "metadata"
    return col


def _unique_keys(columns: list[Column]) -> list[Column]:
    """Disambiguate repeated names ("Comments", "Comments #2") so each column has its own key."""
    seen: Counter[str] = Counter()
    for c in columns:
        if not c.key:
            c.key = f"column {c.letter}"
        seen[c.key] += 1
        if seen[c.key] > 1:
            c.key = f"{c.key} #{seen[c.key]}"
    return columns


def recognise(rows: list[list[str]]) -> tuple[str, str] | None:
    """``(format, why)`` when the first rows carry a survey tool's signature, else None."""
    if not rows:
        return None
    head = [normalise_text(c) for c in rows[0]]
    if "responseid" in head and ("finished" in head or "status" in head):
        third = rows[2] if len(rows) > 2 else []
        has_import = any(c.strip().startswith("{") and "importid" in c.lower() for c in third)
        why = "ResponseId and Finished/Status columns" + (", ImportId row" if has_import else "")
        return "qualtrics", why
    if "respondent id" in head and "collector id" in head:
        return "surveymonkey", "Respondent ID and Collector ID columns over a second header row"
    if head[:3] == ["id", "start time", "completion time"]:
        return "microsoft-forms", "ID, Start time and Completion time columns"
    if head and head[0] in GOOGLE_TIMESTAMPS and not {"respondent id", "response id", "responseid"} & set(head):
        return "google-forms", f"first column '{rows[0][0]}'"
    return None


def _truthy(cell: str) -> bool:
    return cell.strip().lower() in ("true", "1", "yes")


def _layout_qualtrics(raw: RawTable, why: str) -> Layout:
    names, rows = raw.rows[0], raw.rows
    low = [normalise_text(n) for n in names]
    second = rows[1][low.index("responseid")] if len(rows) > 1 and "responseid" in low else ""
    if len(rows) < 2 or (second and normalise_text(second) not in ("response id", "responseid")):
        # someone deleted the question-text and ImportId rows: row 2 already holds a response
        texts, header_rows = [""] * len(names), 1
        notes = [f"one header row (row {raw.row_numbers[0]}): the question-text row is missing, so columns match "
                 "items by item id or the mapping file only"]
    else:
        texts, header_rows = rows[1], 2
        if len(rows) > 2 and any(c.startswith("{") and "importid" in c.lower() for c in rows[2]):
            header_rows = 3
        notes = [f"header rows: short names (row {raw.row_numbers[0]}), question text (row {raw.row_numbers[1]})"
                 + (f", ImportId tags (row {raw.row_numbers[2]})" if header_rows == 3 else "; no ImportId row")]
    columns = []
    id_col = None
    for i, name in enumerate(names):
        col = _classify(Column(i, name, [texts[i]] if texts[i] else []), _QUALTRICS_META)
        if normalise_text(name) == "responseid":
            col.kind, id_col = "respondent_id", i
        columns.append(col)
    status = low.index("status") if "status" in low else None
    finished = low.index("finished") if "finished" in low else None
    layout = Layout("qualtrics", f"Qualtrics CSV ({why})", _unique_keys(columns), [], id_col, notes=notes)
    if status is None:
        layout.notes.append("no Status column: 'Survey Preview' and 'Survey Test' responses cannot be recognised "
                            "and are kept")
    if finished is None:
        layout.notes.append("no Finished column: unfinished responses cannot be recognised and are kept")
    for n, cells in zip(raw.row_numbers[header_rows:], rows[header_rows:], strict=True):
        st = cells[status].strip() if status is not None else ""
        if st.lower() in ("survey preview", "1"):
            layout.dropped.append((n, "a 'Survey Preview' response (a test run, not a participant)"))
            continue
        if st.lower() in ("survey test", "2"):
            layout.dropped.append((n, "a 'Survey Test' response (generated test data)"))
            continue
        layout.data.append((n, cells))
    if finished is not None:
        layout.unfinished = [n for n, cells in layout.data if not _truthy(cells[finished])]
    return layout


def _layout_surveymonkey(raw: RawTable, why: str) -> Layout:
    top = raw.rows[0]
    rid = [normalise_text(t) for t in top].index("respondent id")
    if len(raw.rows) < 2 or raw.rows[1][rid].strip():
        # the second header row was deleted: row 2 already holds a response
        layout = _layout_single_header(raw, "surveymonkey", why)
        layout.notes = [f"one header row (row {raw.row_numbers[0]}): the second header row (answer and matrix-row "
                        "labels) is missing; matrix columns match only by item id or the mapping file"]
        return layout
    sub = raw.rows[1]
    columns = []
    id_col = None
    question = ""
    for i, (t, s) in enumerate(zip(top, sub, strict=True)):
        if t:
            question = t
        label = s.strip()
        if label.lower() in ("", "response", "open-ended response"):
            col = Column(i, question, [question])
        else:
            col = Column(i, f"{question} - {label}", [label, f"{question} {label}"])
        if t and not label:  # metadata columns have no second-row label
            col = _classify(col, _SURVEYMONKEY_META)
        elif is_identity(question):
            col.kind = "identity"
        if normalise_text(t) == "respondent id":
            col.kind, id_col = "respondent_id", i
        columns.append(col)
    notes = [f"header rows: question text (row {raw.row_numbers[0]}), answer or matrix-row labels "
             f"(row {raw.row_numbers[1]})"]
    return Layout("surveymonkey", f"SurveyMonkey export ({why})", _unique_keys(columns),
                  list(zip(raw.row_numbers[2:], raw.rows[2:], strict=True)), id_col, notes=notes)


def _layout_single_header(raw: RawTable, fmt: str, why: str) -> Layout:
    meta = {"google-forms": _GOOGLE_META, "microsoft-forms": _MSFORMS_META, "surveymonkey": _SURVEYMONKEY_META}[fmt]
    id_name = {"google-forms": None, "microsoft-forms": "id", "surveymonkey": "respondent id"}[fmt]
    columns = []
    id_col = None
    for i, name in enumerate(raw.rows[0]):
        col = _classify(Column(i, name, [name]), meta)
        if id_col is None and normalise_text(name) == id_name:
            col.kind, id_col = "respondent_id", i
        columns.append(col)
    label = {"google-forms": "Google Forms CSV", "microsoft-forms": "Microsoft Forms export",
             "surveymonkey": "SurveyMonkey export"}[fmt]
    return Layout(fmt, f"{label} ({why})", _unique_keys(columns),
                  list(zip(raw.row_numbers[1:], raw.rows[1:], strict=True)), id_col,
                  notes=[f"header row: question text (row {raw.row_numbers[0]})"])


_EXPECTED = {
    "qualtrics": "a first header row with ResponseId and Finished (or Status), then a question-text row "
                 "and usually an ImportId row",
    "surveymonkey": "a first header row with Respondent ID and Collector ID, then a second header row",
    "google-forms": "a single header row starting with Timestamp",
    "microsoft-forms": "a single header row starting ID, Start time, Completion time",
}


def read_layout(path: str | Path, source_format: str = "auto", raw: RawTable | None = None) -> Layout:
    """Read an export and understand its layout; ``auto`` recognises the tool and says which."""
    raw = raw or read_raw(path)
    fmt = source_format.lower().replace("_", "-")
    if fmt not in ("auto", *FORMATS):
        raise CxError(f"unknown survey tool '{source_format}': choose one of auto, {', '.join(FORMATS)}")
    found = recognise(raw.rows)
    if fmt == "auto":
        if found is None:
            expected = "; ".join(f"{FORMAT_NAMES[f]}: {e}" for f, e in _EXPECTED.items())
            raise CxError(
                f"{raw.path}: cannot tell which survey tool wrote this file (first columns: "
                f"{', '.join(raw.rows[0][:6])}). Expected one of - {expected}. Name the tool with --from, "
                "or, for a file already in the long or wide responses layout, use it directly."
            )
        fmt, why = found
        why = "auto-detected: " + why
    else:
        head = {normalise_text(c) for c in raw.rows[0]}
        third = raw.rows[2] if len(raw.rows) > 2 else []
        if found is not None and found[0] == fmt:
            why = f"as asked; {found[1]}"
        elif fmt == "qualtrics" and ("responseid" in head or any("importid" in c.lower() for c in third)):
            why = "as asked; some of the usual metadata columns are missing"
        elif fmt == "surveymonkey" and "respondent id" in head:
            why = "as asked; some of the usual metadata columns are missing"
        elif fmt in ("qualtrics", "surveymonkey"):
            raise CxError(f"{raw.path}: does not look like a {FORMAT_NAMES[fmt]} export: expected {_EXPECTED[fmt]}; "
                          f"found first columns {', '.join(raw.rows[0][:6])}")
        else:
            why = f"as asked; note: expected {_EXPECTED[fmt]}, read the first row as the header anyway"
    if fmt == "qualtrics":
        layout = _layout_qualtrics(raw, why)
    elif fmt == "surveymonkey":
        layout = _layout_surveymonkey(raw, why)
    else:
        layout = _layout_single_header(raw, fmt, why)
    layout.notes[:0] = raw.notes  # how the file was read (e.g. not UTF-8)
    return layout


def recognise_file(path: str | Path) -> str | None:
    """The survey tool that wrote ``path``, from its first rows only (None when not an export or unreadable).

    Cheap enough to ask of every responses file: reads at most 64 KB of a CSV, or three rows of a workbook,
    by the rules of :func:`cxassess.io.tables.read_raw` (a ``sep=`` line, the same delimiter).
    """
    rows = first_rows(path, 3)
    if rows and {"item_id", "value"} <= {c.lower() for c in rows[0]}:
        return None
    found = recognise(rows)
    return found[0] if found else None
