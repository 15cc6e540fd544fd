"""What drives the outcome, in words and a table: the key-driver analysis the scoring computed
(:attr:`Scores.drivers`, Johnson's relative weights), shown only when it had enough respondents."""

from __future__ import annotations

import math

import pandas as pd

from cxassess._util.safe import escape_html as e
from cxassess.report.fragments import html_table, join, num
from cxassess.scoring.result import Scores

#: the fewest respondents a key-driver analysis is shown for (the scoring applies the same rule)
DRIVERS_MIN_RESPONDENTS = 30


def has_drivers(scores: Scores) -> bool:
    """True when the scoring computed key drivers and at least 30 people answered."""
    drivers = getattr(scores, "drivers", None)
    return (isinstance(drivers, pd.DataFrame) and not drivers.empty and "share" in drivers.columns
            and scores.respondents >= DRIVERS_MIN_RESPONDENTS)


def drivers_html(scores: Scores) -> str:
    """The key drivers: each dimension's share of the explained outcome with its interval, the focus
    areas (low score, high impact) named; or why there is no analysis."""
    info = getattr(scores, "drivers_info", {}) or {}
    if not has_drivers(scores):
        why = info.get("reason") or (f"fewer than {DRIVERS_MIN_RESPONDENTS} respondents" if scores.respondents
                                     < DRIVERS_MIN_RESPONDENTS else "the questionnaire has no outcome statements")
        return f"<p>No key-driver analysis: {e(why)}.</p>"
    d = scores.drivers.sort_values("share", ascending=False, kind="stable")
    names = scores.dimensions["name"]
    r2 = info.get("r2")
    r2_text = ""
    if r2 is not None and not math.isnan(float(r2)):
        ci = (f" (95% interval {float(info['r2_low']):.0%}–{float(info['r2_high']):.0%})"
              if info.get("r2_low") is not None else "")
        r2_text = (f"Together the dimensions explain {float(r2):.0%}{ci} of the differences in the outcome between "
                   f"respondents ({int(info.get('respondents', scores.respondents))} with every dimension and the "
                   "outcome scored). ")
    focus = [str(x) for x in d.index[d["focus"].astype(bool)]] if "focus" in d.columns else []
    focus_text = (f"Focus areas (an above-average share of the outcome and a score at or below the median): "
                  f"{join([f'<strong>{e(names[x])}</strong>' for x in focus])}." if focus
                  else "No dimension is both weak and strongly tied to the outcome.")
    rows = [[names.get(dim, dim), f"{float(r['share']):.0%}",
             f"{float(r['low']):.0%}–{float(r['high']):.0%}" if not pd.isna(r.get("low")) else "–",
             num(r["score"]), "focus area" if bool(r.get("focus", False)) else ""] for dim, r in d.iterrows()]
    return (f"<p>{r2_text}{focus_text} These are associations in this survey, not proof that changing one "
            "dimension changes the outcome.</p>"
            + html_table(["Dimension", "Share of the outcome", "95% interval", "Score", ""], rows,
                         align_right=(1, 2, 3)))


__all__ = ["DRIVERS_MIN_RESPONDENTS", "drivers_html", "has_drivers"]
