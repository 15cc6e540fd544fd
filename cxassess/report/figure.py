"""Charts as matplotlib Figures outside pyplot, shown inline in Jupyter as SVG.

Every chart is built with the object API, never through ``pyplot``: no global figure registry,
nothing leaks from one chart (or one client) to the next and nothing needs closing. The figures are
:class:`ReportFigure` (a ``Figure`` subclass) that display inline in Jupyter as SVG whatever backend
is active, so ``display(charts.radar(scores))`` or a chart as the last expression of a cell shows
the picture.

SVG with the text kept as text, rather than PNG: the charts print sharp in the PDF (where their
labels can be selected and searched), and with matplotlib 3.11 (whose text shaping costs ~6 ms per
label when rasterised) the report's charts are made in about half the time.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from matplotlib.figure import Figure

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

DPI = 96
PNG_OPTIONS = {"compress_level": 1}  # zlib level 1: a fraction of the default's encoding time, ~1.5x the bytes
#: SVG output settings: text as ``<text>`` (not glyph outlines), ids and metadata reproducible, and the
#: font named once ("'DejaVu Sans', sans-serif", the font matplotlib measures with anyway) instead of
#: matplotlib's ten fallbacks on every label, which WeasyPrint otherwise resolves label by label.
SVG_RC: dict[RcKeyType, Any] = {"svg.fonttype": "none", "svg.hashsalt": "cxassess", "font.sans-serif": ["DejaVu Sans"]}


def literal_text(func: Callable[..., Figure]) -> Callable[..., Figure]:
    """Build the chart with mathtext off: names from the data (``"R&D $5k $ up"``) are shown
    literally, never parsed as formulas (which would mangle or crash on them). Restored after."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        import matplotlib

        with matplotlib.rc_context({"text.parse_math": False}):
            return func(*args, **kwargs)

    return wrapper


def new_figure(width: float, height: float, margins: tuple[float, float, float, float]) -> tuple[Figure, Any]:
    """A fresh Figure outside pyplot with one axes placed by fixed margins in inches
    (left, right, top, bottom).

    Fixed margins instead of constrained/tight layout, and labels drawn as plain text instead of
    tick labels: matplotlib spends most of a small chart's time creating ticks and measuring text
    for layout, and a report draws several charts per client.
    """
    _hook_into_ipython()
    fig = ReportFigure(figsize=(width, height), dpi=DPI)
    left, right, top, bottom = margins
    ax = fig.add_axes((left / width, bottom / height, 1 - (left + right) / width, 1 - (top + bottom) / height))
    return fig, ax


# --------------------------------------------------------------------------------------
# inline display without pyplot
# --------------------------------------------------------------------------------------
class ReportFigure(Figure):
    """A plain matplotlib Figure that knows how to show itself in Jupyter as SVG.

    The charts lay themselves out with fixed margins, so they are rendered without the inline
    backend's 'tight' bounding-box pass (which would draw each chart twice), and they display even
    when pyplot and its inline backend were never imported. Other figures are left alone.
    """

    def _repr_svg_(self) -> str:
        return svg_text(self)


def _no_png(fig: Figure) -> None:
    """PNG printer for :class:`ReportFigure`: none (it shows as SVG; rendering both would double the work)."""
    return None


def _hook_into_ipython() -> None:
    """Inside an IPython shell, show :class:`ReportFigure` as SVG only.

    Called whenever a chart is made (it is a dict lookup once done), not only at import: a kernel
    forked from a process that imported this module before any shell existed still gets it. A PNG
    printer registered for ``Figure`` (the inline backend's) would otherwise also render every chart;
    registering the subclass is more specific and touches no other figure.
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    formatters = getattr(getattr(shell, "display_formatter", None), "formatters", None)
    if not formatters:
        return
    png, svg = formatters["image/png"], formatters["image/svg+xml"]
    if png.type_printers.get(ReportFigure) is not _no_png:
        png.for_type(ReportFigure, _no_png)
        svg.for_type(ReportFigure, svg_text)


def svg_text(fig: Figure) -> str:
    """The figure as an SVG document, exactly as the notebook and the report show it."""
    import io

    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context(SVG_RC):
        fig.savefig(buf, format="svg", dpi=fig.dpi, metadata={"Date": None})
    return buf.getvalue()


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG (no tight-bbox pass, fast compression), for places that need a raster image."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi, pil_kwargs=PNG_OPTIONS)
    return buf.getvalue()


__all__ = ["ReportFigure", "literal_text", "new_figure", "svg_text", "png_bytes", "DPI", "SVG_RC"]
