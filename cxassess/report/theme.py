"""The report's one colour language, shared by the charts and the HTML fragments.

Current scores in ``CURRENT``, targets in ``TARGET``, weak items in ``WEAK``, suppressed groups in
``SUPPRESSED``, maturity stages as a light-to-dark band scale ``STAGE_COLOURS``, the heatmap scale
``HEAT_COLOURS`` (low -> high) and the NPS groups ``NPS_COLOURS``.
"""

from __future__ import annotations

CURRENT = "#1f5a8a"
TARGET = "#d9731f"
WEAK = "#c8553d"
SUPPRESSED = "#d9d9d9"
TEXT = "#222222"
STAGE_COLOURS = ("#f3f6f9", "#e3ebf3", "#cfdeeb", "#b8cee2", "#9fbdd8", "#86acce")
HEAT_COLOURS = (WEAK, "#f4e3b2", "#7fb3a8", CURRENT)
NPS_COLOURS = {"detractors": "#c0392b", "passives": "#bdbdbd", "promoters": "#2e8b57"}


def heat_colour(value: float, lo: float, hi: float) -> str:
    """The heatmap colour of a score: linear through ``HEAT_COLOURS`` from ``lo`` to ``hi``."""
    x = max(0.0, min(1.0, (value - lo) / (hi - lo))) * (len(HEAT_COLOURS) - 1)
    k = min(int(x), len(HEAT_COLOURS) - 2)
    f = x - k
    a = [int(HEAT_COLOURS[k][i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(HEAT_COLOURS[k + 1][i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(p + (q - p) * f):02x}" for p, q in zip(a, b, strict=True))


__all__ = ["CURRENT", "TARGET", "WEAK", "SUPPRESSED", "TEXT", "STAGE_COLOURS", "HEAT_COLOURS", "NPS_COLOURS",
           "heat_colour"]
