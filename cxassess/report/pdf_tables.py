"""Column widths for the report's tables in print, set before WeasyPrint sees them.

WeasyPrint's automatic table layout measures every cell's text twice (its narrowest and widest
shape) before laying it out once more for real: a fifth of a report's PDF time. The report's HTML
is our own, simple markup (no nested tables), so the same shape is estimated here from the text and
DejaVu Sans' character widths, in well under a millisecond per table, and each table is given
``table-layout: fixed`` with those widths as ``<col>`` elements. The estimate follows CSS 2.1's
automatic layout: every column gets at least its longest word, the rest of the page is shared in
proportion to how much more room each column's longest line would use. The HTML file itself is not
changed: this is applied to the text handed to the PDF renderer only.
"""

from __future__ import annotations

import html
import re

#: DejaVu Sans advance widths (em) of the characters 32..126; anything else counts as WIDE.
_ASCII = (0.32, 0.4, 0.47, 0.84, 0.64, 0.96, 0.78, 0.28, 0.39, 0.39, 0.5, 0.85, 0.32, 0.36, 0.32, 0.34, 0.64, 0.64,
          0.64, 0.64, 0.64, 0.64, 0.64, 0.64, 0.64, 0.64, 0.34, 0.34, 0.84, 0.85, 0.84, 0.53, 1.0, 0.68, 0.69, 0.7,
          0.77, 0.63, 0.58, 0.78, 0.75, 0.29, 0.29, 0.65, 0.56, 0.86, 0.75, 0.79, 0.6, 0.79, 0.7, 0.64, 0.62, 0.73,
          0.68, 0.99, 0.69, 0.61, 0.68, 0.39, 0.34, 0.39, 0.84, 0.5, 0.5, 0.62, 0.63, 0.56, 0.64, 0.62, 0.35, 0.64,
          0.63, 0.28, 0.28, 0.58, 0.28, 0.97, 0.63, 0.61, 0.63, 0.64, 0.42, 0.52, 0.39, 0.63, 0.59, 0.82, 0.59, 0.59,
          0.52, 0.63, 0.34, 0.64, 0.84)
WIDE = 0.75
BOLD = 1.11  # DejaVu Sans Bold against Regular, on average
SLACK = 1.06  # estimates err on the wide side: a word wider than its column would run into the next one

#: The printed page's text width in rem (A4 less the report's 15 mm side margins, 1 rem = 10 pt).
PAGE_REM = 180 / 25.4 * 72 / 10
#: Tables whose stylesheet already fixes their columns, or that must keep their own layout.
KEEP = frozenset({"cx-ranking", "cx-items"})
#: class -> (font size in rem, horizontal padding of a cell in rem, least width as a share of the page, full width)
_KINDS = {"cx-heatmap": (0.85, 0.7, 1.0), "cx-themes": (0.85, 1.2, 0.6)}
_DEFAULT = (0.85, 1.2, 0.0)

_TABLE = re.compile(r"<table\b([^>]*)>(.*?)</table>", re.S)
_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.S)
_CELL = re.compile(r"<(t[hd])\b([^>]*)>(.*?)</t[hd]>", re.S)
_COLSPAN = re.compile(r'colspan="(\d+)"')
_NOWRAP = re.compile(r'<span class="(?:cx-ci|cx-dist-label)">(.*?)</span>', re.S)
_BREAK = re.compile(r"<br\s*/?>|</(?:p|div|li)>")
_TAG = re.compile(r"<[^>]+>")
_CLASS = re.compile(r'class="([^"]*)"')


def text_width(text: str) -> float:
    """Width of ``text`` in em of DejaVu Sans (no kerning: a slight over-estimate)."""
    return sum(_ASCII[o - 32] if 32 <= (o := ord(ch)) <= 126 else WIDE for ch in text)


def cell_extent(inner: str, header: bool) -> tuple[float, float]:
    """(longest unbreakable run, longest line) of a cell's HTML, in em."""
    inner = _NOWRAP.sub(lambda m: m.group(1).replace(" ", "\u00a0"), inner)
    lines = [html.unescape(_TAG.sub("", part)) for part in _BREAK.split(inner)]
    scale = BOLD if header else 1.0
    longest = max((text_width(" ".join(line.split())) for line in lines), default=0.0)
    word = max((text_width(w) for line in lines for w in line.split()), default=0.0)
    return word * scale * SLACK, longest * scale * SLACK


def column_widths(mins: list[float], maxs: list[float], room: float, least: float) -> tuple[list[float], float]:
    """Column widths and the table's width (same unit as ``room``), as CSS 2.1 automatic layout shares
    a line's room: all longest lines when they fit, else each column's longest word plus a share of the
    rest in proportion to how much wider its longest line is."""
    total_max, total_min = sum(maxs), sum(mins)
    if total_max <= room:
        width = max(total_max, least * room)
        grow = width / total_max if total_max else 1.0
        return [m * grow for m in maxs], width
    if total_min >= room:
        return list(mins), total_min
    spare = room - total_min
    stretch = total_max - total_min
    return [lo + (hi - lo) * spare / stretch for lo, hi in zip(mins, maxs, strict=True)], room


def _fix_table(match: re.Match[str]) -> str:
    attrs, body = match.group(1), match.group(2)
    found = _CLASS.search(attrs)
    classes = set(found.group(1).split()) if found else set()
    if classes & KEEP or "<table" in body or "<colgroup" in body or "style=" in attrs:
        return match.group(0)
    font, padding, least = next((_KINDS[c] for c in classes if c in _KINDS), _DEFAULT)
    mins: list[float] = []
    maxs: list[float] = []
    for row in _ROW.finditer(body):
        column = 0
        for cell in _CELL.finditer(row.group(1)):
            span = int(m.group(1)) if (m := _COLSPAN.search(cell.group(2))) else 1
            while len(mins) < column + span:
                mins.append(0.0)
                maxs.append(0.0)
            if span == 1:
                word, line = cell_extent(cell.group(3), cell.group(1) == "th")
                pad = padding / font
                mins[column] = max(mins[column], word + pad)
                maxs[column] = max(maxs[column], line + pad)
            column += span
    if not mins:
        return match.group(0)
    widths, width = column_widths(mins, maxs, PAGE_REM / font, least)
    cols = "".join(f'<col style="width:{100 * w / width:.2f}%">' for w in widths)
    table_width = min(width * font / PAGE_REM, 1.0) * 100
    head = f'<table{attrs} style="table-layout:fixed;width:{table_width:.2f}%">'
    caption_end = body.find("</caption>")
    if body.lstrip().startswith("<caption") and caption_end >= 0:
        cut = caption_end + len("</caption>")
        return f"{head}{body[:cut]}<colgroup>{cols}</colgroup>{body[cut:]}</table>"
    return f"{head}<colgroup>{cols}</colgroup>{body}</table>"


def fix_table_columns(report_html: str) -> str:
    """The report's HTML with every table (but those in :data:`KEEP`) laid out with fixed, estimated columns."""
    return _TABLE.sub(_fix_table, report_html)


__all__ = ["fix_table_columns", "column_widths", "cell_extent", "text_width", "PAGE_REM", "KEEP"]
