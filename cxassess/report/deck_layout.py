"""The deck's page furniture: the template and its layouts, titles, and text and tables that fit their boxes.

Layouts are picked by name (``Title Slide``, ``Title Only``), or failing that by their placeholders
(a centred title; a title and nothing else), or the first layout: a firm's own template works when
its layouts are named otherwise. Text never relies on PowerPoint's autofit (LibreOffice and
PowerPoint differ): every paragraph has an exact line height, and :mod:`cxassess.report.textfit`
measures it, so the builder picks the largest font size that fits a box or continues on a new slide.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.oxml import parse_xml
from pptx.oxml.ns import qn
from pptx.util import Pt

from cxassess._util.paths import TEMPLATES_DIR
from cxassess.errors import CxError
from cxassess.report import textfit
from cxassess.report.html_text import Block, Table
from cxassess.report.theme import TEXT

DEFAULT_TEMPLATE = TEMPLATES_DIR / "pptx" / "cxassess.pptx"
TITLE_SIZES = (32, 28, 24, 20, 18, 16, 14)
BODY_SIZES = (18, 16, 15, 14, 13, 12, 11)
TABLE_SIZES = (14, 12, 11, 10, 9)
INSET = Pt(7.2)  # text frame margins left/right (PowerPoint's own default)
INSET_V = Pt(3.6)
CELL_MARGIN = Pt(4)
CONTINUED = " (continued)"
#: Text is wrapped to this share of its box's width: word-by-word measuring can differ from a
#: renderer's by a few points a line (kerning, rounding), and a line too many would overflow.
SLACK = 0.97


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    width: int
    height: int

    @property
    def text_width_pt(self) -> float:
        return (self.width - 2 * INSET) / 12700

    @property
    def text_height_pt(self) -> float:
        return (self.height - 2 * INSET_V) / 12700


def rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#").upper())


def _is_dark(hex_colour: str) -> bool:
    r, g, b = (int(hex_colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    return 0.299 * r + 0.587 * g + 0.114 * b < 140


class Deck:
    """A presentation opened from a template (ours or a firm's), emptied of its sample slides."""

    def __init__(self, template: Path | None = None) -> None:
        path = Path(template) if template else DEFAULT_TEMPLATE
        try:
            self.prs = Presentation(str(path))
        except Exception as exc:  # noqa: BLE001 - python-pptx raises many kinds for a bad file
            raise CxError(f"PowerPoint template {path}: cannot be opened as a .pptx ({type(exc).__name__})") from None
        for sld in list(self.prs.slides._sldIdLst):  # a firm's template may carry example slides
            self.prs.part.drop_rel(sld.rId)
            self.prs.slides._sldIdLst.remove(sld)
        layouts = list(self.prs.slide_layouts)
        if not layouts:
            raise CxError(f"PowerPoint template {path}: it has no slide layouts")
        self.title_layout = _layout(layouts, ("Title Slide",), _has_centre_title) or layouts[0]
        self.content_layout = _layout(layouts, ("Title Only",), _title_only) or _layout(
            layouts, ("Title and Content",), _has_title) or layouts[0]
        self.width, self.height = int(self.prs.slide_width or 12192000), int(self.prs.slide_height or 6858000)
        self.area = self._content_area()
        title = _placeholder(self.content_layout, (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE))
        self._title_box = _box_of(title) if title is not None else None

    def _content_area(self) -> Box:
        """Below the content layout's title, above its footers, inside its side margins."""
        margin = int(self.width * 0.05)
        title = _placeholder(self.content_layout, (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE))
        top = int(title.top + title.height + self.height * 0.02) if title is not None else int(self.height * 0.18)
        left = int(title.left) if title is not None else margin
        width = int(title.width) if title is not None else self.width - 2 * margin
        bottom = int(self.height * 0.92)
        return Box(left, top, width, max(bottom - top, int(self.height * 0.4)))

    def save(self, path: Path) -> None:
        self.prs.save(str(path))

    # --- slides -------------------------------------------------------------------------
    def title_slide(self, title: str, subtitle: Sequence[str]) -> Any:
        slide = self.prs.slides.add_slide(self.title_layout)
        ph = _placeholder(slide, (PP_PLACEHOLDER.CENTER_TITLE, PP_PLACEHOLDER.TITLE))
        if ph is not None:
            fit_text(ph, [Block("h", [_run(title)])], TITLE_SIZES + (12, 10), heading_bold=False)
        sub = _placeholder(slide, (PP_PLACEHOLDER.SUBTITLE, PP_PLACEHOLDER.BODY))
        blocks = [Block("p", [_run(line)]) for line in subtitle if line]
        if sub is not None:
            fit_text(sub, blocks, (20, 18, 16, 14, 12, 10))
        elif blocks:
            box = Box(self.area.left, int(self.height * 0.62), self.area.width, int(self.height * 0.25))
            fit_text(self.add_box(slide, box), blocks, (20, 18, 16, 14, 12, 10))
        return slide

    def slide(self, title: str) -> Any:
        """A content slide with its title fitted into the layout's title placeholder."""
        slide = self.prs.slides.add_slide(self.content_layout)
        ph = None
        for shape in slide.shapes:  # only the title is used; body placeholders would show their prompts
            kind = _ph_type(shape._element)
            if kind is None:
                continue
            if kind in ("title", "ctrTitle") and ph is None:
                ph = shape
            else:
                shape._element.getparent().remove(shape._element)
        if ph is not None:
            fit_text(ph, [Block("h", [_run(title)])], TITLE_SIZES, heading_bold=False, box=self._title_box)
        else:
            box = Box(self.area.left, int(self.height * 0.04), self.area.width, int(self.height * 0.12))
            fit_text(self.add_box(slide, box), [Block("h", [_run(title)])], TITLE_SIZES, box=box)
        return slide

    def add_box(self, slide: Any, box: Box) -> Any:
        return slide.shapes.add_textbox(box.left, box.top, box.width, box.height)

    def flow(self, title: str, blocks: Sequence[Block], box: Box | None = None,
             sizes: Sequence[int] = BODY_SIZES) -> list[Any]:
        """Blocks on as few slides as they fit: the largest size that fits one slide, else the
        smallest size over several (titled ``... (continued)``)."""
        box = box or self.area
        pages = paginate(list(blocks), box, sizes)
        slides = []
        for k, (size, page) in enumerate(pages):
            slide = self.slide(title + (CONTINUED if k else ""))
            fit_text(self.add_box(slide, box), page, (size,), box=box)
            slides.append(slide)
        return slides

    def table(self, title: str, table: Table, *, box: Box | None = None, note: Sequence[Block] = (),
              sizes: Sequence[int] = TABLE_SIZES) -> list[Any]:
        """A native table on as few slides as it fits (the header row repeats); ``note`` under it."""
        box = box or self.area
        note_h = int(Pt(text_height(note, box.text_width_pt, 11) + 8)) if note else 0
        room = box.height - note_h
        size, widths, heights = _table_plan(table, box.width, room, sizes)
        head = table.rows[: table.header_rows]
        body = table.rows[table.header_rows:]
        head_h = sum(heights[: table.header_rows])
        pages: list[list[int]] = [[]]
        used = head_h
        for i, h in enumerate(heights[table.header_rows:]):
            if pages[-1] and used + h > room:
                pages.append([])
                used = head_h
            pages[-1].append(i)
            used += h
        slides = []
        for k, rows in enumerate(pages):
            slide = self.slide(title + (CONTINUED if k else ""))
            chosen = head + [body[i] for i in rows]
            row_h = heights[: table.header_rows] + [heights[table.header_rows + i] for i in rows]
            _draw_table(slide, chosen, table.header_rows, box, widths, row_h, size)
            if note:
                top = box.top + sum(row_h) + int(Pt(6))
                fit_text(self.add_box(slide, Box(box.left, top, box.width, note_h)), note, (11, 10, 9))
            slides.append(slide)
        return slides


# --- layouts and placeholders ----------------------------------------------------------------
def _layout(layouts: Sequence[Any], names: Sequence[str], test: Any) -> Any:
    wanted = {n.casefold() for n in names}
    for layout in layouts:
        if layout.name.strip().casefold() in wanted:
            return layout
    return next((layout for layout in layouts if test(layout)), None)


def _types(layout: Any) -> list[Any]:
    return [ph.placeholder_format.type for ph in layout.placeholders]


def _has_centre_title(layout: Any) -> bool:
    return PP_PLACEHOLDER.CENTER_TITLE in _types(layout)


def _has_title(layout: Any) -> bool:
    return PP_PLACEHOLDER.TITLE in _types(layout)


def _title_only(layout: Any) -> bool:
    furniture = {PP_PLACEHOLDER.DATE, PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.SLIDE_NUMBER, PP_PLACEHOLDER.TITLE}
    types = _types(layout)
    return PP_PLACEHOLDER.TITLE in types and set(types) <= furniture


def _ph_type(element: Any) -> str | None:
    """A shape element's placeholder type (``title``, ``body``...; ``obj`` when unset), None for other shapes."""
    nv = element[0] if len(element) else None
    nvpr = nv.find(qn("p:nvPr")) if nv is not None else None
    ph = nvpr.find(qn("p:ph")) if nvpr is not None else None
    return None if ph is None else ph.get("type", "obj")


def _placeholder(holder: Any, types: Sequence[Any]) -> Any:
    for ph in holder.placeholders:
        if ph.placeholder_format.type in types:
            return ph
    return None


def _run(text: str, bold: bool = False) -> Any:
    from cxassess.report.html_text import Run

    return Run(text, bold)


# --- text ---------------------------------------------------------------------------------
def _sizes_of(block: Block, size: float) -> tuple[float, float, float]:
    """(font size, left indent, space after) of a block at body size ``size``."""
    if block.kind == "h":
        return size + 2, 0.0, size * 0.35
    if block.kind in ("li", "ol"):
        return size, size * 1.3, size * 0.35
    return (size - 2 if block.note else size), 0.0, size * 0.5


def block_height(block: Block, width_pt: float, size: float, heading_bold: bool = True) -> float:
    font, indent, after = _sizes_of(block, size)
    bold_all = block.kind == "h" and heading_bold
    runs = [(r.text, r.bold or bold_all) for r in _runs_of(block)]
    return textfit.runs_lines(runs, (width_pt - indent) * SLACK, font) * font * textfit.LINE_HEIGHT + after


def text_height(blocks: Sequence[Block], width_pt: float, size: float, heading_bold: bool = True) -> float:
    return sum(block_height(b, width_pt, size, heading_bold) for b in blocks)


def paginate(blocks: list[Block], box: Box, sizes: Sequence[int]) -> list[tuple[int, list[Block]]]:
    """One page at the largest size that fits, else pages at the smallest size."""
    for size in sizes:
        if text_height(blocks, box.text_width_pt, size) <= box.text_height_pt:
            return [(size, blocks)]
    size = sizes[-1]
    pages: list[list[Block]] = [[]]
    used = 0.0
    for block in blocks:
        h = block_height(block, box.text_width_pt, size)
        if pages[-1] and used + h > box.text_height_pt:
            pages.append([])
            used = 0.0
        if h > box.text_height_pt:  # one block taller than a slide: cut it (never seen with real reports)
            block = _cut(block, box, size)
            h = block_height(block, box.text_width_pt, size)
        pages[-1].append(block)
        used += h
    return [(size, p) for p in pages if p]


def _cut(block: Block, box: Box, size: int) -> Block:
    words = block.text.split(" ")
    while len(words) > 1:
        words = words[: max(1, int(len(words) * 0.9))]
        cut = Block(block.kind, [_run(" ".join(words) + " …")], block.number, block.note)
        if block_height(cut, box.text_width_pt, size) <= box.text_height_pt:
            return cut
    return Block(block.kind, [_run(block.text[:200] + " …")], block.number, block.note)


def _box_of(shape: Any) -> Box:
    return Box(int(shape.left), int(shape.top), int(shape.width), int(shape.height))


def fit_text(shape: Any, blocks: Sequence[Block], sizes: Sequence[float], *, heading_bold: bool = True,
             box: Box | None = None) -> float:
    """Write ``blocks`` into ``shape`` at the largest of ``sizes`` that fits its box (the smallest
    otherwise); exact line heights, no autofit. Returns the size used.

    The text body is written as XML in one go (python-pptx's object model costs ~50x more per run)."""
    box = box or _box_of(shape)
    size = sizes[-1]
    for s in sizes:
        if text_height(blocks, box.text_width_pt, s, heading_bold) <= box.text_height_pt:
            size = s
            break
    paras = "".join(_paragraph_xml(block, size, heading_bold) for block in blocks) or "<a:p/>"
    body = (f'<p:txBody {_NS}><a:bodyPr wrap="square" lIns="{INSET}" rIns="{INSET}" tIns="{INSET_V}" '
            f'bIns="{INSET_V}" anchor="t"><a:noAutofit/></a:bodyPr><a:lstStyle/>{paras}</p:txBody>')
    old = shape._element.find(qn("p:txBody"))
    new = parse_xml(body)
    if old is not None:
        old.addprevious(new)
        old.getparent().remove(old)
    else:
        shape._element.append(new)
    return size


_NS = ('xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
       'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"')
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text escaped for XML; characters XML cannot hold are shown as their escape (``\\x07``)."""
    return xml_escape(_XML_ILLEGAL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", str(text)))


def _run_xml(text: str, size: float, bold: bool = False, italic: bool = False, colour: str | None = None) -> str:
    attrs = f' lang="en-GB" sz="{int(round(size * 100))}"' + (' b="1"' if bold else "") + (' i="1"' if italic else "")
    fill = f'<a:solidFill><a:srgbClr val="{colour.lstrip("#").upper()}"/></a:solidFill>' if colour else ""
    return f'<a:r><a:rPr{attrs} dirty="0">{fill}</a:rPr><a:t>{xml_text(text)}</a:t></a:r>'


def _ppr_xml(font: float, indent: float, after: float, number: int, bullet: bool, align: str = "") -> str:
    spacing = (f'<a:lnSpc><a:spcPts val="{int(round(font * textfit.LINE_HEIGHT * 100))}"/></a:lnSpc>'
               f'<a:spcBef><a:spcPts val="0"/></a:spcBef><a:spcAft><a:spcPts val="{int(round(after * 100))}"/>'
               '</a:spcAft>')
    algn = f' algn="{align}"' if align else ""
    if bullet:
        bu = (f'<a:buAutoNum type="arabicPeriod" startAt="{number}"/>' if number
              else '<a:buFont typeface="Arial"/><a:buChar char="&#8226;"/>')
        return f'<a:pPr marL="{int(Pt(indent))}" indent="{-int(Pt(indent))}"{algn}>{spacing}{bu}</a:pPr>'
    return f'<a:pPr marL="0" indent="0"{algn}>{spacing}<a:buNone/></a:pPr>'


def _runs_of(block: Block) -> list[Any]:
    """A numbered item's number is text (``1. ``): viewers' automatic numbering does not restart reliably."""
    return [_run(f"{block.number}. "), *block.runs] if block.kind == "ol" else list(block.runs)


def _paragraph_xml(block: Block, size: float, heading_bold: bool) -> str:
    font, indent, after = _sizes_of(block, size)
    ppr = _ppr_xml(font, indent, after, 0, block.kind == "li") if block.kind != "ol" else (
        _ppr_xml(font, 0, after, 0, False).replace('marL="0" indent="0"',
                                                   f'marL="{int(Pt(indent))}" indent="{-int(Pt(indent))}"'))
    colour = "#555555" if block.note else None
    runs = "".join(_run_xml(r.text, font, r.bold or (block.kind == "h" and heading_bold), r.italic, colour)
                   for r in _runs_of(block))
    return f"<a:p>{ppr}{runs}</a:p>"


# --- tables -------------------------------------------------------------------------------
def _cell_width_pt(text: str, size: float, bold: bool) -> float:
    """The column width (points) that holds ``text`` on one line, margins and slack included."""
    return textfit.text_width(text, size, bold) / SLACK + 2 * CELL_MARGIN / 12700 + 1


def _table_plan(table: Table, width: int, room: int, sizes: Sequence[int]) -> tuple[int, list[int], list[int]]:
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


def _draw_table(slide: Any, rows: Sequence[Sequence[Any]], header_rows: int, box: Box, widths: list[int],
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
            colour = ("#ffffff" if _is_dark(c.fill) else TEXT) if c.fill else (None if head else TEXT)
            align = "r" if (c.numeric or _is_number(c.text)) else ""
            para = (f"<a:p>{_ppr_xml(size, 0, 0, 0, False, align)}"
                    f"{_run_xml(c.text, size, bold=c.header and not head, colour=colour)}</a:p>")
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


__all__ = ["Box", "Deck", "DEFAULT_TEMPLATE", "fit_text", "paginate", "text_height", "block_height", "rgb"]
