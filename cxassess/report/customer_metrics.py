"""The report's customer-metrics panel: NPS, CSAT and CES with their intervals, the breakdown by
segment, and the sentence that puts them beside the maturity result."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from cxassess._util.safe import escape_html as e
from cxassess.report.findings import strongest_and_weakest
from cxassess.report.fragments import dim_label, html_table, join, num, signed
from cxassess.scoring import MIN_GROUP_SIZE
from cxassess.scoring.score import Scores

BREAKDOWN_COLUMNS = ("segment", "touchpoint", "channel")


def breakdown_column(columns: Iterable[Any]) -> str | None:
    """The column a customer survey is broken down by in the report (segment, touchpoint or
    channel, the first that exists, any case), or None."""
    lower = {str(c).strip().lower(): str(c) for c in columns}
    return next((lower[c] for c in BREAKDOWN_COLUMNS if c in lower), None)


def load_customer_metrics(path: str | Path, min_group_size: int = MIN_GROUP_SIZE) -> Any:
    """Summarise the customer survey for the report: NPS, CSAT and CES from the columns ``nps``,
    ``csat`` and ``ces``, broken down by segment when the file has such a column (read once, any
    format :func:`cxassess.io.responses.read_table` reads)."""
    from cxassess.io.tables import read_table
    from cxassess.metrics.summary import summarise

    frame, first_row = read_table(path)
    return summarise(frame, nps="nps", csat="csat", ces="ces", by=breakdown_column(frame.columns),
                     min_group_size=min_group_size, source=str(path), first_row=first_row)


def _interval(low: Any, high: Any, digits: int = 0, suffix: str = "", signed: bool = False) -> str:
    if low is None or high is None:
        return "–"
    fmt = f"{{:{'+' if signed else ''}.{digits}f}}"
    return f"{fmt.format(low)}{suffix} to {fmt.format(high)}{suffix}"


def metrics_panel(summary: Any) -> str:
    """The three customer measures with their 95% intervals and sample sizes, then the breakdown."""
    rows = []
    if summary.nps is not None and summary.nps.n:
        n = summary.nps
        rows.append(["Net Promoter Score (would recommend, 0–10)", signed(n.score),
                     _interval(n.ci_low, n.ci_high, signed=True), n.n, n.unanswered])
    if summary.csat is not None and summary.csat.n:
        c = summary.csat
        rows.append(["Satisfaction (CSAT: share answering 4 or 5 of 5)", f"{c.top2_pct:.0f}%",
                     _interval(c.ci_low, c.ci_high, suffix="%"), c.n, c.unanswered])
    if summary.ces is not None and summary.ces.n:
        s = summary.ces
        rows.append(["Ease (Customer Effort Score: mean of 1–7, 7 = very easy)", f"{s.mean:.2f}",
                     _interval(s.ci_low, s.ci_high, digits=2), s.n, s.unanswered])
    if not rows:
        return "<p>The customer survey holds no usable answers for NPS, CSAT or CES.</p>"
    out = [html_table(["Measure", "Result", "95% interval", "Answers", "Unanswered"], rows, align_right=(1, 3, 4))]
    out.append("<p class=\"cx-note\">The interval is the range the true value very likely lies in, given how many "
               "customers answered; small samples give wide intervals.</p>")
    bd = getattr(summary, "breakdown", None)
    if bd is not None and len(bd):
        by = getattr(summary, "by", None) or "segment"
        brows = []
        for seg, r in bd.iterrows():
            if bool(r["suppressed"]):
                brows.append([seg, int(r["n"]), "suppressed", "suppressed", "suppressed"])
            else:
                brows.append([seg, int(r["n"]), "–" if pd.isna(r["nps"]) else signed(r["nps"]),
                              "–" if pd.isna(r["csat"]) else f"{r['csat']:.0f}%", num(r["ces"])])
        out.append(f"<h4>By {e(by)}</h4>")
        out.append(html_table([str(by).capitalize(), "Customers", "NPS", "CSAT", "CES"], brows,
                              align_right=(1, 2, 3, 4)))
        if bd["suppressed"].astype(bool).any():
            smallest = getattr(summary, "min_group_size", MIN_GROUP_SIZE)
            out.append(f"<p class=\"cx-note\">Segments with fewer than {smallest} customers are suppressed.</p>")
    dropped = getattr(summary, "dropped", None) or []
    if dropped:
        out.append(f"<p class=\"cx-note\">{len(dropped)} problem(s) in the survey (unusable answers or repeated "
                   "respondents) were left out of these figures.</p>")
    return "".join(out)


def metrics_link(scores: Scores, summary: Any) -> str:
    """One or two sentences that put the customer measures beside the maturity result, explicitly
    without claiming that one causes the other."""
    bits = []
    if summary.nps is not None and summary.nps.n:
        bits.append(f"a Net Promoter Score of {signed(summary.nps.score)}")
    if summary.csat is not None and summary.csat.n:
        bits.append(f"{summary.csat.top2_pct:.0f}% satisfied")
    if summary.ces is not None and summary.ces.n:
        bits.append(f"an effort score of {summary.ces.mean:.2f} out of 7")
    if not bits:
        return "the customer survey holds no usable answers."
    stage = scores.overall.get("stage_name")
    _, weakest = strongest_and_weakest(scores)
    weak = join([dim_label(scores, d, with_score=False) for d in weakest])
    mood = ""
    if summary.nps is not None and summary.nps.n and summary.nps.score is not None:
        mood = "positive " if summary.nps.score >= 30 else "mixed " if summary.nps.score >= 0 else "negative "
    text = (f"customers report {join(bits)}, a {mood}picture that sits alongside an internal maturity of "
            f"<em>{e(stage)}</em>.")
    if weak:
        text += (f" The weakest internal areas, {weak}, are plausible places where customers would feel the "
                 f"difference; the two surveys are read side by side here, which shows an association at most, "
                 f"not that one causes the other.")
    return text
