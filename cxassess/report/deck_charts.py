"""The deck's native charts: dimension scores as bars against the maturity stage bands, and the radar.

Both are PowerPoint charts with their data embedded (right-click, Edit Data works), not pictures.
The bands are rectangles behind the bar chart's transparent plot area, whose position is fixed
(a manual layout) so they line up with its value axis in PowerPoint and LibreOffice alike.
"""

from __future__ import annotations

import math
from typing import Any

from lxml import etree
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.enum.dml import MSO_LINE
from pptx.oxml.ns import qn
from pptx.util import Pt

from cxassess._util.safe import neutralise_cell
from cxassess.report.deck_layout import Box, rgb
from cxassess.report.theme import CURRENT, STAGE_COLOURS, TARGET


def _values(scores: Any, column: str) -> list[float | None]:
    out: list[float | None] = []
    for v in scores.dimensions[column]:
        f = float(v) if v is not None else math.nan
        out.append(None if math.isnan(f) else round(f, 2))
    return out


def _categories(scores: Any) -> list[str]:
    """The dimension labels as the chart's categories, through the project's one neutraliser: the
    chart's data is an embedded workbook (Edit Data), where XlsxWriter would make ``=...`` a formula."""
    return [neutralise_cell(str(x)) for x in scores.dimensions["label"]]


def _add_chart(slide: Any, box: Box, scores: Any, kind: Any) -> Any:
    """A native chart of ``kind`` filling ``box``: the dimension scores (and targets when set) as its
    embedded data, its legend below."""
    data = CategoryChartData(number_format="0.00")
    data.categories = _categories(scores)
    data.add_series("Score", _values(scores, "score"))
    if _has_targets(scores):
        data.add_series("Target", _values(scores, "target"))
    frame = slide.shapes.add_chart(kind, box.left, box.top, box.width, box.height, data)
    chart = frame.chart
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
    chart.legend.font.size = Pt(11)
    return frame


def _has_targets(scores: Any) -> bool:
    return any(v is not None for v in _values(scores, "target"))


def stage_bands(scores: Any) -> list[tuple[str, float, float]]:
    """(stage name, from, to) of every maturity stage, clipped to the scale."""
    q = scores.questionnaire
    ends = [s.min_score for s in q.stages[1:]] + [float(q.scale.max)]
    return [(str(stage.name), max(float(stage.min_score), float(q.scale.min)), float(end))
            for stage, end in zip(q.stages, ends, strict=True)]


#: Where the bar chart's plot area sits inside its frame (fractions), fixed so the bands line up.
PLOT = {"x": 0.17, "y": 0.08, "w": 0.80, "h": 0.78}


def dimension_bars(slide: Any, box: Box, scores: Any) -> Any:
    """Horizontal bars of the dimension scores (and targets) over the maturity stage bands.

    The chart is native (its data embedded, editable); the bands are rectangles behind its
    transparent plot area, which has a fixed layout so that they line up with the value axis.
    """
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.enum.text import PP_ALIGN

    q = scores.questionnaire
    lo, hi = float(q.scale.min), float(q.scale.max)
    left = box.left + PLOT["x"] * box.width
    top = box.top + PLOT["y"] * box.height
    width, height = PLOT["w"] * box.width, PLOT["h"] * box.height
    for k, (name, start, end) in enumerate(stage_bands(scores)):
        x0 = left + width * (start - lo) / (hi - lo)
        x1 = left + width * (end - lo) / (hi - lo)
        band = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, int(x0), int(top), int(x1 - x0), int(height))
        band.fill.solid()
        band.fill.fore_color.rgb = rgb(STAGE_COLOURS[min(k, len(STAGE_COLOURS) - 1)])
        band.line.fill.background()
        band.shadow.inherit = False
        band.name = f"Stage band {k + 1}"
        label = slide.shapes.add_textbox(int(x0), int(top - Pt(20)), int(x1 - x0), int(Pt(18)))
        label.name = f"Stage label {k + 1}"
        tf = label.text_frame
        tf.margin_left = tf.margin_right = tf.margin_top = tf.margin_bottom = 0
        tf.word_wrap = True
        para = tf.paragraphs[0]
        para.alignment = PP_ALIGN.CENTER
        run = para.add_run()
        run.text = name
        run.font.size = Pt(10 if (x1 - x0) / 12700 > 70 else 8)
        run.font.color.rgb = rgb("#445566")
    frame = _add_chart(slide, box, scores, XL_CHART_TYPE.BAR_CLUSTERED)
    chart = frame.chart
    plot = chart.plots[0]
    plot.gap_width = 50
    plot.overlap = 0
    for series, colour in zip(plot.series, (CURRENT, TARGET), strict=False):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = rgb(colour)
    _scale(chart.value_axis._element, lo, hi)
    chart.value_axis.has_major_gridlines = False
    chart.value_axis.tick_labels.font.size = Pt(11)
    chart.category_axis.reverse_order = True  # the first dimension on top, as in the report
    _cross_at_last_category(chart.value_axis._element)  # ... and the value axis still at the bottom
    chart.category_axis.tick_labels.font.size = Pt(11)
    _transparent_plot(chart)
    return frame


def _transparent_plot(chart: Any) -> None:
    """No fill on the chart and plot areas, and the plot area at :data:`PLOT` (inner, fractions)."""
    space = chart._chartSpace
    plot_area = space.find(qn("c:chart")).find(qn("c:plotArea"))
    layout = plot_area.find(qn("c:layout"))
    if layout is None:
        layout = etree.Element(qn("c:layout"))
        plot_area.insert(0, layout)
    for child in list(layout):
        layout.remove(child)
    manual = etree.SubElement(layout, qn("c:manualLayout"))
    etree.SubElement(manual, qn("c:layoutTarget")).set("val", "inner")
    etree.SubElement(manual, qn("c:xMode")).set("val", "edge")
    etree.SubElement(manual, qn("c:yMode")).set("val", "edge")
    for key in ("x", "y", "w", "h"):
        etree.SubElement(manual, qn(f"c:{key}")).set("val", f"{PLOT[key]:.4f}")
    for holder, before in ((plot_area, None), (space, space.find(qn("c:txPr")))):
        sp = holder.find(qn("c:spPr"))
        if sp is None:
            sp = etree.Element(qn("c:spPr"))
            if holder is plot_area:
                plot_area.append(sp)
            elif before is not None:
                before.addprevious(sp)
            else:
                chart_el = space.find(qn("c:chart"))
                chart_el.addnext(sp)
        for child in list(sp):
            sp.remove(child)
        etree.SubElement(sp, qn("a:noFill"))
        line = etree.SubElement(sp, qn("a:ln"))
        etree.SubElement(line, qn("a:noFill"))


def _cross_at_last_category(val_ax: Any) -> None:
    """The value axis crosses the category axis at its last category (``c:crosses val="max"``): with
    the categories reversed that is the bottom. python-pptx's category axis has no ``crosses``."""
    crosses = val_ax.find(qn("c:crosses"))
    if crosses is None:
        crosses = etree.SubElement(val_ax, qn("c:crosses"))
        val_ax.find(qn("c:crossAx")).addnext(crosses)
    crosses.set("val", "max")


def _scale(val_ax: Any, lo: float, hi: float) -> None:
    scaling = val_ax.find(qn("c:scaling"))
    for tag in ("c:max", "c:min"):
        for old in scaling.findall(qn(tag)):
            scaling.remove(old)
    etree.SubElement(scaling, qn("c:max")).set("val", f"{hi:g}")
    etree.SubElement(scaling, qn("c:min")).set("val", f"{lo:g}")
    major = val_ax.find(qn("c:majorUnit"))
    if major is None:
        major = etree.SubElement(val_ax, qn("c:majorUnit"))
        anchor = val_ax.find(qn("c:crossBetween"))
        if anchor is not None:
            anchor.addnext(major)
    major.set("val", "1")


def radar(slide: Any, box: Box, scores: Any) -> Any:
    """A native radar chart: today's score per dimension, and the targets when set."""
    q = scores.questionnaire
    frame = _add_chart(slide, box, scores, XL_CHART_TYPE.RADAR_MARKERS)
    chart = frame.chart
    for series, colour in zip(chart.plots[0].series, (CURRENT, TARGET), strict=False):
        series.format.line.color.rgb = rgb(colour)
        series.format.line.width = Pt(2.25)
        series.marker.format.fill.solid()
        series.marker.format.fill.fore_color.rgb = rgb(colour)
        series.smooth = False
    if len(chart.plots[0].series) > 1:
        chart.plots[0].series[1].format.line.dash_style = MSO_LINE.DASH
    _scale(chart.value_axis._element, q.scale.min, q.scale.max)
    chart.value_axis.tick_labels.font.size = Pt(10)
    chart.category_axis.tick_labels.font.size = Pt(11)
    return frame


__all__ = ["dimension_bars", "radar", "stage_bands"]
