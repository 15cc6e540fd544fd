"""Make user strings safe: in HTML, in CSV/Excel cells, on a terminal, and as file or folder names.

Characters a reader cannot see or that change how text around them is shown are never passed on
raw: they are written as their Python escape (``\\x07``, ``\\x1b``, ``\\u202e``), so what was in the
data stays visible and nothing is silently lost. Which characters, by destination:

- every destination: C0 controls except tab, newline and carriage return; DEL and the C1 controls
  (U+0080-U+009F, which include the 8-bit terminal CSI); lone surrogates; and the invisible
  formatting characters that reorder or hide text: the bidirectional embeddings, overrides and
  isolates (U+202A-U+202E, U+2066-U+2069: "Trojan Source"), zero-width space, word joiner and
  invisible operators, the byte-order mark, and the deprecated format characters. The bidi *marks*
  (LRM, RLM, ALM), zero-width (non-)joiners and emoji tag characters are kept: right-to-left
  scripts, Persian and emoji need them and they cannot reorder a run of text.
- a terminal (:func:`for_terminal`) also: a carriage return not followed by a newline (it would
  overwrite the line) and the line/paragraph separators.
- a spreadsheet cell (:func:`neutralise_cell`) also: U+FFFE and U+FFFF (not allowed in XML); text that
  a spreadsheet would run as a formula gets a leading apostrophe.

A backslash already in the data is left as it is: the escapes are for people to read, not to be decoded.
"""

from __future__ import annotations

import hashlib
import html
import io
import math
import re
import unicodedata
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}

# the characters no destination shows raw (see the module docstring)
_HIDDEN = ("\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
           "\u180e\u200b\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb")
_UNSAFE_ANYWHERE = re.compile(f"[{_HIDDEN}]")
_UNSAFE_TERMINAL = re.compile(f"[{_HIDDEN}\u2028\u2029]|\r(?!\n)")
_UNSAFE_CELL = re.compile(f"[{_HIDDEN}\ufffe\uffff]")
# a cell that is only a plain decimal number is left alone (a negative gap stays a number); "-inf",
# "+nan" or "-1_000", which Python's float() accepts, are not plain numbers and are neutralised
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
# what makes a text cell need work: a formula start, or a character from _UNSAFE_CELL
_CELL_NEEDS_WORK = re.compile(f"^[=+\\-@\t\r]|[{_HIDDEN}\ufffe\uffff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0)[0])
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(text: Any) -> str:
    """``text`` with the hidden characters of every destination written as escapes (``\\u202e``)."""
    return _UNSAFE_ANYWHERE.sub(_escape, "" if text is None else str(text))


def escape_html(text: Any) -> str:
    """Escape a user string for HTML text or attribute values; hidden characters shown as escapes."""
    return html.escape(visible(text), quote=True)


def for_terminal(text: Any) -> str:
    """``text`` safe to print: no escape sequence, bidi override or lone carriage return reaches the terminal."""
    return _UNSAFE_TERMINAL.sub(_escape, "" if text is None else str(text))


class TerminalText(io.TextIOBase):
    """A text stream that passes everything written through :func:`for_terminal` (for sys.stdout/stderr)."""

    def __init__(self, raw: IO[str]):
        self.raw = raw

    def write(self, text: str) -> int:
        self.raw.write(for_terminal(text))
        return len(text)

    def flush(self) -> None:
        self.raw.flush()

    def writable(self) -> bool:
        return True

    @property
    def unfiltered(self) -> IO[str]:
        """The stream underneath, for a writer whose own text is safe and needs carriage returns (a progress bar)."""
        return self.raw

    def isatty(self) -> bool:
        return bool(self.raw.isatty())

    def fileno(self) -> int:
        return self.raw.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self.raw, "encoding", "utf-8"))


def neutralise_cell(value: Any) -> Any:
    """A cell value safe for CSV and Excel: no formula runs, no character breaks or hides in the file.

    Text starting with = + - @ (or a tab/carriage return) gets a leading apostrophe unless it is a
    plain decimal number, so a negative gap stays a number but ``-inf``, ``+nan`` or ``-1_000`` do
    not pass as one. Control and hidden characters (which openpyxl refuses: IllegalCharacterError)
    are written as visible escapes, e.g. BEL as ``\\x07``. A negative infinite float becomes the
    text ``'-inf`` (a spreadsheet would read ``-inf`` as a formula); numbers are otherwise left alone.
    """
    if isinstance(value, str):
        if _CELL_NEEDS_WORK.search(value) is None:
            return value
        value = _UNSAFE_CELL.sub(_escape, value)
        if value.startswith(_FORMULA_START) and _PLAIN_NUMBER.fullmatch(value) is None:
            return "'" + value
        return value
    if isinstance(value, float) and math.isinf(value):
        return "'-inf" if value < 0 else "inf"
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell, the index and the headers neutralised."""
    import pandas as pd  # here, not at import: report/batch start-up should not wait for pandas

    out = frame.copy()
    for col in out.columns:
        out[col] = _neutralise_series(out[col], pd)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    if not pd.api.types.is_numeric_dtype(out.index) or isinstance(out.index.dtype, pd.CategoricalDtype):
        out.index = out.index.map(neutralise_cell)
    return out


def _neutralise_series(s: pd.Series, pd: Any) -> pd.Series:
    """Only the cells that need it are touched (vectorised test), so a long answers table stays fast."""
    if isinstance(s.dtype, pd.CategoricalDtype):  # the categories, once each, when they stay distinct
        cats = s.cat.categories.map(neutralise_cell)
        if cats.is_unique:
            return s.cat.rename_categories(cats)
        s = s.astype(object)
    if pd.api.types.is_float_dtype(s.dtype):
        bad: list[Any] = [v for v in (math.inf, -math.inf) if (s == v).any()]
    elif s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        bad = [v for v in pd.unique(s.to_numpy(dtype=object)) if _needs_work(v)]  # few distinct values, usually
    else:
        return s
    if not bad:
        return s
    touch = s.isin(bad)
    out = s.astype(object).copy()
    out[touch] = s[touch].map(neutralise_cell)
    return out


def _needs_work(value: Any) -> bool:
    if isinstance(value, str):
        return _CELL_NEEDS_WORK.search(value) is not None
    return isinstance(value, float) and math.isinf(value)


def csv_text(frame: pd.DataFrame, **kwargs: Any) -> str:
    """``frame`` as CSV text, every cell neutralised (the tool's one way to make CSV from a table)."""
    kwargs.setdefault("index", False)
    return str(neutralise_frame(frame).to_csv(None, **kwargs))


def write_csv(frame: pd.DataFrame, path: str | Path, **kwargs: Any) -> None:
    """Write ``frame`` as a CSV file, every cell neutralised."""
    kwargs.setdefault("index", False)
    neutralise_frame(frame).to_csv(path, **kwargs)


def write_excel(frame: pd.DataFrame, path: str | Path, sheet_name: str = "Sheet1", **kwargs: Any) -> None:
    """Write ``frame`` as an .xlsx workbook (openpyxl), every cell neutralised."""
    kwargs.setdefault("index", False)
    neutralise_frame(frame).to_excel(path, sheet_name=sheet_name, engine="openpyxl", **kwargs)


def slugify(name: str, max_length: int = 60) -> str:
    """A file-system-safe folder name for a client: ASCII, lower case, no separators or dots.

    Names that differ only in case or accents map to the same base, so a short hash of the exact
    name is always appended: two clients never share a folder (not even a client whose name is
    another's slug, such as ``acme-ed099798``), and ``../x``, ``a/b`` or ``CON`` never escape or clash.
    """
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:max_length].strip("-") or "client"
    if base in _WINDOWS_RESERVED:
        base = f"{base}-client"
    digest = hashlib.sha1(str(name).encode("utf-8")).hexdigest()[:8]
    return f"{base}-{digest}"
