"""Understand survey-tool exports as the tools write them: each tool's header rows and columns.

The rows come from :func:`cxassess.io.tables.read_raw` (the same file rules as every other reader).

Each tool is one :class:`SurveyTool` in :data:`TOOLS` (how to recognise its exports, its header
rows, its metadata and identity columns). Qualtrics (short names, question text in any language,
ImportId rows, or the older ``V1, V2...`` layout; "Survey Preview" and "Survey Test" responses
dropped; unfinished responses marked), SurveyMonkey (question text over a row of answer or
matrix-row labels, with or without its metadata columns), Google Forms (``Timestamp``, grids as
``Question [Row]``; empty submissions dropped) and Microsoft Forms (``ID, Start time, Completion
time, Email, Name``), each as CSV or Excel. Each column is classified as a question, tool
metadata, the respondent id or an identity column (email, name, IP address...).
Row numbers are spreadsheet rows: the first header row is row 1.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cxassess.errors import CxError
from cxassess.io.tables import RawTable, column_letter, first_rows, read_raw
from cxassess.io.values import excerpt, normalise_text

__all__ = [
    "FORMATS", "FORMAT_NAMES", "GOOGLE_TIMESTAMPS", "TOOLS", "Column", "Layout", "SurveyTool", "is_identity",
    "read_layout", "recognise", "recognise_file",
]

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
    "external data reference", "externaldatareference", "emailaddress", "locationlatitude", "locationlongitude",
    "responder", "respondent",
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
    "responseset", "response set", "locationaccuracy", "location accuracy", "solutionrevision", "solution revision",
    "q totalduration", "q url", "q language", "q dataexportid",
}
# Qualtrics' ImportId tags (third header row): the same in every language, unlike the question-text row
_QUALTRICS_IMPORT_IDS = {
    "_recordid": "respondent_id",
    "ipaddress": "identity", "recipientemail": "identity", "recipientfirstname": "identity",
    "recipientlastname": "identity", "externaldatareference": "identity", "externalreference": "identity",
    "locationlatitude": "identity", "locationlongitude": "identity",
    "startdate": "metadata", "enddate": "metadata", "status": "metadata", "progress": "metadata",
    "duration": "metadata", "finished": "metadata", "recordeddate": "metadata", "distributionchannel": "metadata",
    "userlanguage": "metadata", "responseset": "metadata", "locationaccuracy": "metadata",
    "solutionrevision": "metadata",
}
_SURVEYMONKEY_META = {"collector id", "collectorid", "start date", "startdate", "end date", "enddate"}
_SURVEYMONKEY_IDS = {"respondent id", "respondentid"}
_SURVEYMONKEY_LABELS = {"response", "open ended response"}  # second-row labels of single-answer questions
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


def _truthy(cell: str) -> bool:
    return cell.strip().lower() in ("true", "1", "yes")


def _norm_row(rows: list[list[str]], n: int) -> list[str]:
    return [normalise_text(c) for c in rows[n]] if len(rows) > n else []


# --------------------------------------------------------------------------------------
# Qualtrics
# --------------------------------------------------------------------------------------
def _import_id(cell: str) -> str | None:
    """The tag of a Qualtrics ImportId cell (``{"ImportId":"QID2_1"}``), lower case; None for other text."""
    text = cell.strip()
    if not (text.startswith("{") and "importid" in text.lower()):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return ""
    return str(value.get("ImportId", "")).lower() if isinstance(value, dict) else ""


def _has_import_row(rows: list[list[str]]) -> bool:
    """Row 3 is Qualtrics' ImportId row: most of its filled cells are ImportId tags."""
    if len(rows) < 3:
        return False
    filled = [c for c in rows[2] if c.strip()]
    return bool(filled) and sum(_import_id(c) is not None for c in filled) * 2 > len(filled)


# the older layout's fixed metadata block, V1..V10: named here when an export's text cell is blank
_LEGACY_QUALTRICS_META = ("ResponseID", "ResponseSet", "Name", "ExternalDataReference", "EmailAddress", "IPAddress",
                          "Status", "StartDate", "EndDate", "Finished")


def _is_legacy_qualtrics(rows: list[list[str]]) -> bool:
    """The older Qualtrics layout: ``V1, V2, V3...`` over a text row holding ``ResponseID``."""
    return _norm_row(rows, 0)[:3] == ["v1", "v2", "v3"] and "responseid" in _norm_row(rows, 1)


def _recognise_qualtrics(rows: list[list[str]]) -> str | None:
    head = _norm_row(rows, 0)
    if _has_import_row(rows):  # the same in every language, unlike the question-text row
        return "ImportId row (row 3)"
    if _is_legacy_qualtrics(rows):
        return "older layout: V1, V2, ... columns over a text row with ResponseID"
    if "responseid" in head and ("finished" in head or "status" in head):
        return "ResponseId and Finished/Status columns"
    return None


def _accepts_qualtrics(rows: list[list[str]]) -> bool:
    return "responseid" in _norm_row(rows, 0)


def _layout_qualtrics(raw: RawTable, why: str) -> Layout:
    rows = raw.rows
    legacy = _is_legacy_qualtrics(rows)
    names = rows[0]
    low = [normalise_text(n) for n in names]
    tags: list[str | None] = [None] * len(names)
    if legacy:
        texts, header_rows = rows[1], 2
        notes = [f"header rows (older Qualtrics layout): V1, V2... and question names (row {raw.row_numbers[0]}), "
                 f"column texts (row {raw.row_numbers[1]}); no ImportId row"]
    elif _has_import_row(rows):
        texts, header_rows = rows[1], 3
        tags = [_import_id(c) for c in rows[2]]
        notes = [f"header rows: short names (row {raw.row_numbers[0]}), question text (row {raw.row_numbers[1]}), "
                 f"ImportId tags (row {raw.row_numbers[2]})"]
    else:
        rid = low.index("responseid") if "responseid" in low else None
        second = rows[1][rid].strip() if len(rows) > 1 and rid is not None else ""
        if len(rows) < 2 or re.fullmatch(r"R_[A-Za-z0-9]+", second):
            # someone deleted the question-text and ImportId rows: row 2 already holds a response
            texts, header_rows = [""] * len(names), 1
            notes = [f"one header row (row {raw.row_numbers[0]}): the question-text row is missing, so columns "
                     "match items by item id or the mapping file only"]
        else:
            texts, header_rows = rows[1], 2
            notes = [f"header rows: short names (row {raw.row_numbers[0]}), question text "
                     f"(row {raw.row_numbers[1]}); no ImportId row"]
    columns = []
    id_col = status = finished = None
    for i, name in enumerate(names):
        text = texts[i] if i < len(texts) else ""
        # in the older layout V1...V10 name nothing: the text row says what they hold (or, blank, their place)
        v = re.fullmatch(r"V(\d+)", name.strip()) if legacy else None
        if v and not text.strip() and int(v.group(1)) == i + 1 <= len(_LEGACY_QUALTRICS_META):
            text = _LEGACY_QUALTRICS_META[i]
        key = text if v and text.strip() else name
        col = _classify(Column(i, key, [text] if text else []), _QUALTRICS_META)
        tag = tags[i] if i < len(tags) else None
        what = normalise_text(key)
        if tag in _QUALTRICS_IMPORT_IDS:
            col.kind = _QUALTRICS_IMPORT_IDS[tag]
        if (tag == "_recordid" or what == "responseid") and id_col is None:
            col.kind, id_col = "respondent_id", i
        if status is None and (tag == "status" or what == "status"):
            status = i
        if finished is None and (tag == "finished" or what == "finished"):
            finished = i
        columns.append(col)
    layout = Layout("qualtrics", f"Qualtrics export ({why})", _unique_keys(columns), [], id_col, notes=notes)
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


# --------------------------------------------------------------------------------------
# SurveyMonkey
# --------------------------------------------------------------------------------------
def _recognise_surveymonkey(rows: list[list[str]]) -> str | None:
    """Two header rows: question texts over answer labels; metadata columns, when kept, blank in row 2."""
    head, sub = _norm_row(rows, 0), _norm_row(rows, 1)
    # "respondent_id" is this package's own responses layout, never SurveyMonkey's header
    ids = [i for i, h in enumerate(head) if h in _SURVEYMONKEY_IDS and "_" not in rows[0][i]]
    if ids and "collector id" in head:
        return "Respondent ID and Collector ID columns over a second header row"
    if ids and len(sub) > ids[0] and not sub[ids[0]] and any(sub):  # rows of a CSV may be shorter than the header
        return f"'{rows[0][ids[0]]}' column over a second header row"
    if sub and head[0] not in GOOGLE_TIMESTAMPS and any(s in _SURVEYMONKEY_LABELS for s in sub):
        return "a second header row of answer labels ('Response', 'Open-Ended Response')"
    return None


def _accepts_surveymonkey(rows: list[list[str]]) -> bool:
    return bool(_SURVEYMONKEY_IDS & set(_norm_row(rows, 0)))


def _layout_surveymonkey(raw: RawTable, why: str) -> Layout:
    top = raw.rows[0]
    low = [normalise_text(t) for t in top]
    rid = next((i for i, t in enumerate(low) if t in _SURVEYMONKEY_IDS), None)
    if len(raw.rows) < 2 or (rid is not None and raw.rows[1][rid].strip()):
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
        if normalise_text(label) in ("",) or normalise_text(label) in _SURVEYMONKEY_LABELS:
            col = Column(i, question, [question])
        else:
            col = Column(i, f"{question} - {label}", [label, f"{question} {label}"])
        if t and not label:  # metadata columns have no second-row label
            col = _classify(col, _SURVEYMONKEY_META)
        elif is_identity(question):
            col.kind = "identity"
        if i == rid:
            col.kind, id_col = "respondent_id", i
        columns.append(col)
    notes = [f"header rows: question text (row {raw.row_numbers[0]}), answer or matrix-row labels "
             f"(row {raw.row_numbers[1]})"]
    if rid is None:
        notes.append("no RespondentID column: respondents are numbered by spreadsheet row")
    layout = Layout("surveymonkey", f"SurveyMonkey export ({why})", _unique_keys(columns),
                    list(zip(raw.row_numbers[2:], raw.rows[2:], strict=True)), id_col, notes=notes)
    labels = _SURVEYMONKEY_LABELS | {normalise_text(s) for s in sub}
    if layout.data and _is_label_row(layout.data[0][1], rid, labels):  # a header row too many, copied or pasted
        layout.dropped.append((layout.data.pop(0)[0],
                               "an extra header (a third row of answer labels only, no respondent id)"))
    return layout


def _is_label_row(cells: list[str], rid: int | None, labels: set[str]) -> bool:
    """A row of answer labels only ('Response', the row-2 labels) and no respondent id: a header, not a response."""
    filled = [normalise_text(c) for c in cells if c.strip()]
    return bool(filled) and (rid is None or not cells[rid].strip()) and all(f in labels for f in filled)


# --------------------------------------------------------------------------------------
# Google Forms and Microsoft Forms: one header row
# --------------------------------------------------------------------------------------
def _recognise_google(rows: list[list[str]]) -> str | None:
    head = _norm_row(rows, 0)
    if head and head[0] in GOOGLE_TIMESTAMPS and not {"respondent id", "response id", "responseid"} & set(head):
        return f"first column '{rows[0][0]}'"
    return None


def _recognise_msforms(rows: list[list[str]]) -> str | None:
    return "ID, Start time and Completion time columns" if _norm_row(rows, 0)[:3] == [
        "id", "start time", "completion time"] else None


def _layout_single_header(raw: RawTable, fmt: str, why: str) -> Layout:
    tool = TOOLS[fmt]
    columns = []
    id_col = None
    for i, name in enumerate(raw.rows[0]):
        col = _classify(Column(i, name, [name]), set(tool.metadata))
        if id_col is None and normalise_text(name) in tool.id_names:
            col.kind, id_col = "respondent_id", i
        columns.append(col)
    return Layout(fmt, f"{tool.label} export ({why})", _unique_keys(columns),
                  list(zip(raw.row_numbers[1:], raw.rows[1:], strict=True)), id_col,
                  notes=[f"header row: question text (row {raw.row_numbers[0]})"])


def _layout_google(raw: RawTable, why: str) -> Layout:
    """One header row; a row with only what the form fills itself (its Timestamp, the e-mail address a form
    collects, the score) is an empty submission (often a double click)."""
    layout = _layout_single_header(raw, "google-forms", why)
    stamps = [c.index for c in layout.columns if normalise_text(c.key) in GOOGLE_TIMESTAMPS]
    auto = {c.index: "Timestamp" if c.index in stamps else c.key for c in layout.columns
            if c.kind == "metadata" or (c.kind == "identity" and "mail" in normalise_text(c.key))}
    kept: list[tuple[int, list[str]]] = []
    last_empty: dict[str, int] = {}
    for n, cells in layout.data:
        if any(c.strip() for k, c in enumerate(cells) if k not in auto):
            kept.append((n, cells))
            continue
        filled = [name for k, name in auto.items() if k < len(cells) and cells[k].strip()] or ["Timestamp"]
        stamp = " ".join(cells[k].strip() for k in stamps)
        twice = f", in the same second as row {last_empty[stamp]}: a double click" if stamp in last_empty else ""
        last_empty.setdefault(stamp, n)
        layout.dropped.append((n, f"an empty submission (only the {', '.join(filled)} "
                                  f"{'is' if len(filled) == 1 else 'are'} filled){twice}"))
    layout.data = kept
    return layout


# --------------------------------------------------------------------------------------
# the registry: one entry per tool
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SurveyTool:
    """One survey tool's exports: how to recognise them, their layout, their metadata and id columns."""

    name: str  # as given to --from
    label: str  # as shown to people
    expected: str  # what its export looks like, for messages
    recognise: Callable[[list[list[str]]], str | None]  # why the first rows are this tool's, else None
    layout: Callable[[RawTable, str], Layout]
    accepts: Callable[[list[list[str]]], bool] = lambda rows: False  # may still be one when named with --from
    metadata: frozenset[str] = frozenset()
    id_names: frozenset[str] = frozenset()


# in the order they are tried: the strongest signatures first
TOOLS: dict[str, SurveyTool] = {t.name: t for t in (
    SurveyTool("qualtrics", "Qualtrics",
               "an ImportId row (row 3), or ResponseId and Finished (or Status) columns over a question-text row, "
               "or the older layout of V1, V2, ... columns over a text row", _recognise_qualtrics, _layout_qualtrics,
               _accepts_qualtrics, frozenset(_QUALTRICS_META), frozenset({"responseid"})),
    SurveyTool("surveymonkey", "SurveyMonkey",
               "two header rows: question texts (with Respondent ID) over answer labels such as 'Response'",
               _recognise_surveymonkey, _layout_surveymonkey, _accepts_surveymonkey, frozenset(_SURVEYMONKEY_META),
               frozenset(_SURVEYMONKEY_IDS)),
    SurveyTool("microsoft-forms", "Microsoft Forms", "a single header row starting ID, Start time, Completion time",
               _recognise_msforms, lambda raw, why: _layout_single_header(raw, "microsoft-forms", why),
               metadata=frozenset(_MSFORMS_META), id_names=frozenset({"id"})),
    SurveyTool("google-forms", "Google Forms", "a single header row starting with Timestamp", _recognise_google,
               _layout_google, metadata=frozenset(_GOOGLE_META)),
)}
FORMATS = ("qualtrics", "surveymonkey", "google-forms", "microsoft-forms")
FORMAT_NAMES = {name: TOOLS[name].label for name in FORMATS}


def recognise(rows: list[list[str]]) -> tuple[str, str] | None:
    """``(format, why)`` when the first rows carry a survey tool's signature, else None."""
    if not rows:
        return None
    for tool in TOOLS.values():
        why = tool.recognise(rows)
        if why:
            return tool.name, why
    return None


def read_layout(path: str | Path, source_format: str = "auto", raw: RawTable | None = None) -> Layout:
    """Read an export and understand its layout; ``auto`` recognises the tool and says which."""
    raw = raw or read_raw(path)
    fmt = source_format.lower().replace("_", "-")
    if fmt not in ("auto", *FORMATS):
        raise CxError(f"unknown survey tool '{source_format}': choose one of auto, {', '.join(FORMATS)}")
    found = recognise(raw.rows)
    first = ", ".join(excerpt(c, 40) for c in raw.rows[0][:6])
    if fmt == "auto":
        if found is None:
            expected = "; ".join(f"{t.label}: {t.expected}" for t in TOOLS.values())
            raise CxError(
                f"{raw.path}: cannot tell which survey tool wrote this file (first columns: {first}). "
                f"Expected one of - {expected}. Name the tool with --from, "
                "or, for a file already in the long or wide responses layout, use it directly."
            )
        fmt, why = found
        why = "auto-detected: " + why
    elif found is not None and found[0] == fmt:
        why = f"as asked; {found[1]}"
    elif found is not None:
        raise CxError(f"{raw.path}: --from {fmt}, but this file looks like a {FORMAT_NAMES[found[0]]} export "
                      f"({found[1]}); use --from {found[0]}, or leave --from out to recognise it")
    elif TOOLS[fmt].accepts(raw.rows):
        why = "as asked; some of the usual metadata columns are missing"
    elif fmt in ("qualtrics", "surveymonkey"):
        raise CxError(f"{raw.path}: does not look like a {FORMAT_NAMES[fmt]} export: expected {TOOLS[fmt].expected}; "
                      f"found first columns {first}")
    else:
        why = f"as asked; note: expected {TOOLS[fmt].expected}, read the first row as the header anyway"
    layout = TOOLS[fmt].layout(raw, why)
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
