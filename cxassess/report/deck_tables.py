"""The deck's native tables: column widths that give every column its longest word, row heights
measured at a font size, the largest size whose rows fit, and the table written as one ``a:tbl``
element (merged cells for colspans, cell fills, exact row heights)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from pptx.oxml import parse_xml
from pptx.oxml.ns import qn
from pptx.util import Pt

from cxassess.report import textfit
from cxassess.report.deck_text import SLACK, Box, is_dark, ppr_xml, run_xml
from cxassess.report.html_text import Table
from cxassess.report.theme import TEXT

TABLE_SIZES = (14, 12, 11, 10, 9)
CELL_MARGIN = Pt(4)
_NS = ('xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
       'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"')


def _cell_width_pt(text: str, size: float, bold: bool) -> float:
    """The column width (points) that holds ``text`` on one line, margins and slack included."""
    return textfit.text_width(text, size, bold) / SLACK + 2 * CELL_MARGIN / 12700 + 1


def table_plan(table: Table, width: int, room: int, sizes: Sequence[int]) -> tuple[int, list[int], list[int]]:
    """(font size, column widths, row heights): the largest size whose rows fit ``room`` without
    cutting a word, else the smallest size."""
    ncols = max(sum(c.colspan for c in r) for r in table.rows)
    plan: tuple[int, list[int], list[int]] | None = None
    for size in sizes:
        widths = _column_widths(table, ncols, width, size)
        heights, cut = _row_heights(table, widths, size)
        plan = (size, widths, heights)
        if not cut and sum(heights) <= room:
            return plan
        if not cut and size == sizes[-1]:
            return plan
    assert plan is not None
    return plan


#: No column's minimum width (its longest word) may take more than this share of the table's width;
#: a longer unbroken string (a hostile 120-letter group label) is broken across lines instead.
WORD_CAP = 0.35


def _column_widths(table: Table, ncols: int, width: int, size: float) -> list[int]:
    """Widths that give every column at least its longest word (up to :data:`WORD_CAP`), the rest
    shared by how much text each column holds."""
    total = width / 12700
    natural = [0.0] * ncols
    minimum = [0.0] * ncols
    for r, row in enumerate(table.rows):
        col = 0
        for c in row:
            if c.colspan == 1:
                bold = c.header or r < table.header_rows
                natural[col] = max(natural[col], min(_cell_width_pt(c.text, size, bold), total))
                words = c.text.split() or [""]
                minimum[col] = max(minimum[col], max(_cell_width_pt(w, size, bold) for w in words))
            col += c.colspan
    minimum = [min(m, WORD_CAP * total) for m in minimum]
    natural = [max(n, m) for n, m in zip(natural, minimum, strict=True)]
    if sum(natural) <= total:
        scale = total / max(sum(natural), 1)
        return [int(Pt(n * scale)) for n in natural]
    rest = total - sum(minimum)
    if rest <= 0:
        scale = total / sum(minimum)
        return [int(Pt(m * scale)) for m in minimum]
    extra = [n - m for n, m in zip(natural, minimum, strict=True)]
    share = rest / (sum(extra) or 1)
    return [int(Pt(m + e * share)) for m, e in zip(minimum, extra, strict=True)]


def _row_heights(table: Table, widths: list[int], size: float) -> tuple[list[int], bool]:
    """Row heights at ``size``, and whether a word short enough to fit a column had to be cut."""
    cap = WORD_CAP * sum(widths) / 12700
    heights, cut = [], False
    for r, row in enumerate(table.rows):
        col, lines = 0, 1
        for c in row:
            w = sum(widths[col:col + c.colspan]) / 12700 - 2 * CELL_MARGIN / 12700
            bold = c.header or r < table.header_rows
            wrapped = textfit.wrap(c.text, w * SLACK, size, bold)
            kept = wrapped_words(wrapped)
            cut = cut or any(word not in kept and _cell_width_pt(word, size, bold) <= cap for word in c.text.split())
            lines = max(lines, len(wrapped))
            col += c.colspan
        heights.append(int(Pt(lines * size * textfit.LINE_HEIGHT) + 2 * CELL_MARGIN + Pt(1)))
    return heights, cut


def wrapped_words(lines: Sequence[str]) -> set[str]:
    return {w for line in lines for w in line.split()}


_MERGED = '<a:tc hMerge="1"><a:txBody><a:bodyPr/><a:lstStyle/><a:p/></a:txBody><a:tcPr/></a:tc>'


def draw_table(slide: Any, rows: Sequence[Sequence[Any]], header_rows: int, box: Box, widths: list[int],
                heights: list[int], size: float) -> Any:
    """A native table written as one ``a:tbl`` element (merged cells for colspans, fills, exact heights)."""
    ncols = len(widths)
    shape = slide.shapes.add_table(1, 1, box.left, box.top, sum(widths), sum(heights))
    grid = "".join(f'<a:gridCol w="{w}"/>' for w in widths)
    margin = f'marL="{CELL_MARGIN}" marR="{CELL_MARGIN}" marT="{CELL_MARGIN}" marB="{CELL_MARGIN}"'
    out = []
    for r, (row, h) in enumerate(zip(rows, heights, strict=True)):
        cells = []
        for c in row:
            span = min(c.colspan, ncols)
            head = r < header_rows
            colour = ("#ffffff" if is_dark(c.fill) else TEXT) if c.fill else (None if head else TEXT)
            align = "r" if (c.numeric or _is_number(c.text)) else ""
            para = (f"<a:p>{ppr_xml(size, 0, 0, 0, False, align)}"
                    f"{run_xml(c.text, size, bold=c.header and not head, colour=colour)}</a:p>")
            fill = (f'<a:solidFill><a:srgbClr val="{c.fill.lstrip("#").upper()}"/></a:solidFill>' if c.fill
                    else "" if head else "<a:noFill/>")
            grid_span = f' gridSpan="{span}"' if span > 1 else ""
            cells.append(f'<a:tc{grid_span}><a:txBody><a:bodyPr/><a:lstStyle/>{para}</a:txBody>'
                         f'<a:tcPr {margin}>{fill}</a:tcPr></a:tc>')
            cells += [_MERGED] * (span - 1)
        out.append(f'<a:tr h="{h}">{"".join(cells)}</a:tr>')
    first = ' firstRow="1"' if header_rows else ""
    old = shape.table._tbl
    style = old.find(qn("a:tblPr"))
    style_id = style.find(qn("a:tableStyleId")) if style is not None else None
    sid = f"<a:tableStyleId>{style_id.text}</a:tableStyleId>" if style_id is not None else ""
    tbl = parse_xml(f'<a:tbl {_NS}><a:tblPr{first}>{sid}</a:tblPr><a:tblGrid>{grid}</a:tblGrid>{"".join(out)}</a:tbl>')
    old.addprevious(tbl)
    old.getparent().remove(old)
    return shape


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text.replace("–", "-")))
    except ValueError:
        return False



__all__ = ["TABLE_SIZES", "CELL_MARGIN", "WORD_CAP", "table_plan", "draw_table"]
