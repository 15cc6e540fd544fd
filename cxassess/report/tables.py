"""The report's tables as HTML: the group heatmap (with marks for differences unlikely to be chance)
and the strongest / weakest statements (reverse-worded ones shown as what people said to them).

HTML rather than pictures: crisp in print, searchable, and no drawing time. Every string from a
user or a data file is escaped.
"""

from __future__ import annotations

import math

import pandas as pd

from cxassess._util.safe import escape_html as e
from cxassess.errors import CxError
from cxassess.report.findings import gap_tests, item_reading, split_ranking
from cxassess.report.fragments import bar, num
from cxassess.report.theme import CURRENT, WEAK, heat_colour
from cxassess.scoring.result import Scores


def heatmap_table(scores: Scores, column: str) -> str:
    """Groups x dimensions as a coloured HTML table; suppressed groups are one grey row saying so,
    their scores never written. Same colours as :func:`cxassess.report.charts.group_heatmap`."""
    if column not in scores.groups:
        have = ", ".join(scores.groups) or "none"
        raise CxError(f"no group breakdown for '{column}' (scored groupings: {have})")
    table = scores.groups[column]
    dims = list(scores.dimensions.index)
    lo, hi = scores.questionnaire.scale.min, scores.questionnaire.scale.max
    head = "".join(f'<th title="{e(scores.dimensions.loc[d, "name"])}">{e(scores.dimensions.loc[d, "label"])}</th>'
                   for d in dims)
    marks = significance_marks(scores, column)
    rows = []
    for group, r in table.iterrows():
        label = f"<th>{e(group)} <span class=\"cx-note\">(n={int(r['respondents'])})</span></th>"
        if bool(r["suppressed"]):
            rows.append(f'<tr>{label}<td colspan="{len(dims)}" class="cx-suppressed">'
                        f'suppressed ({e(scores.suppression_reason(column, str(group)))})</td></tr>')
            continue
        cells = []
        for d in dims:
            v = float(r[d])
            if math.isnan(v):
                cells.append('<td class="cx-missing">–</td>')
                continue
            rel = (v - lo) / (hi - lo)
            ink = ' class="cx-light"' if rel > 0.72 or rel < 0.12 else ""
            mark = marks.get((str(group), d), "")
            cells.append(f'<td{ink} style="background:{heat_colour(v, lo, hi)}">{v:.1f}{mark}</td>')
        rows.append(f"<tr>{label}{''.join(cells)}</tr>")
    legend = "; ▲/▼ higher/lower than the rest of the organisation, unlikely to be chance" if marks else ""
    caption = f'<caption class="cx-note">Mean score per group, {lo} (red) to {hi} (blue){legend}</caption>'
    return (f'<table class="cx-table cx-heatmap">{caption}'
            f'<thead><tr><th>{e(column.replace("_", " ").capitalize())}</th>'
            f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def significance_marks(scores: Scores, column: str) -> dict[tuple[str, str], str]:
    """(group, dimension) -> ' ▲' / ' ▼' for the cells that differ from the rest of the organisation by
    more than chance would explain (the scoring's ``significant`` flag); empty when not tested."""
    tests = gap_tests(scores)
    if tests is None:
        return {}
    sig = tests.loc[(tests["group_by"] == column) & tests["significant"].fillna(False).astype(bool)]
    return {(str(g["group"]), str(g["dimension"])): (' <span class="cx-mark">▲</span>' if g["difference"] > 0
                                                     else ' <span class="cx-mark">▼</span>')
            for _, g in sig.iterrows()}


def statement_as_answered(scores: Scores, item: str) -> str:
    """A statement as the ranking shows it. A reverse-worded one is shown as what people said to its
    wording, so a high (good) score never reads as agreement with a negative sentence: "Most (72%)
    disagreed that “Complaints are mostly handled one by one ...”"."""
    row = scores.items.loc[item]
    if not bool(row["reverse"]):
        return e(row["text"])
    reading = item_reading(scores, item)
    if reading["verb"] == "were split":
        return f'People were split on “{e(row["text"])}” <span class="cx-note">(reverse-worded)</span>'
    who = f"Most ({reading['share']:.0%})" if reading["most"] else "On balance, people"
    return (f'{who} {reading["verb"]} that “{e(row["text"])}” '
            f'<span class="cx-note">(reverse-worded: the mean is flipped)</span>')


def answers_cell(scores: Scores, item: str, lo: int, hi: int, colour: str) -> str:
    """The answer split of an item when computed, else a bar of its mean."""
    split = shares(scores, item)
    return distribution_bar(split) if split is not None else bar(float(scores.items.loc[item, "mean"]), lo, hi, colour)


def item_ranking_html(scores: Scores, n: int = 5) -> str:
    """The ``n`` strongest and ``n`` weakest statements as two tables with a bar per mean score
    (HTML rather than a picture: crisp in print, searchable, and no drawing time)."""
    best, worst = split_ranking(scores, n)
    if best.empty:
        return "<p>No statement has an answer yet.</p>"
    lo, hi = scores.questionnaire.scale.min, scores.questionnaire.scale.max
    names = scores.dimensions["name"]
    has_split = shares(scores, str(best.index[0])) is not None

    def table(frame: pd.DataFrame, colour: str) -> str:
        rows = []
        for item, r in frame.iterrows():
            statement = statement_as_answered(scores, str(item))
            dimension = e(names.get(r["dimension"], r["dimension"]))
            answers = answers_cell(scores, str(item), lo, hi, colour)
            rows.append(f'<tr><td>{e(item)}</td><td>{statement}</td><td>{dimension}</td>'
                        f'<td class="num">{num(r["mean"])}</td><td>{answers}</td>'
                        f'<td class="num">{int(r["n"])}</td></tr>')
        split_head = "Fav. · neutral · unfav." if has_split else f"{lo}–{hi}"
        head = (f'<tr><th>Item</th><th>Statement</th><th>Dimension</th><th class="num">Mean</th>'
                f'<th>{split_head}</th><th class="num">Answers</th></tr>')
        return (f'<table class="cx-table cx-ranking"><thead>{head}</thead>'
                f'<tbody>{"".join(rows)}</tbody></table>')

    out = f"<h3>Strongest statements</h3>{table(best, CURRENT)}"
    if len(worst):
        out += f"<h3>Weakest statements</h3>{table(worst, WEAK)}"
    return out


# --------------------------------------------------------------------------------------
# how people answered: favourable / neutral / unfavourable
# --------------------------------------------------------------------------------------
FAVOURABLE, NEUTRAL, UNFAVOURABLE = CURRENT, "#c9ced6", WEAK


def shares(scores: Scores, item: str) -> tuple[float, float, float] | None:
    """(favourable, neutral, unfavourable) shares of an item's answers, or None when not computed."""
    dist = getattr(scores, "distribution", None)
    if not isinstance(dist, pd.DataFrame) or item not in dist.index or "favourable" not in dist.columns:
        return None
    row = dist.loc[item]
    values = tuple(float(row[k]) for k in ("favourable", "neutral", "unfavourable"))
    return None if any(math.isnan(v) for v in values) else (values[0], values[1], values[2])


def distribution_bar(split: tuple[float, float, float] | None) -> str:
    """A stacked bar of favourable / neutral / unfavourable shares (one element with hard colour stops:
    a fraction of the PDF layout cost of one box per share), with the shares written under it."""
    if split is None:
        return '<span class="cx-note">–</span>'
    fav, neu = split[0] * 100, (split[0] + split[1]) * 100
    # one position per colour stop: WeasyPrint drops a gradient with two-position stops ("#abc 0 40%")
    gradient = (f"linear-gradient(to right, {FAVOURABLE} 0%, {FAVOURABLE} {fav:.1f}%, {NEUTRAL} {fav:.1f}%, "
                f"{NEUTRAL} {neu:.1f}%, {UNFAVOURABLE} {neu:.1f}%, {UNFAVOURABLE} 100%)")
    title = f"favourable {split[0]:.0%}, neutral {split[1]:.0%}, unfavourable {split[2]:.0%}"
    return (f'<div class="cx-dist" style="background:{gradient}" title="{title}"></div>'
            f'<span class="cx-dist-label">{split[0]:.0%} · {split[1]:.0%} · {split[2]:.0%}</span>')


def item_distribution_html(scores: Scores) -> str:
    """Every statement, dimension by dimension: its mean beside the favourable / neutral / unfavourable split."""
    dist = getattr(scores, "distribution", None)
    if not isinstance(dist, pd.DataFrame) or dist.empty:
        return "<p>The answer distribution was not computed.</p>"
    names = scores.dimensions["name"]
    head = ('<tr><th>Item</th><th>Statement</th><th class="num">Mean</th>'
            '<th>Favourable · neutral · unfavourable</th></tr>')
    rows = []
    items = scores.items.loc[scores.items["dimension"].isin(list(scores.dimensions.index))]
    for dim, part in items.groupby("dimension", sort=False):
        rows.append(f'<tr class="cx-group-row"><th colspan="4">{e(names.get(dim, dim))}</th></tr>')
        for item, r in part.iterrows():
            split = distribution_bar(shares(scores, str(item)))
            rows.append(f"<tr><td>{e(item)}</td><td>{statement_as_answered(scores, str(item))}</td>"
                        f'<td class="num">{num(r["mean"])}</td><td>{split}</td></tr>')
    legend = ('<p class="cx-note">Favourable: an answer on the good side of the midpoint (agreeing with a positive '
              'statement, disagreeing with a reverse-worded one); neutral: the midpoint; unfavourable: the rest. '
              "\"Don't know\" and blank answers are left out.</p>")
    return (f'<table class="cx-table cx-items"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'
            + legend)
