"""Make user strings safe: in HTML, in CSV/Excel cells, and as file or folder names."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


def escape_html(text: Any) -> str:
    """Escape a user string for HTML text or attribute values."""
    return html.escape("" if text is None else str(text), quote=True)


def neutralise_cell(value: Any) -> Any:
    """Stop a spreadsheet from reading a text cell as a formula (CSV/Excel injection).

    Text starting with = + - @ (or a tab/carriage return) gets a leading apostrophe; numbers are
    left alone, so a negative gap stays a number.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        try:
            float(value)
            return value
        except ValueError:
            return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell, the index and the headers neutralised."""
    import pandas as pd  # here, not at import: report/batch start-up should not wait for pandas

    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_cell)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    if out.index.dtype == object or pd.api.types.is_string_dtype(out.index):
        out.index = out.index.map(neutralise_cell)
    return out


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
