"""Read and validate responses: long or wide tables, from CSV, Excel (.xlsx) or JSON.

Whatever the input layout, the result is one :class:`Responses` object holding a long table of
answers (``respondent_id, item_id, value``; missing answers are NaN) and a table of respondent
attributes (role, department, site, ...). Every problem is reported with file, row and column;
nothing is dropped without being listed.

Row numbers follow the spreadsheet convention: the header is row 1, the first answer row is row 2.
In JSON, row N is the N-th record (1-based).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxassess.errors import CxError, OnError, Problem, ResponsesError, check_on_error
from cxassess.questionnaire.model import Questionnaire, as_questionnaire

LONG_COLUMNS = ("respondent_id", "item_id", "value")
RESPONDENT_ID_ALIASES = ("respondent_id", "respondent", "participant", "participant_code", "response_id")
SESSION_SUFFIXES = (".sqlite", ".sqlite3", ".db")




@dataclass
class Responses:
    """Validated answers ready for scoring.

    ``answers``: one row per (respondent, item) with ``value`` as float (NaN = missing) and
    ``status`` in {"answered", "dont_know", "blank"}. ``attributes``: one row per respondent,
    indexed by ``respondent_id``. ``errors`` were dropped (only with ``on_error="skip"``);
    ``warnings`` did not stop scoring; ``notes`` say how the file was understood.
    """

    source: str
    layout: str
    answers: pd.DataFrame
    attributes: pd.DataFrame
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

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




# --------------------------------------------------------------------------------------
# reading raw tables
# --------------------------------------------------------------------------------------
def _sniff_sep(text: str) -> str:
    sample = text[:65536]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def read_table(path: str | Path, notes: list[str] | None = None, *, whole_rows: bool = False) -> tuple[pd.DataFrame, int]:
    """Read a CSV/TSV, Excel or JSON file as text cells.

    Returns the table and the row number of its first data row; notes on how it was read
    (e.g. an encoding fallback) are appended to ``notes``.
    Header names are kept exactly as written (pandas would rename a repeated ``LEAD1`` to
    ``LEAD1.1`` and hide it), so repeated columns can be reported.
    """
    from cxassess.io.layouts import decode_text

    path = Path(path)
    if not path.exists():
        raise CxError(f"{path}: file not found")
    if path.is_dir():
        raise CxError(f"{path}: is a folder, expected a responses file (.csv, .xlsx or .json)")
    suffix = path.suffix.lower()
    notes = notes if notes is not None else []
    _check_content_matches_name(path, suffix)
    try:
        if suffix in (".xlsx", ".xlsm"):
            sheets = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl", header=None, sheet_name=None)
            filled = {name: df for name, df in sheets.items() if (df.astype(str) != "").to_numpy().any()}
            if len(filled) > 1:
                raise CxError(f"{path}: {len(filled)} sheets hold data ({', '.join(map(repr, filled))}); "
                              "put all responses on one sheet (or save each sheet as its own file)")
            if not filled:
                raise CxError(f"{path}: the workbook is empty")
            return _header_first(next(iter(filled.values()))), 2
        if suffix == ".json":
            return _read_json(path), 1
        raw = path.read_bytes()
        text = decode_text(raw)
        if not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                notes.append("the file is not UTF-8: read as Windows-1252 (save it as UTF-8 CSV to be sure of accents)")
        if not text.strip():
            raise CxError(f"{path}: the file is empty")
        sep = "\t" if suffix == ".tsv" else _sniff_sep(text)
        widest = _check_row_widths(text, sep, path, short_rows_are_errors=whole_rows)
        df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, header=None,
                         names=range(widest))
        return _header_first(df), 2
    except CxError:
        raise
    except (ValueError, OSError, pd.errors.ParserError, KeyError) as exc:
        raise CxError(f"{path}: cannot read this file as a table ({exc})") from None
    except Exception as exc:  # openpyxl raises assorted types on broken workbooks
        raise CxError(f"{path}: cannot read this file ({type(exc).__name__}: {exc})") from None


def _check_content_matches_name(path: Path, suffix: str) -> None:
    """A workbook saved under a .csv name, or text under an .xlsx name: say so, rather than
    report the parser's confusion."""
    with path.open("rb") as fh:
        head = fh.read(4)
    is_zip = head == b"PK\x03\x04"  # .xlsx files are zip archives
    if head == b"\xd0\xcf\x11\xe0":  # OLE2: an old .xls, or a password-protected workbook
        raise CxError(f"{path}: an old-style .xls or a password-protected workbook; open it in Excel and save it "
                      "as .xlsx (without a password) or as CSV")
    if suffix in (".xlsx", ".xlsm") and head and not is_zip:
        raise CxError(f"{path}: not an Excel workbook (its content is not .xlsx; if it is a CSV file, "
                      "rename it to .csv)")
    if suffix in (".csv", ".tsv", ".txt") and is_zip:
        raise CxError(f"{path}: this is an Excel workbook with a {suffix} name; rename it to .xlsx")


def _check_row_widths(text: str, sep: str, path: Path, *, short_rows_are_errors: bool) -> int:
    """Rows must not be wider than the header with values in the extra fields (extra empty fields
    are harmless). With ``short_rows_are_errors`` (answer files) a row with fewer fields than the
    named columns is an error too: a line break inside a cell splits a row in two, and its answers
    would be shifted or blanked in silence; elsewhere (manifests) missing trailing fields are blanks.
    A header much narrower than the rows is a title line above it. Returns the widest row's width.
    Rows are numbered as the rest of the reader numbers them: header = 1, blank lines not counted."""

    def records() -> Any:
        return csv.reader(io.StringIO(text, newline=""), delimiter=sep)

    # field counts of every record at C speed (a long file has a million rows); blank lines are length 0
    lengths = _field_counts(text, sep)
    if lengths is None:
        lengths = np.fromiter(map(len, records()), dtype=np.int64)
    if not lengths.any():
        return 1
    first = int(np.argmax(lengths > 0))  # blank lines before the header are skipped, as the table reader does
    header = next(itertools.islice(records(), first, None))
    width = len(header)
    named = max((k + 1 for k, name in enumerate(header) if name.strip()), default=0)  # trailing blank names
    lengths = lengths[first + 1:]
    filled = lengths > 0
    numbers = np.cumsum(filled) + 1  # header = row 1, blank lines not counted
    wider = filled & (lengths > width)
    if wider.any():  # rare: only extra fields holding values count (trailing separators are harmless)
        for k, row in enumerate(itertools.islice(records(), first + 1, None)):
            if wider[k] and not any(f.strip() for f in row[width:]):
                wider[k] = False
    bad = wider | (filled & (lengths < named) if short_rows_are_errors else False)
    if filled.sum() and wider.sum() * 2 > filled.sum():
        raise CxError(f"{path}: the first line has {width} field(s) but most rows have more: is there a title line "
                      "above the header? The column names must be on the first line")
    if bad.any():
        listed = [f"{n} ({w})" for n, w in zip(numbers[bad][:10], lengths[bad][:10])]
        more = int(bad.sum()) - len(listed)
        shown = ", ".join(listed) + (f" and {more} more" if more > 0 else "")
        raise CxError(f"{path}: the header has {width} fields but row(s) {shown} do not (fields in brackets): "
                      "a line break inside a cell, or missing or extra separators; fix those rows")
    return int(max(width, lengths.max(initial=0), 1))


def _field_counts(text: str, sep: str) -> np.ndarray | None:
    """Fields per line (0 for a blank line) by counting separators with numpy, for text without
    quotes (where a separator or line break can only end a field); None when quotes need a CSV parser."""
    if '"' in text or len(sep) != 1:
        return None
    data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    newline = ord("\n") if "\n" in text else ord("\r")
    ends = np.flatnonzero(data == newline)
    if not len(ends) or ends[-1] != len(data) - 1:
        ends = np.append(ends, len(data))  # a last line without a line break
    starts = np.concatenate(([0], ends[:-1] + 1))
    seps = np.flatnonzero(data == ord(sep))
    size = ends - starts
    size = size - ((size > 0) & (data[np.maximum(ends - 1, 0)] == ord("\r")))  # "\r\n" endings
    counts = np.searchsorted(seps, ends) - np.searchsorted(seps, starts) + 1
    counts[size == 0] = 0
    if len(counts) and ends[-1] == len(data) and size[-1] == 0:
        counts = counts[:-1]
    return counts


def _header_first(df: pd.DataFrame) -> pd.DataFrame:
    """Use the first row as the header, names exactly as written."""
    if df.empty:
        return pd.DataFrame()
    header = ["" if pd.isna(c) else str(c) for c in df.iloc[0]]
    body = df.iloc[1:].reset_index(drop=True)
    body.columns = header
    return body


def _read_json(path: Path) -> pd.DataFrame:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise CxError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    if isinstance(data, dict) and isinstance(data.get("responses"), list):
        data = data["responses"]
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise CxError(f"{path}: expected a JSON list of records (objects), or {{\"responses\": [...]}}")
    df = pd.DataFrame.from_records(data)
    df = df.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    return df


def _on_uniques(series: pd.Series, fn) -> pd.Series:
    """Apply a text function to the distinct values only, then spread the result back.

    Answer files repeat a handful of values (1..5, labels, blanks) a million times; working on
    the uniques keeps validation vectorised and fast.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    result = np.asarray(fn(pd.Series(uniques, dtype=object)), dtype=object)
    return pd.Series(result[codes], index=series.index)


def _text(series: pd.Series) -> pd.Series:
    """Cells as stripped text; missing cells become ''."""
    return _on_uniques(series, lambda u: ["" if _is_missing(v) else str(v).strip() for v in u])


def _is_missing(v: object) -> bool:
    """None, NaN, pd.NA or NaT (any scalar pandas treats as missing)."""
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _clean_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Stripped text cells ('' for missing), positions kept, entirely empty rows dropped."""
    df = df.reset_index(drop=True)
    df = pd.DataFrame({str(c).strip(): _text(df[c]) for c in df.columns}, index=df.index)
    if len(df.columns) and len(df):
        empty = np.logical_and.reduce([(df[c] == "").to_numpy() for c in df.columns])
        df = df.loc[~empty]
    return df


# --------------------------------------------------------------------------------------
# parsing answer values
# --------------------------------------------------------------------------------------
def parse_values(raw: pd.Series, q: Questionnaire) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Text cells -> (value as float, status, is_invalid, message); invalid cells get NaN and True.

    One reader for every input (:class:`cxassess.io.values.ValueReader`): numbers and the
    scale's labels in any case (with common variants such as "Neutral") are answers; blanks are
    "blank"; "don't know", N/A and similar are "dont_know". Both count as missing, never as a low
    score. Each distinct text is read once, so a million cells cost a handful of look-ups.
    """
    from cxassess.io.values import ValueReader

    reader = ValueReader(q)
    codes, uniques = pd.factorize(raw, use_na_sentinel=False)
    readings = [reader.read("" if _is_missing(cell) else str(cell)) for cell in uniques]
    values = np.array([np.nan if r.value is None else r.value for r in readings], dtype=float)[codes]
    status = np.array([r.status for r in readings], dtype=object)[codes]
    messages = np.array([r.how if r.status == "invalid" else "" for r in readings], dtype=object)[codes]
    invalid = status == "invalid"
    status[invalid] = "answered"
    idx = raw.index
    return (pd.Series(values, index=idx), pd.Series(status, index=idx), pd.Series(invalid, index=idx),
            pd.Series(messages, index=idx))


# --------------------------------------------------------------------------------------
# layouts
# --------------------------------------------------------------------------------------
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


def _fold(name: str) -> str:
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


_FOLDED_ID_ALIASES = frozenset(_fold(a) for a in RESPONDENT_ID_ALIASES)


def respondent_column(columns: list[str]) -> str | None:
    """The column holding respondent ids, if any: the first of :data:`RESPONDENT_ID_ALIASES`
    present, matched ignoring case, spaces, "-" and "_" ("Respondent ID", Qualtrics' "ResponseId")."""
    folded: dict[str, str] = {}
    for c in columns:
        folded.setdefault(_fold(c), c)
    return next((folded[_fold(a)] for a in RESPONDENT_ID_ALIASES if _fold(a) in folded), None)


def _to_long(df: pd.DataFrame, q: Questionnaire, source: str, first_row: int, notes: list[str]) -> tuple[pd.DataFrame, list[str], list[Problem]]:
    """Bring a raw table into long form with a ``_row`` column; return it, attribute columns and problems."""
    problems: list[Problem] = []
    cols = list(df.columns)
    rows = df.index.to_numpy() + first_row  # _clean_frame kept the file's positions
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
        for r, item in zip(long.loc[unknown, "_row"], long.loc[unknown, "item_id"]):
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
        dup = ids.duplicated(keep=False) & (ids != "")
        for rid_value, g in pd.Series(rows[dup.to_numpy()]).groupby(ids[dup].to_numpy(), sort=False):
            listed = ", ".join(str(int(r)) for r in g)
            problems.append(Problem(source, int(g.iloc[-1]), rid, f"respondent '{rid_value}' appears in more than one row (rows {listed})"))
        df, ids, rows = df.loc[~dup], ids[~dup], rows[~dup.to_numpy()]
    if attrs:
        notes.append(f"columns read as respondent attributes: {', '.join(attrs)}")
    wide = df[item_cols].assign(respondent_id=ids.values, _row=rows)
    for a in attrs:
        wide[a] = df[a].values
    long = wide.melt(id_vars=["respondent_id", "_row", *attrs], value_vars=item_cols, var_name="item_id", value_name="value")
    return long, attrs, problems


def read_responses(path: str | Path, questionnaire: Questionnaire | str | Path | None = None, on_error: OnError = "raise") -> Responses:
    """Read, detect the layout of, and validate a responses file.

    ``on_error="raise"`` (default) raises :class:`ResponsesError` listing every problem;
    ``"skip"`` drops the invalid answers, keeps the rest and lists what was dropped in ``errors``.
    """
    if Path(path).suffix.lower() in SESSION_SUFFIXES:  # a workshop session: latest submitted answers
        from cxassess.workshop.store import open_session

        return open_session(path, questionnaire).to_responses()
    q = as_questionnaire(questionnaire)
    from cxassess.io import survey_import  # lazy: survey_import imports this module

    if survey_import.recognise_file(path):  # a Qualtrics/SurveyMonkey/Forms export: convert it
        return survey_import.read_export_responses(path, q, on_error=on_error)
    notes: list[str] = []
    df, first_row = read_table(path, notes, whole_rows=True)  # a short row would shift or blank answers
    responses = responses_from_frame(df, q, str(path), on_error=on_error, first_row=first_row)
    responses.notes[:0] = notes
    return responses


def responses_from_frame(df: pd.DataFrame, questionnaire: Questionnaire | str | Path | None = None, source: str = "<table>", on_error: OnError = "raise", first_row: int = 2) -> Responses:
    """Validate an in-memory table (long or wide, text or numbers) as :func:`read_responses` does."""
    check_on_error(on_error)
    q = as_questionnaire(questionnaire)
    notes: list[str] = []
    df, unnamed = _unnamed_columns(df, source, notes)
    header_problems = unnamed + _check_header(df, q, source, notes)
    df = df.loc[:, [c not in {p.column for p in header_problems} for c in df.columns]]
    df = df.rename(columns=_item_id_case(df.columns, q))
    df = _clean_frame(df.copy())
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
    for r, item, text in zip(long.loc[invalid, "_row"], long.loc[invalid, "item_id"], message[invalid]):
        problems.append(Problem(source, int(r), value_col or item, text))
    long = long.assign(value=value, status=status).loc[~invalid]

    pair = pd.factorize(long["respondent_id"])[0].astype(np.int64) * (len(q.item_ids) + 1) + pd.Index(q.item_ids).get_indexer(long["item_id"])
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

    warnings: list[Problem] = _missing_item_columns(df.columns, q, source, notes) if layout == "wide" else []
    has_answer = long.groupby("respondent_id", sort=False)["value"].count()
    for rid in has_answer.index[has_answer == 0]:
        warnings.append(Problem(source, None, None, f"respondent '{rid}' gave no usable answer (all blank or \"don't know\"); not counted"))
    if long.empty or not (has_answer > 0).any():
        raise ResponsesError(source, problems + [Problem(source, None, None, "no usable answers: every answer is missing or invalid")])

    answers = pd.DataFrame({
        # categoricals: the scorer factorises a million answers in milliseconds
        "respondent_id": pd.Categorical(long["respondent_id"], categories=pd.unique(long["respondent_id"])),
        "item_id": pd.Categorical(long["item_id"], categories=q.item_ids),
        "value": long["value"].to_numpy(dtype=float),
        "status": pd.Categorical(long["status"], categories=["answered", "dont_know", "blank"]),
    })
    return Responses(source, layout, answers, attributes, errors=problems, warnings=warnings, notes=notes)


def _missing_item_columns(columns: pd.Index, q: Questionnaire, source: str, notes: list[str]) -> list[Problem]:
    """A wide file without a column for some items: a note (they count as unanswered); without any
    column for a whole dimension: a warning, since that dimension cannot be scored and the overall
    score covers the others only."""
    present = set(map(str, columns))
    missing = [i for i in q.items if i.id not in present]
    if not missing:
        return []
    gone = [d for d in q.dimensions if all(i.id not in present for i in q.items if i.dimension == d.id)]
    gone_ids = {d.id for d in gone}
    partly = [i.id for i in missing if i.dimension not in gone_ids]
    if partly:
        notes.append(f"no column for item(s) {', '.join(partly)}: counted as unanswered")
    if not gone:
        return []
    names = ", ".join(f"'{d.name}'" for d in gone)
    return [Problem(source, None, None, f"no column for any statement of {names}: "
                    f"{'it' if len(gone) == 1 else 'they'} cannot be scored, and the overall score covers the other "
                    f"{len(q.dimensions) - len(gone)} dimension(s) only")]


def _item_id_case(columns: pd.Index, q: Questionnaire) -> dict[str, str]:
    """Columns that are item ids written in another case or with spaces: rename to the id."""
    by_upper = {i.upper(): i for i in q.item_ids}
    out = {}
    for c in map(str, columns):
        key = c.strip().upper()
        if c not in q.item_ids and key in by_upper:
            out[c] = by_upper[key]
    return out


def _unnamed_columns(df: pd.DataFrame, source: str, notes: list[str]) -> tuple[pd.DataFrame, list[Problem]]:
    """Columns without a header name: empty ones (trailing separators, a spreadsheet's unused
    columns) are dropped with a note; one holding values is a problem, since nobody can tell what
    it is. Most columns unnamed means the first row is not the header (a title row above it)."""
    from cxassess.io.layouts import column_letter

    blank = [pos for pos, c in enumerate(df.columns) if not str(c).strip()]
    if not blank:
        return df, []
    has_data = [pos for pos in blank if _text(df.iloc[:, pos]).ne("").any()]
    if len(has_data) * 2 > df.shape[1]:
        raise CxError(f"{source}: the first row is not a header ({len(has_data)} of {df.shape[1]} columns with "
                      "values have no name); put the column names on the first row and delete any title rows above it")
    if len(has_data) < len(blank):
        notes.append(f"{len(blank) - len(has_data)} empty column(s) without a name were ignored")
    problems = [Problem(source, 1, f"{column_letter(pos)} (no name)", "this column holds values but the header gives "
                        "it no name; name it (e.g. 'site') or delete it") for pos in has_data]
    keep = [pos for pos in range(df.shape[1]) if pos not in set(blank)]
    return df.iloc[:, keep], problems


def _check_header(df: pd.DataFrame, q: Questionnaire, source: str, notes: list[str]) -> list[Problem]:
    """Repeated column names, and columns that look like a mistyped item id, are problems.

    Either would otherwise be read as a respondent attribute and its answers lost in silence.
    """
    import difflib

    problems: list[Problem] = []
    names = [str(c).strip() for c in df.columns]
    renamed = _item_id_case(pd.Index(names), q)
    canonical = [renamed.get(n, n) for n in names]
    seen: dict[str, int] = {}
    for pos, name in enumerate(canonical, start=1):
        if name in seen and name:
            problems.append(Problem(source, 1, names[pos - 1], f"column '{name}' appears more than once "
                                    f"(columns {seen[name]} and {pos}); keep one"))
        seen.setdefault(name, pos)
    long_layout = {"item_id", "value"} <= {n.lower() for n in names}
    if long_layout:  # answers belong in rows here: an item column would be read as an attribute
        problems.extend(Problem(source, 1, name, f"'{name}' is an item column, but this file gives answers as rows "
                                "(item_id, value); put those answers in rows or remove the column")
                        for name in names if renamed.get(name, name) in q.item_ids)
    else:
        for name, new in renamed.items():
            notes.append(f"column '{name}' read as item '{new}'")
        ids = [i.upper() for i in q.item_ids]
        for name in names:
            if name in q.item_ids or name in renamed or _fold(name) in _FOLDED_ID_ALIASES:
                continue
            close = difflib.get_close_matches(name.upper(), ids, n=1, cutoff=0.75)
            if close:
                item = q.item_ids[ids.index(close[0])]
                problems.append(Problem(source, 1, name, f"'{name}' is not an item id of questionnaire '{q.id}'; "
                                        f"did you mean '{item}'? (rename the column; an attribute column must not look like an item id)"))
    return problems


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

