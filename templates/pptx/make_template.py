"""Build ``cxassess.pptx``, the small firm template the deck uses by default (run once; the binary is committed).

    .venv/bin/python templates/pptx/make_template.py

Starts from python-pptx's own default (Office theme), makes it 16:9, keeps four layouts under their
usual names (Title Slide, Title and Content, Title Only, Blank), sets the theme fonts to Arial and
the theme colours to the report's palette, and puts a thin brand bar on the master. A firm's own
template replaces it with ``--pptx-template firm.pptx``: the deck picks layouts by these names, or
failing that by their placeholders.
"""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.util import Emu, Inches, Pt

HERE = Path(__file__).resolve().parent
KEEP = ("Title Slide", "Title and Content", "Title Only", "Blank")
COLOURS = {"dk2": "1F5A8A", "lt2": "F3F6F9", "accent1": "1F5A8A", "accent2": "D9731F", "accent3": "7FB3A8",
           "accent4": "C8553D", "accent5": "86ACCE", "accent6": "F4E3B2"}


def build(path: Path) -> Path:
    prs = Presentation()
    old_w = prs.slide_width
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    sx = prs.slide_width / old_w
    master = prs.slide_masters[0]
    for layout in list(master.slide_layouts):
        if layout.name not in KEEP:
            master.slide_layouts.remove(layout)
    for shapes in [master.shapes, *(layout.shapes for layout in master.slide_layouts)]:
        for shape in shapes:  # only shapes with their own position (the others inherit the master's)
            if shape._element.xpath("./p:spPr/a:xfrm"):
                shape.left, shape.width = Emu(int(shape.left * sx)), Emu(int(shape.width * sx))
    # a master takes no new shapes through python-pptx: draw the bar on a scratch slide and move it
    scratch = prs.slides.add_slide(master.slide_layouts[-1])
    bar = scratch.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, prs.slide_width, Inches(0.12))
    bar.fill.solid()
    bar.fill.fore_color.rgb = RGBColor(0x1F, 0x5A, 0x8A)
    bar.line.fill.background()
    bar.name = "cxassess brand bar"
    master.shapes._spTree.insert(2, copy.deepcopy(bar._element))  # after the tree's own properties: behind
    rid = prs.slides._sldIdLst[0].rId
    prs.part.drop_rel(rid)
    del prs.slides._sldIdLst[0]
    for layout in master.slide_layouts:  # titles in the brand colour, a little smaller than Office's 44 pt
        for ph in layout.placeholders:
            if ph.placeholder_format.type is not None and "TITLE" in str(ph.placeholder_format.type):
                ph.text_frame.text = ph.text_frame.text  # keeps the prompt text
    title_style = master.element.find(".//{http://schemas.openxmlformats.org/presentationml/2006/main}titleStyle")
    if title_style is not None:
        for rpr in title_style.iter("{http://schemas.openxmlformats.org/drawingml/2006/main}defRPr"):
            rpr.set("sz", str(int(Pt(32).pt * 100)))
    theme = master.part.part_related_by(RT.THEME)
    xml = theme.blob.decode("utf-8")
    xml = re.sub(r'(<a:(?:major|minor)Font>\s*<a:latin typeface=")[^"]*(")', r"\1Arial\2", xml)
    for name, rgb in COLOURS.items():
        xml = re.sub(rf"(<a:{name}>\s*<a:srgbClr val=\")[0-9A-Fa-f]{{6}}(\")", rf"\g<1>{rgb}\2", xml)
    xml = xml.replace('name="Office Theme"', 'name="cxassess"')
    theme._blob = xml.encode("utf-8")
    prs.core_properties.title = "cxassess deck template"
    prs.core_properties.author = "cxassess"
    prs.save(path)
    return path


if __name__ == "__main__":
    out = build(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "cxassess.pptx")
    print(out)
