"""The deck's page furniture: the template and its layouts, titles, and slides of text and tables that fit.

Layouts are picked by name (``Title Slide``, ``Title Only``), or failing that by their placeholders
(a centred title; a title and nothing else), or the first layout: a firm's own template works when
its layouts are named otherwise. Text never relies on PowerPoint's autofit (LibreOffice and
PowerPoint differ): text is written with exact line heights (:mod:`cxassess.report.deck_text`),
tables with measured rows (:mod:`cxassess.report.deck_tables`), at the largest font size that fits
a box, or continued on a new slide.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pptx import Presentation
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.util import Pt

from cxassess._util.paths import TEMPLATES_DIR
from cxassess.errors import CxError
from cxassess.report.deck_tables import TABLE_SIZES, draw_table, table_plan
from cxassess.report.deck_text import (
    BODY_SIZES,
    TITLE_SIZES,
    Box,
    block_height,
    box_of,
    fit_text,
    paginate,
    rgb,
    text_height,
)
from cxassess.report.html_text import Block, Run, Table

DEFAULT_TEMPLATE = TEMPLATES_DIR / "pptx" / "cxassess.pptx"
CONTINUED = " (continued)"


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
        self._title = _placeholder(self.content_layout, (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE))
        self._title_box = box_of(self._title) if self._title is not None else None

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
            fit_text(ph, [Block("h", [Run(title)])], TITLE_SIZES + (12, 10), heading_bold=False)
        sub = _placeholder(slide, (PP_PLACEHOLDER.SUBTITLE, PP_PLACEHOLDER.BODY))
        blocks = [Block("p", [Run(line)]) for line in subtitle if line]
        if sub is not None:
            fit_text(sub, blocks, (20, 18, 16, 14, 12, 10))
        elif blocks:
            box = Box(self.area.left, int(self.height * 0.62), self.area.width, int(self.height * 0.25))
            fit_text(self.add_box(slide, box), blocks, (20, 18, 16, 14, 12, 10))
        return slide

    def slide(self, title: str) -> Any:
        """A content slide with its title fitted into the layout's title placeholder.

        Only the title placeholder is cloned from the layout (python-pptx's ``add_slide`` clones
        every one, whose body prompts would show, and it was a tenth of the deck's cost)."""
        rId, slide = self.prs.part.add_slide(self.content_layout)
        blocks = [Block("h", [Run(title)])]
        if self._title is not None:
            slide.shapes.clone_placeholder(self._title)
            self.prs.slides._sldIdLst.add_sldId(rId)
            fit_text(slide.shapes[0], blocks, TITLE_SIZES, heading_bold=False, box=self._title_box)
        else:
            self.prs.slides._sldIdLst.add_sldId(rId)
            box = Box(self.area.left, int(self.height * 0.04), self.area.width, int(self.height * 0.12))
            fit_text(self.add_box(slide, box), blocks, TITLE_SIZES, box=box)
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
        size, widths, heights = table_plan(table, box.width, room, sizes)
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
            draw_table(slide, chosen, table.header_rows, box, widths, row_h, size)
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


def _placeholder(holder: Any, types: Sequence[Any]) -> Any:
    for ph in holder.placeholders:
        if ph.placeholder_format.type in types:
            return ph
    return None


__all__ = ["Box", "Deck", "DEFAULT_TEMPLATE", "BODY_SIZES", "TABLE_SIZES", "fit_text", "paginate", "text_height",
           "block_height", "rgb"]
