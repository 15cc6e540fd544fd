"""Building blocks of the report's HTML fragments: number formats, escaped tables, bars, the stylesheet.

Every cell :func:`html_table` writes is escaped here, so callers pass raw values, never
pre-escaped text.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from cxassess._util.paths import TEMPLATES_DIR
from cxassess._util.safe import escape_html as e
from cxassess.scoring.score import Scores

#: The fragments' look (alignment, notes, heatmap cells, bars), scoped to ``cx-`` classes: the report
#: template includes it, and :func:`fragment_style` shows it in JupyterLab. Only values that depend on
#: the data (a heat colour, a bar's length) are written inline.
FRAGMENT_CSS = TEMPLATES_DIR / "report" / "fragments.css"


def fragment_style() -> str:
    """The fragments' stylesheet as a ``<style>`` element, for showing them in JupyterLab
    (the rendered report has it in its page head already)."""
    return f"<style>{FRAGMENT_CSS.read_text(encoding='utf-8')}</style>"


def as_float(v: Any) -> float:
    """A number, or NaN for anything missing or not numeric."""
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def num(v: Any, digits: int = 2) -> str:
    f = as_float(v)
    return "–" if math.isnan(f) else f"{f:.{digits}f}"


def pct(v: Any, digits: int = 0) -> str:
    """A share 0..1 as a percentage."""
    f = as_float(v)
    return "–" if math.isnan(f) else f"{f * 100:.{digits}f}%"


def signed(v: float) -> str:
    """NPS style: +12, -4, and plain 0."""
    text = f"{float(v):+.0f}"
    return "0" if text in ("+0", "-0") else text


def join(parts: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    parts = list(parts)
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def html_table(header: Sequence[str], rows: Iterable[Sequence[Any]], *, cls: str = "cx-table",
               align_right: Iterable[int] = ()) -> str:
    """A plain HTML table; every cell is escaped here (pass raw values, never pre-escaped text)."""
    right = set(align_right)
    align = {True: ' class="num"', False: ""}
    head = "".join(f"<th{align[i in right]}>{e(h)}</th>" for i, h in enumerate(header))
    body = []
    for row in rows:
        cells = "".join(f"<td{align[i in right]}>{e(c)}</td>" for i, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def bar(value: float, lo: float, hi: float, colour: str) -> str:
    """A horizontal bar (``value`` between ``lo`` and ``hi``) as two nested divs."""
    share = max(0.0, min(100.0, (value - lo) / (hi - lo) * 100))
    return f'<div class="cx-bar"><div style="background:{colour};width:{share:.1f}%"></div></div>'


def scale_text(scores: Scores) -> str:
    s = scores.questionnaire.scale
    return f"{s.min}–{s.max}"


def dim_label(scores: Scores, dim: str, with_score: bool = True) -> str:
    """A dimension's name in bold, with its score and stage unless ``with_score`` is false."""
    row = scores.dimensions.loc[dim]
    name = f"<strong>{e(row['name'])}</strong>"
    if not with_score:
        return name
    stage = f", {e(row['stage_name'])}" if isinstance(row["stage_name"], str) else ""
    return f"{name} ({num(row['score'])}{stage})"
