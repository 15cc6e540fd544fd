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
    """A dimension's name in bold, with its score, 95% interval (when computed) and stage unless
    ``with_score`` is false; a dimension whose statements are not consistent (reliability below
    0.7) says so wherever its score is shown."""
    row = scores.dimensions.loc[dim]
    name = f"<strong>{e(row['name'])}</strong>"
    if not with_score:
        return name
    return f"{name} ({num(row['score'])}{interval_text(scores, dim)}{stage_text(scores, dim)}" \
           f"{reliability_flag(scores, dim)})"


def interval_text(scores: Scores, key: str) -> str:
    """ ", 95% interval 3.41–3.78" when the scoring computed one for ``key`` (a dimension or "overall"), else ""."""
    from cxassess.report.findings import interval

    low, high = interval(scores, key)
    if math.isnan(low) or math.isnan(high):
        return ""
    return f', <span class="cx-ci">95% interval {low:.2f}–{high:.2f}</span>'


def stage_text(scores: Scores, dim: str) -> str:
    """ ", Emerging (96%)": a dimension's stage, with the probability of it when computed."""
    from cxassess.report.findings import stage_probability

    name = scores.dimensions.loc[dim, "stage_name"]
    if not isinstance(name, str):
        return ""
    p = stage_probability(scores, dim)
    return f", {e(name)}" + ("" if math.isnan(p) else f" {p:.0%} likely")


def reliability_flag(scores: Scores, dim: str) -> str:
    """ "; read with care: alpha 0.35" for a dimension whose reliability is below 0.7, else ""."""
    from cxassess.report.findings import RELIABILITY_OK, reliability

    kind, value = reliability(scores, dim)
    if math.isnan(value) or value >= RELIABILITY_OK:
        return ""
    return f'; <span class="cx-flag">read with care: {kind} {value:.2f}</span>'
