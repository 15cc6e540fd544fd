"""Read table files (CSV/TSV, Excel .xlsx, JSON) as text cells, with one set of rules for every reader.

The responses reader, the metrics reader and the survey-export reader all come through here, so a
file means the same to each of them:

* the file must exist, be a file, and hold what its name says (a workbook under a ``.csv`` name,
  text under an ``.xlsx`` name, an old ``.xls`` or a password-protected workbook: a clear error);
* text is UTF-16 (with a BOM), UTF-8 (with or without BOM) or else Windows-1252, and the last is
  said in a note; Excel's ``sep=;`` first line names the delimiter and is not a row; otherwise
  ``.tsv`` is tab-separated and any other text file is split by the delimiter (``, ; tab |``)
  that cuts the first record into the most fields (comma on a tie);
* a workbook must hold data on exactly one sheet: two filled sheets are refused, never half read.

Two shapes come out: :func:`read_table`, a frame of text cells with the header as written (the
responses and metrics readers; answer files can hold a million rows, so this path stays in pandas'
C parser), and :func:`read_raw`, every non-blank row with its spreadsheet row number (survey
exports, whose header spans several rows).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxassess.errors import CxError

__all__ = [
    "CATEGORICAL_BYTES", "RawTable", "WORKBOOK_SUFFIXES", "column_letter", "decode_start", "decode_text", "first_rows",
    "read_raw", "read_table", "read_text", "split_delimiter",
]

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
#: a CSV larger than this is parsed into categoricals when asked (repeated answer texts as codes)
CATEGORICAL_BYTES = 1 << 20
_DELIMITERS = (",", ";", "\t", "|")


def column_letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based position: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# --------------------------------------------------------------------------------------
# the rules: the file, its text, its delimiter, its sheet
# --------------------------------------------------------------------------------------
def _check_file(path: Path, what: str) -> str:
    """The lower-case suffix of a readable file; a clear error when it is missing, a folder, or
    its content does not match its name (rather than the parser's confusion)."""
    if not path.exists():
        raise CxError(f"{path}: file not found")
    if path.is_dir():
        raise CxError(f"{path}: is a folder, expected {what}")
    suffix = path.suffix.lower()
    with path.open("rb") as fh:
        head = fh.read(4)
    is_zip = head == b"PK\x03\x04"  # .xlsx files are zip archives
    if head == b"\xd0\xcf\x11\xe0" or suffix == ".xls":  # OLE2: an old .xls, or a password-protected workbook
        raise CxError(f"{path}: an old-style .xls or a password-protected workbook; open it in Excel and save it "
                      "as .xlsx (without a password) or as CSV")
    if suffix in WORKBOOK_SUFFIXES and head and not is_zip:
        raise CxError(f"{path}: cannot read this Excel workbook: its content is not an Excel workbook "
                      "(if it is a CSV file, rename it to .csv)")
    if suffix in (".csv", ".tsv", ".txt") and is_zip:
        raise CxError(f"{path}: this is an Excel workbook with a {suffix} name; rename it to .xlsx")
    return suffix


def decode_text(raw: bytes) -> str:
    """Text of a CSV file: UTF-16 (BOM), UTF-8 (with or without BOM), else Windows-1252."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def decode_start(head: bytes) -> str:
    """Decode the first bytes of a file whose end may cut a character in two."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head[: len(head) - len(head) % 2].decode("utf-16", errors="ignore")
    for cut in range(4):
        try:
            return head[: len(head) - cut].decode("utf-8-sig")
        except UnicodeDecodeError:
            continue
    return head.decode("cp1252", errors="replace")


def read_text(path: Path, notes: list[str]) -> str:
    """The decoded text of a CSV file; a note when it was not UTF-8."""
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return decode_text(raw)
    try:  # decoded once: the note comes from the same attempt as the text
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        notes.append("the file is not UTF-8: read as Windows-1252 (save it as UTF-8 CSV to be sure of accents)")
        return raw.decode("cp1252", errors="replace")


def split_delimiter(text: str, suffix: str) -> tuple[str, str]:
    """(text without Excel's ``sep=`` line, delimiter): the ``sep=`` line, else tab for ``.tsv``, else the
    delimiter that splits the first record into the most fields (comma on a tie)."""
    hint = re.match(r"sep=(.)\r?\n", text, flags=re.IGNORECASE)
    if hint:
        return text[hint.end():], hint.group(1)
    if suffix == ".tsv":
        return text, "\t"
    best, best_n = ",", 0
    sample = text.lstrip("\r\n")[:65536]
    for d in _DELIMITERS:
        try:
            first = next(csv.reader(io.StringIO(sample, newline=""), delimiter=d), [])
        except csv.Error:
            continue
        if len(first) > best_n:
            best, best_n = d, len(first)
    return text, best


def _cell_text(v: Any) -> str:
    """A workbook cell as text: whole floats without ".0", dates in ISO form, text stripped."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if hasattr(v, "isoformat"):
        return str(v.isoformat(sep=" ") if hasattr(v, "hour") else v.isoformat())
    return str(v).replace("\r\n", "\n").strip()


def _sheet_rows(ws: Any, max_row: int | None = None) -> Iterator[list[str]]:
    for row in ws.iter_rows(max_row=max_row, values_only=True):
        yield [_cell_text(v) for v in row]


def _workbook_rows(path: Path) -> list[list[str]]:
    """Every row of the one sheet that holds data (blank rows kept, trailing blank rows and columns
    trimmed); more than one filled sheet is refused, as is an empty workbook."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            filled: dict[str, list[list[str]]] = {}
            for ws in wb.worksheets:
                rows = list(_sheet_rows(ws)) if not filled else None
                if rows is None:  # another sheet: only whether it holds anything
                    if any(any(cells) for cells in _sheet_rows(ws)):
                        filled[ws.title] = []
                elif any(any(cells) for cells in rows):
                    filled[ws.title] = rows
        finally:
            wb.close()
    except CxError:
        raise
    except Exception as exc:  # openpyxl raises assorted types on broken workbooks
        raise CxError(f"{path}: cannot read this Excel workbook ({type(exc).__name__}: {exc})") from None
    if len(filled) > 1:
        raise CxError(f"{path}: {len(filled)} sheets hold data ({', '.join(map(repr, filled))}); "
                      "put all responses on one sheet (or save each sheet as its own file)")
    if not filled:
        raise CxError(f"{path}: the workbook is empty")
    rows = next(iter(filled.values()))
    while rows and not any(rows[-1]):
        rows.pop()
    width = max((k + 1 for cells in rows for k, c in enumerate(cells) if c), default=0)
    return [cells[:width] + [""] * (width - len(cells)) for cells in rows]


# --------------------------------------------------------------------------------------
# raw rows: survey exports, whose header spans several rows
# --------------------------------------------------------------------------------------
@dataclass
class RawTable:
    """Every non-blank row of a file as text cells (padded to one width), with its spreadsheet row number."""

    path: Path
    rows: list[list[str]]
    row_numbers: list[int]
    delimiter: str | None = None  # None for Excel workbooks
    notes: list[str] = field(default_factory=list)


def read_raw(path: str | Path, what: str = "a survey export file") -> RawTable:
    """Read a CSV/TSV or .xlsx file as rows of stripped text cells, blank rows left out (their numbers kept)."""
    path = Path(path)
    suffix = _check_file(path, what)
    rows: list[list[str]] = []
    numbers: list[int] = []
    notes: list[str] = []
    delimiter: str | None = None
    if suffix in WORKBOOK_SUFFIXES:
        for n, cells in enumerate(_workbook_rows(path), start=1):
            if any(cells):
                rows.append(cells)
                numbers.append(n)
    else:
        text, delimiter = split_delimiter(read_text(path, notes), suffix)
        crlf = "\r\n" in text
        try:
            for n, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
                cells = [c.replace("\r\n", "\n").strip() for c in row] if crlf else [c.strip() for c in row]
                if any(cells):
                    rows.append(cells)
                    numbers.append(n)
        except csv.Error as exc:
            raise CxError(f"{path}: cannot read this file as CSV ({exc})") from None
    if not rows:
        raise CxError(f"{path}: the file is empty")
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    return RawTable(path, rows, numbers, delimiter, notes)


def first_rows(path: str | Path, count: int = 3) -> list[list[str]]:
    """The first ``count`` non-blank rows, cheaply (at most 64 KB of a CSV, or the first rows of each sheet
    of a workbook), by the same rules as :func:`read_raw`; [] for a file that is not a readable table."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if not path.is_file() or suffix == ".json":
            return []
        if suffix in WORKBOOK_SUFFIXES:
            from openpyxl import load_workbook

            wb = load_workbook(path, read_only=True, data_only=True)
            try:
                sheets = [[r for r in _sheet_rows(ws, max_row=count + 10) if any(r)] for ws in wb.worksheets]
            finally:
                wb.close()
            return next((rows[:count] for rows in sheets if rows), [])
        with path.open("rb") as fh:
            head = fh.read(65536)
        text = decode_start(head)
        lines = text.splitlines(keepends=True)
        text = "".join(lines[:-1]) if len(lines) > 1 and len(head) == 65536 else text
        text, delimiter = split_delimiter(text, suffix)
        rows = []
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            cells = [c.strip() for c in row]
            if any(cells):
                rows.append(cells)
            if len(rows) == count:
                break
        return rows
    except Exception:  # unreadable here: let the ordinary reader report it
        return []


# --------------------------------------------------------------------------------------
# a frame of text cells: responses and metrics files
# --------------------------------------------------------------------------------------
def read_table(path: str | Path, notes: list[str] | None = None, *, whole_rows: bool = False,
               what: str = "a responses file (.csv, .xlsx or .json)",
               categorical: bool = False) -> tuple[pd.DataFrame, int]:
    """Read a CSV/TSV, Excel or JSON file as text cells.

    Returns the table and the row number of its first data row; notes on how it was read
    (e.g. an encoding fallback) are appended to ``notes``. Header names are kept exactly as
    written (pandas would rename a repeated ``LEAD1`` to ``LEAD1.1`` and hide it), so repeated
    columns can be reported. ``whole_rows``: a row shorter than the named columns is an error
    (in an answer file its answers would be shifted or blanked). ``categorical``: a large CSV's cells
    (over :data:`CATEGORICAL_BYTES`) come as categoricals (text categories), which the responses
    reader works on as codes; a small file's come as text, since building a categorical per column
    costs more than a few dozen rows of text (a report reads one such file per client).
    """
    path = Path(path)
    suffix = _check_file(path, what)
    notes = notes if notes is not None else []
    try:
        if suffix in WORKBOOK_SUFFIXES:
            rows = _workbook_rows(path)
            return _header_first(pd.DataFrame(rows, dtype=object)), 2
        if suffix == ".json":
            return _read_json(path), 1
        data, encoding = _csv_bytes(path, notes)
        start = data[:4096].removeprefix(b"\xef\xbb\xbf")
        if not start.strip() and not data.removeprefix(b"\xef\xbb\xbf").strip():  # the start is a cheap look
            raise CxError(f"{path}: the file is empty")
        data, sep = _bytes_delimiter(data, encoding, suffix)
        categorical = categorical and len(data) > CATEGORICAL_BYTES
        df = _parse_plain(data, encoding, sep, categorical, whole_rows)
        if df is None:  # not plainly rectangular: the careful check names the rows at fault, or finds the width
            widest = _check_row_widths(data, encoding, sep, path, short_rows_are_errors=whole_rows)
            df = _parse(data, encoding, sep, categorical, widest)
        return _header_first(df), 2
    except CxError:
        raise
    except (ValueError, OSError, pd.errors.ParserError, KeyError) as exc:
        raise CxError(f"{path}: cannot read this file as a table ({exc})") from None


def _parse(data: bytes, encoding: str, sep: str, categorical: bool, width: int) -> pd.DataFrame:
    """The bytes straight to pandas' C parser (a decoded str in a StringIO is a copy and ~4x slower), every
    row as ``width`` text cells; categories: a million answers repeat a handful of texts."""
    return pd.read_csv(io.BytesIO(data), sep=sep, dtype="category" if categorical else str, keep_default_na=False,
                       header=None, names=range(width), encoding=encoding, encoding_errors="replace")


def _parse_plain(data: bytes, encoding: str, sep: str, categorical: bool, whole_rows: bool) -> pd.DataFrame | None:
    """The table of a plainly rectangular file, or None when :func:`_check_row_widths` must look at its rows.

    Plain: no quote and no lone carriage return anywhere, a first line holding the header, and no row
    wider than it (pandas refuses a wider row when given the header's width). With ``whole_rows`` also
    no blank line and every row exactly as wide as the header: pandas never widens a row, so the
    separators counted in the bytes add up to the header's width on every row only when no row is
    short. Such a file passes the careful check by construction, so a million-row answer file costs two
    byte counts here instead of a field count per row.
    """
    if len(sep) != 1 or not sep.isascii() or sep in "\"\r\n" or b'"' in data:
        return None
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        return None
    end = data.find(b"\n")
    header = (data if end < 0 else data[:end]).removeprefix(b"\xef\xbb\xbf").removesuffix(b"\r")
    if not header.strip():  # blank lines above the header: their numbering is the careful reader's
        return None
    width = header.count(sep.encode()) + 1
    try:
        df = _parse(data, encoding, sep, categorical, width)
    except (ValueError, OSError, KeyError):  # a wider row (ParserError), or worse: the careful path says which
        return None
    if not whole_rows:
        return df
    arr = np.frombuffer(data, dtype=np.uint8)
    lines = int(np.count_nonzero(arr == ord("\n"))) + (not data.endswith(b"\n"))
    fields = int(np.count_nonzero(arr == ord(sep))) + len(df)
    return df if len(df) == lines and fields == width * len(df) else None


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
    return df.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))


def _csv_bytes(path: Path, notes: list[str]) -> tuple[bytes, str]:
    """(the file's bytes in an ASCII-compatible encoding, that encoding): UTF-16 is re-encoded as UTF-8;
    UTF-8 is checked without keeping a decoded copy; anything else is Windows-1252, with a note."""
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16").encode("utf-8"), "utf-8"
    if raw.isascii():
        return raw, "utf-8"
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        notes.append("the file is not UTF-8: read as Windows-1252 (save it as UTF-8 CSV to be sure of accents)")
        return raw, "cp1252"
    return raw, "utf-8-sig"


def _decode(data: bytes, encoding: str) -> str:
    return data.decode(encoding, errors="replace")


def _bytes_delimiter(data: bytes, encoding: str, suffix: str) -> tuple[bytes, str]:
    """:func:`split_delimiter` for bytes: Excel's ``sep=`` first line is cut off and names the delimiter."""
    hint = re.match(rb"(?:\xef\xbb\xbf)?sep=(.)\r?\n", data[:16], flags=re.IGNORECASE)
    if hint:
        return data[hint.end():], hint.group(1).decode("latin-1")
    return data, split_delimiter(decode_start(data[:65536]) if encoding != "cp1252"
                                 else _decode(data[:65536], encoding), suffix)[1]


def _check_row_widths(data: bytes, encoding: str, sep: str, path: Path, *, short_rows_are_errors: bool) -> int:
    """Rows must not be wider than the header with values in the extra fields (extra empty fields
    are harmless). With ``short_rows_are_errors`` (answer files) a row with fewer fields than the
    named columns is an error too: a line break inside a cell splits a row in two, and its answers
    would be shifted or blanked in silence; elsewhere (manifests) missing trailing fields are blanks.
    A header much narrower than the rows is a title line above it. Returns the widest row's width.
    Rows are numbered as the rest of the reader numbers them: header = 1, blank lines not counted."""

    def records(text: str | None = None) -> Iterator[list[str]]:
        return csv.reader(io.StringIO(_decode(data, encoding) if text is None else text, newline=""), delimiter=sep)

    # field counts of every record at C speed (a long file has a million rows); blank lines are length 0
    lengths = _field_counts(data, sep)
    if lengths is None:  # quotes the counter cannot vouch for: the csv module decides
        lengths = np.fromiter(map(len, records()), dtype=np.int64)
    if not lengths.any():
        return 1
    first = int(np.argmax(lengths > 0))  # blank lines before the header are skipped, as the table reader does
    header = next(itertools.islice(records(_decode(data[:1 << 20], encoding)), first, None), None)
    if header is None or (len(data) > 1 << 20 and len(header) < lengths[first]):
        header = next(itertools.islice(records(), first, None), [])  # a header longer than 1 MB
    width = len(header)
    named = max((k + 1 for k, name in enumerate(header) if name.strip()), default=0)  # trailing blank names
    lengths = lengths[first + 1:]
    filled = lengths > 0
    numbers = np.cumsum(filled) + 1  # header = row 1, blank lines not counted
    wider = filled & (lengths > width)
    if wider.any():  # rare: only extra fields holding values count (trailing separators are harmless)
        for k, row in enumerate(itertools.islice(records(), first + 1, None)):
            if k < len(wider) and wider[k] and not any(f.strip() for f in row[width:]):
                wider[k] = False
    bad = wider | (filled & (lengths < named) if short_rows_are_errors else False)
    if filled.sum() and wider.sum() * 2 > filled.sum():
        raise CxError(f"{path}: the first line has {width} field(s) but most rows have more: is there a title line "
                      "above the header? The column names must be on the first line")
    if bad.any():
        listed = [f"{n} ({w})" for n, w in zip(numbers[bad][:10], lengths[bad][:10], strict=False)]
        more = int(bad.sum()) - len(listed)
        shown = ", ".join(listed) + (f" and {more} more" if more > 0 else "")
        raise CxError(f"{path}: the header has {width} fields but row(s) {shown} do not (fields in brackets): "
                      "a line break inside a cell, or missing or extra separators; fix those rows")
    return int(max(width, lengths.max(initial=0), 1))


def _field_counts(data: bytes, sep: str) -> np.ndarray[Any, np.dtype[np.int64]] | None:
    """Fields per record (0 for a blank line) by counting separators with numpy, in the bytes of an
    ASCII-compatible encoding. Separators and line breaks between quotes do not count; None when a
    quote opens or closes in the middle of a field (or is never closed), where a CSV parser decides."""
    if len(sep) != 1:
        return None
    arr = np.frombuffer(data, dtype=np.uint8)
    newline = ord("\n") if b"\n" in data else ord("\r")
    if newline == ord("\n") and b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        return None  # a lone carriage return: the csv module and pandas both break the line there
    seps = np.flatnonzero(arr == ord(sep))
    ends = np.flatnonzero(arr == newline)
    if b'"' in data:
        quotes = np.flatnonzero(arr == ord('"'))
        if len(quotes) % 2:
            return None
        opening, closing = quotes[0::2], quotes[1::2]
        bounds = np.array([ord(sep), ord("\n"), ord("\r"), ord('"')], dtype=np.uint8)
        start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
        before = arr[np.maximum(opening - 1, 0)]
        after = arr[np.minimum(closing + 1, len(arr) - 1)]
        if not (np.isin(before, bounds) | (opening == start)).all():
            return None
        if not (np.isin(after, bounds) | (closing == len(arr) - 1)).all():
            return None
        seps = seps[np.searchsorted(quotes, seps) % 2 == 0]  # an odd number of quotes before: inside a cell
        ends = ends[np.searchsorted(quotes, ends) % 2 == 0]
    if not len(ends) or ends[-1] != len(arr) - 1:
        ends = np.append(ends, len(arr))  # a last line without a line break
    starts = np.concatenate(([0], ends[:-1] + 1))
    size = ends - starts
    size = size - ((size > 0) & (arr[np.clip(ends - 1, 0, max(len(arr) - 1, 0))] == ord("\r")))  # "\r\n" endings
    before_end = np.searchsorted(seps, ends)  # no separator sits on a line end: one search serves both bounds
    counts = before_end - np.concatenate(([0], before_end[:-1])) + 1
    counts[size == 0] = 0
    if len(counts) and ends[-1] == len(arr) and size[-1] == 0:
        counts = counts[:-1]
    return counts.astype(np.int64)
