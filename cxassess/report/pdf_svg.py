"""Chart labels drawn by WeasyPrint as one line of text each, instead of letter by letter.

WeasyPrint lays out and draws every character of an SVG ``<text>`` separately (so that per-letter
``x``/``dx``/``rotate`` lists work): a report's chart labels cost it a Pango layout per letter, about
a tenth of the whole PDF. The report's charts (matplotlib, ``svg.fonttype: none``) only ever write a
single position per label, so for such a label this draws the string as one layout: the same glyphs
at the same place (now kerned as in the HTML), still real text, selectable and searchable. Any other
``<text>`` (position lists, ``letter-spacing``, ``textLength``, child elements, an unknown WeasyPrint)
goes to WeasyPrint's own code unchanged.
"""

from __future__ import annotations

from math import inf
from typing import Any

#: The WeasyPrint release whose SVG text code this was written against and checked with.
CHECKED = "70."
_installed = False


def _simple(node: Any) -> bool:
    """A ``<text>`` with its own text, one ``x`` and one ``y`` at most, and nothing per letter."""
    attrib = node.attrib
    if not node.text or next(iter(node), None) is not None:  # nothing to draw, or child elements
        return False
    if any(k in attrib for k in ("dx", "dy", "rotate", "textLength")):
        return False
    if node.get("letter-spacing") not in (None, "normal", "0"):
        return False
    return all(" " not in str(attrib.get(k, "")).strip() and "," not in str(attrib.get(k, "")) for k in ("x", "y"))


def _make_fast_text(original: Any) -> Any:
    from weasyprint.css.properties import INITIAL_VALUES
    from weasyprint.draw.text import draw_emojis, draw_first_line
    from weasyprint.matrix import Matrix
    from weasyprint.svg.bounding_box import extend_bounding_box
    from weasyprint.svg.text import Style, TextBox
    from weasyprint.svg.utils import size
    from weasyprint.text.line_break import split_first_line

    def text(svg: Any, node: Any, font_size: float) -> None:
        if not _simple(node):
            return original(svg, node, font_size)
        style = Style()
        style.update(INITIAL_VALUES)
        style.font_config = svg.font_config
        style["font_family"] = [f.strip("\"' ") for f in node.get("font-family", "sans-serif").split(",")]
        style["font_style"] = node.get("font-style", "normal")
        weight = node.get("font-weight", 400)
        style["font_weight"] = {"normal": 400, "bold": 700}.get(weight) or (int(weight) if str(weight).isdigit()
                                                                           else 400)
        style["font_size"] = font_size
        if node.get("direction") in ("ltr", "rtl"):
            style["direction"] = node.get("direction")
        layout, _, _, width, height, baseline = split_first_line(node.text, style, svg.context, inf, 0)
        x = size(node.attrib["x"], font_size, svg.inner_width) if "x" in node.attrib else svg.cursor_position[0]
        y = size(node.attrib["y"], font_size, svg.inner_height) if "y" in node.attrib else svg.cursor_position[1]
        ascent, descent = font_size * 0.8, font_size * 0.2
        align = node.get("dominant-baseline", node.get("alignment-baseline"))
        anchor = node.get("display-anchor")
        y_align = {"middle": -height / 2, "bottom": -height}.get(anchor or "", 0.0)
        if anchor is None:
            if align in ("central", "middle"):
                y_align = (ascent + descent) / 2 - descent
            elif align in ("text-before-edge", "before_edge", "top", "hanging", "text-top"):
                y_align = ascent
            elif align in ("text-after-edge", "after_edge", "bottom", "text-bottom"):
                y_align = -descent
        x_position, y_position = x + svg.cursor_d_position[0], y + svg.cursor_d_position[1] + y_align
        svg.cursor_position = x + width, y
        node.text_bounding_box = extend_bounding_box(
            node.text_bounding_box,
            ((x_position, y_position - baseline), (x_position + width, y_position - baseline + height)))
        svg.stream.push_state()
        fill, stroke = svg.set_graphical_state(node, font_size)
        svg.stream.begin_text()
        layout.reactivate(style)
        svg.fill_stroke(fill, stroke, text=True)
        box = TextBox(layout, style)
        box.baseline = baseline
        emojis = draw_first_line(svg.stream, box, "none", "none", Matrix(a=1, d=-1, e=x_position, f=y_position))
        svg.stream.end_text()
        svg.stream.pop_state()
        draw_emojis(svg.stream, style, x, y, emojis)
        return None

    return text


def install() -> bool:
    """Use the one-layout path for simple ``<text>`` nodes (once per process); False when this
    WeasyPrint is not the checked release, whose own code then draws everything."""
    global _installed
    if _installed:
        return True
    import weasyprint
    from weasyprint import svg

    if not weasyprint.__version__.startswith(CHECKED) or svg.TAGS.get("text") is not svg.text:
        return False
    original = svg.text
    fast = _make_fast_text(original)
    # every tag WeasyPrint draws with its text function, and the name its tree walk compares them with
    for tag in [tag for tag, draw in svg.TAGS.items() if draw is original]:
        svg.TAGS[tag] = fast
    svg.text = fast
    _installed = True
    return True


__all__ = ["install", "CHECKED"]
