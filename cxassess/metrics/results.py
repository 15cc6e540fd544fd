"""The results of a customer-metrics summary, and how they are shown: as a dict for JSON and as text.

Each measure has its own frozen result (counts, the headline figure and its 95% interval); a
:class:`MetricsSummary` holds them with the breakdown by segment and every cell or row that was
dropped. Missing numbers are None (JSON ``null``), never 0.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from cxassess.errors import Problem
from cxassess.scoring import MIN_GROUP_SIZE
from cxassess.scoring.result import json_value

__all__ = ["CESResult", "CSATResult", "MetricsSummary", "NPSResult", "metrics_table"]


@dataclass(frozen=True)
class NPSResult:
    """Net Promoter Score in percent points (-100..100) with counts and the adjusted-Wald 95% interval."""

    score: float | None
    promoters: int
    passives: int
    detractors: int
    promoters_pct: float | None
    passives_pct: float | None
    detractors_pct: float | None
    n: int
    unanswered: int
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class CSATResult:
    """CSAT top-2-box share in % (answers 4-5 of 1..5) with its Wilson 95% interval, and the mean answer."""

    top2_pct: float | None
    mean: float | None
    n: int
    unanswered: int
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class CESResult:
    """Customer Effort Score: mean of 1..7 answers with its t 95% interval, and the % answering 5-7."""

    mean: float | None
    easy_pct: float | None
    n: int
    unanswered: int
    ci_low: float | None
    ci_high: float | None


@dataclass
class MetricsSummary:
    """The three measures (None when not asked for), an optional breakdown and what was dropped.

    ``breakdown``: DataFrame indexed by segment with ``n`` (respondents with at least one valid
    answer), ``suppressed`` (n < min_group_size, or hidden so that a small segment cannot be
    worked out by subtraction), ``nps`` (score), ``csat`` (top-2-box %) and ``ces`` (mean); NaN
    where suppressed, not asked for, or answered by too few in that segment (or hidden with them).
    """

    nps: NPSResult | None
    csat: CSATResult | None
    ces: CESResult | None
    breakdown: pd.DataFrame | None = None
    dropped: list[Problem] = field(default_factory=list)
    source: str = "<table>"
    columns: dict[str, str] = field(default_factory=dict)
    by: str | None = None
    min_group_size: int = MIN_GROUP_SIZE
    respondents: int = 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: numbers rounded to 6 places, missing numbers as None."""
        breakdown = None
        if self.breakdown is not None:
            segments = []
            for seg, row in self.breakdown.iterrows():
                entry: dict[str, Any] = {"segment": str(seg), "n": int(row["n"]), "suppressed": bool(row["suppressed"])}
                if not row["suppressed"]:
                    entry.update({k: json_value(row[k]) for k in ("nps", "csat", "ces")})
                segments.append(entry)
            breakdown = {"by": self.by, "min_group_size": self.min_group_size, "segments": segments}
        return {
            "source": self.source,
            "respondents": self.respondents,
            "columns": dict(self.columns),
            "nps": _result_dict(self.nps),
            "csat": _result_dict(self.csat),
            "ces": _result_dict(self.ces),
            "breakdown": breakdown,
            "dropped": [asdict(p) for p in self.dropped],
            "methods": {
                "nps": "adjusted Wald interval for the promoter-detractor difference (multinomial, n+3, +3/4 each)",
                "csat": "Wilson score interval for the top-2-box share",
                "ces": "Student t interval for the mean",
            },
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_table(self) -> str:
        """Aligned plain text for the terminal."""
        return metrics_table(self)





def _result_dict(result: Any) -> dict[str, Any] | None:
    return None if result is None else {k: json_value(v) for k, v in asdict(result).items()}


def _num(v: Any, digits: int = 1) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{digits}f}"


def metrics_table(s: MetricsSummary, list_dropped: bool = True) -> str:
    """The summary as aligned text: one line per measure, the breakdown, then what was dropped."""
    lines = [f"Customer metrics from {s.source} ({s.respondents} respondents with an answer)", ""]
    if s.nps:
        r = s.nps
        lines.append(
            f"NPS   {_num(r.score):>6}   95% CI {_num(r.ci_low)} to {_num(r.ci_high)}   "
            f"n={r.n}, unanswered={r.unanswered}   "
            f"promoters {r.promoters} ({_num(r.promoters_pct)}%), passives {r.passives} ({_num(r.passives_pct)}%), "
            f"detractors {r.detractors} ({_num(r.detractors_pct)}%)"
        )
    if s.csat:
        c = s.csat
        lines.append(
            f"CSAT  {_num(c.top2_pct):>6}%  95% CI {_num(c.ci_low)} to {_num(c.ci_high)}   "
            f"n={c.n}, unanswered={c.unanswered}   "
            f"top-2-box (4-5 of 5); mean {_num(c.mean, 2)}"
        )
    if s.ces:
        e = s.ces
        lines.append(
            f"CES   {_num(e.mean, 2):>6}   95% CI {_num(e.ci_low, 2)} to {_num(e.ci_high, 2)}   "
            f"n={e.n}, unanswered={e.unanswered}   "
            f"mean of 1-7 (7 = very easy); easy (5-7) {_num(e.easy_pct)}%"
        )
    if s.breakdown is not None:
        lines += ["", f"By {s.by} (segments under {s.min_group_size} respondents are suppressed, and the next-smallest "
                      "where needed so none can be worked out from the totals; '-': too few answers):"]
        show = pd.DataFrame(index=s.breakdown.index)
        show["n"] = s.breakdown["n"].astype(str)
        for metric, digits in (("nps", 1), ("csat", 1), ("ces", 2)):
            if metric in s.columns:
                show[metric] = [("suppressed" if sup else _num(v, digits))
                                for v, sup in zip(s.breakdown[metric], s.breakdown["suppressed"], strict=True)]
        show.index.name = s.by
        lines.append(show.to_string())
    if s.dropped:
        lines += ["", f"Dropped {len(s.dropped)} invalid answer(s) or repeated respondent row(s)"
                  + (":" if list_dropped else " (listed above).")]
        lines += [f"  - {p}" for p in s.dropped] if list_dropped else []
    return "\n".join(lines)
