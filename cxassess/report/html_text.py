"""The report's HTML fragments (:mod:`cxassess.report.narrative`) as plain blocks for other formats.

The deck shows the same words as the HTML report by reading the narrative's own fragments instead
of writing its sentences a second time: headings, paragraphs and list items become :class:`Block`
(text runs with bold/italic), tables become :class:`Table` (cells with their colspan, fill colour
and alignment, as the heatmap's inline ``background`` gives them). Entities are decoded, so the
text is the raw user string again (the deck and workbook make it safe their own way).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "caption", "div"}
_FILL = re.compile(r"background(?:-color)?\s*:\s*(#[0-9a-fA-F]{6})")


@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False


@dataclass
class Block:
    """A heading (``h``), paragraph (``p``), bullet (``li``) or numbered item (``ol``, with ``number``)."""

    kind: str
    runs: list[Run] = field(default_factory=list)
    number: int = 0
    note: bool = False  # a small-print note (class cx-note / cx-sub)

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass
class Cell:
    text: str
    header: bool = False
    colspan: int = 1
    fill: str | None = None  # "#rrggbb"
    numeric: bool = False
    css: str = ""


@dataclass
class Table:
    kind: str = "table"
    caption: str = ""
    rows: list[list[Cell]] = field(default_factory=list)
    header_rows: int = 0

    def drop_empty_columns(self) -> Table:
        """Without columns that hold no text in any body row (the HTML's drawn bars)."""
        width = max((sum(c.colspan for c in r) for r in self.rows), default=0)
        keep = [any(_cell_at(r, i) is not None and _cell_at(r, i).text.strip()  # type: ignore[union-attr]
                    for r in self.rows[self.header_rows:]) for i in range(width)]
        rows = [[c for i, c in enumerate(r) if c.colspan > 1 or keep[_start(r, i)]] for r in self.rows]
        return Table(self.kind, self.caption, rows, self.header_rows)


def _start(row: list[Cell], index: int) -> int:
    return sum(c.colspan for c in row[:index])


def _cell_at(row: list[Cell], column: int) -> Cell | None:
    at = 0
    for c in row:
        if at <= column < at + c.colspan:
            return c if c.colspan == 1 else None
        at += c.colspan
    return None


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[Block | Table] = []
        self.block: Block | None = None
        self.styles: list[str] = []  # open inline tags
        self.lists: list[list[int]] = []  # [ordered?, counter]
        self.table: Table | None = None
        self.cell: Cell | None = None
        self.in_head = False
        self.notes: list[bool] = []

    # --- helpers -------------------------------------------------------------------
    def _close_block(self) -> None:
        if self.block is not None:
            runs = _tidy(self.block.runs)
            if runs:
                self.block.runs = runs
                self.out.append(self.block)
            self.block = None

    def _text(self, text: str) -> None:
        if self.cell is not None:
            self.cell.text += text
            return
        if self.table is not None and self.table.caption is not None and self.styles[-1:] == ["caption"]:
            self.table.caption += text
            return
        if self.block is None:
            if not text.strip():
                return
            self.block = Block("p")
        self.block.runs.append(Run(text, bold="strong" in self.styles or "b" in self.styles,
                                   italic="em" in self.styles or "i" in self.styles))

    # --- parser callbacks --------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        css = a.get("class", "")
        if tag == "table":
            self._close_block()
            self.table = Table()
        elif self.table is not None and tag == "thead":
            self.in_head = True
        elif self.table is not None and tag == "tr":
            self.table.rows.append([])
        elif self.table is not None and tag in ("td", "th"):
            fill = _FILL.search(a.get("style", ""))
            self.cell = Cell("", header=tag == "th", colspan=int(a.get("colspan") or 1),
                             fill=fill.group(1).lower() if fill else None, numeric="num" in css.split(), css=css)
        elif self.table is not None and tag == "caption":
            self.styles.append("caption")
        elif tag in ("ul", "ol"):
            self._close_block()
            self.lists.append([tag == "ol", 0])
        elif tag in _BLOCKS and self.cell is None:
            self._close_block()
            kind = "h" if tag[0] == "h" and tag[1:].isdigit() else "p"
            if tag == "li" and self.lists:
                self.lists[-1][1] += 1
                kind = "ol" if self.lists[-1][0] else "li"
            self.block = Block(kind, number=self.lists[-1][1] if tag == "li" and self.lists else 0,
                               note=bool({"cx-note", "cx-sub"} & set(css.split())))
        elif tag == "br":
            self._text("\n")
        else:
            self.styles.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.table is not None:
            self.out.append(self.table)
            self.table = None
        elif self.table is not None and tag == "thead":
            self.in_head = False
        elif self.table is not None and tag == "tr":
            if self.in_head:
                self.table.header_rows += 1
        elif self.table is not None and tag in ("td", "th") and self.cell is not None:
            self.cell.text = " ".join(self.cell.text.split())
            self.table.rows[-1].append(self.cell)
            self.cell = None
        elif tag in ("ul", "ol"):
            self._close_block()
            if self.lists:
                self.lists.pop()
        elif tag in _BLOCKS and self.cell is None and tag != "caption":
            self._close_block()
        elif tag in self.styles:
            del self.styles[len(self.styles) - 1 - self.styles[::-1].index(tag)]

    def handle_data(self, data: str) -> None:
        self._text(data)


def _tidy(runs: list[Run]) -> list[Run]:
    """Collapse white space across runs (as a browser would) and drop empty runs."""
    out: list[Run] = []
    prev_space = True
    for r in runs:
        text = re.sub(r"\s+", " ", r.text)
        if prev_space:
            text = text.lstrip(" ")
        if not text:
            continue
        prev_space = text.endswith(" ")
        if out and out[-1].bold == r.bold and out[-1].italic == r.italic:
            out[-1].text += text
        else:
            out.append(Run(text, r.bold, r.italic))
    if out:
        out[-1].text = out[-1].text.rstrip()
    return [r for r in out if r.text]


def parse_fragment(html: str) -> list[Block | Table]:
    """The blocks and tables of an HTML fragment, in order."""
    parser = _Parser()
    parser.feed(html)
    parser.close()
    parser._close_block()
    for item in parser.out:
        if isinstance(item, Table):
            item.caption = " ".join(item.caption.split())
    return parser.out


def plain_text(html: str) -> str:
    """The fragment's text, one line per block (for a title or a sheet cell)."""
    lines = []
    for item in parse_fragment(html):
        if isinstance(item, Block):
            lines.append(item.text)
    return "\n".join(lines)


__all__ = ["Run", "Block", "Cell", "Table", "parse_fragment", "plain_text"]
