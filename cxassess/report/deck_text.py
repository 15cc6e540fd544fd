"""The deck's text: how tall blocks are at a size, pages of blocks that fit a box, and text bodies
written as XML with exact line heights (never PowerPoint's autofit, which LibreOffice does not share).

Heights come from :mod:`cxassess.report.textfit` (DejaVu metrics), so the deck can pick the largest
font size that fits a box, or continue on a further slide.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from pptx.dml.color import RGBColor
from pptx.oxml import parse_xml
from pptx.oxml.ns import qn
from pptx.util import Pt

from cxassess.report import textfit
from cxassess.report.html_text import Block, Run

TITLE_SIZES = (32, 28, 24, 20, 18, 16, 14)
BODY_SIZES = (18, 16, 15, 14, 13, 12, 11)
INSET = Pt(7.2)  # text frame margins left/right (PowerPoint's own default)
INSET_V = Pt(3.6)
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


def is_dark(hex_colour: str) -> bool:
    r, g, b = (int(hex_colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    return 0.299 * r + 0.587 * g + 0.114 * b < 140



def _run(text: str, bold: bool = False) -> Any:
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
    room = box.text_height_pt
    pages: list[list[Block]] = [[]]
    used = 0.0
    for block in blocks:
        h = block_height(block, box.text_width_pt, size)
        for piece in [block] if h <= room else _split(block, box, size):
            h = block_height(piece, box.text_width_pt, size)
            if pages[-1] and used + h > room:
                pages.append([])
                used = 0.0
            pages[-1].append(piece)
            used += h
    return [(size, p) for p in pages if p]


def _split(block: Block, box: Box, size: int) -> list[Block]:
    """A block taller than a whole page as pieces that each fit one, its words in order and none
    dropped (the pieces are plain text; the rest continue as paragraphs)."""
    words: list[str] = block.text.split(" ")
    pieces: list[Block] = []
    while words:
        lo, hi = 1, len(words)
        while lo < hi:  # the most words that fit one page
            mid = (lo + hi + 1) // 2
            if block_height(_piece(block, words[:mid], not pieces), box.text_width_pt, size) <= box.text_height_pt:
                lo = mid
            else:
                hi = mid - 1
        pieces.append(_piece(block, words[:lo], not pieces))
        words = words[lo:]
    return pieces


def _piece(block: Block, words: Sequence[str], first: bool) -> Block:
    return Block(block.kind if first else "p", [_run(" ".join(words))], block.number if first else 0, block.note)


def box_of(shape: Any) -> Box:
    return Box(int(shape.left), int(shape.top), int(shape.width), int(shape.height))


def fit_text(shape: Any, blocks: Sequence[Block], sizes: Sequence[float], *, heading_bold: bool = True,
             box: Box | None = None) -> float:
    """Write ``blocks`` into ``shape`` at the largest of ``sizes`` that fits its box (the smallest
    otherwise); exact line heights, no autofit. Returns the size used.

    The text body is written as XML in one go (python-pptx's object model costs ~50x more per run)."""
    box = box or box_of(shape)
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


def run_xml(text: str, size: float, bold: bool = False, italic: bool = False, colour: str | None = None) -> str:
    attrs = f' lang="en-GB" sz="{int(round(size * 100))}"' + (' b="1"' if bold else "") + (' i="1"' if italic else "")
    fill = f'<a:solidFill><a:srgbClr val="{colour.lstrip("#").upper()}"/></a:solidFill>' if colour else ""
    return f'<a:r><a:rPr{attrs} dirty="0">{fill}</a:rPr><a:t>{xml_text(text)}</a:t></a:r>'


def ppr_xml(font: float, indent: float, after: float, number: int, bullet: bool, align: str = "") -> str:
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
    ppr = ppr_xml(font, indent, after, 0, block.kind == "li") if block.kind != "ol" else (
        ppr_xml(font, 0, after, 0, False).replace('marL="0" indent="0"',
                                                   f'marL="{int(Pt(indent))}" indent="{-int(Pt(indent))}"'))
    colour = "#555555" if block.note else None
    runs = "".join(run_xml(r.text, font, r.bold or (block.kind == "h" and heading_bold), r.italic, colour)
                   for r in _runs_of(block))
    return f"<a:p>{ppr}{runs}</a:p>"


__all__ = ["Box", "BODY_SIZES", "TITLE_SIZES", "INSET", "INSET_V", "SLACK", "rgb", "is_dark", "block_height",
           "text_height", "paginate", "fit_text", "box_of", "xml_text", "run_xml", "ppr_xml"]
