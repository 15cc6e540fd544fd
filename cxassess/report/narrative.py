"""The report's words: title block, executive summary, section notes, action plan and methodology.

Every function returns an HTML fragment (shown in the notebook with ``IPython.display.HTML``) built
from a :class:`~cxassess.scoring.score.Scores` and friends, so the report's text is unit-testable and the
notebook stays a thin caller. HTML rather than Markdown on purpose: every string that comes from a
user or a data file (client name, consultant, group values, dimension and item texts, actions) goes
through :func:`cxassess._util.safe.escape_html`, and HTML has no other syntax to smuggle links or
formatting through, where Markdown would (``[x](javascript:...)``).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from pathlib import Path
from typing import Any, Iterable, Sequence

import pandas as pd

from cxassess._util.paths import TEMPLATES_DIR
from cxassess._util.safe import escape_html as e
from cxassess.errors import CxError
from cxassess.scoring import MIN_GROUP_SIZE
from cxassess.scoring.score import LOW_CONSENSUS_SD, Scores
from cxassess.scoring.suppression import reason

ALPHA_OK = 0.7
# words in a role/group label that mark senior leaders vs front-line staff (lower case)
LEADER_WORDS = ("lead", "executive", "director", "senior", "board", "management")
FRONT_LINE_WORDS = ("front", "agent", "staff", "advisor", "adviser", "associate", "operator", "employee")
BREAKDOWN_COLUMNS = ("segment", "touchpoint", "channel")
# colours shared with cxassess.report.charts: current scores, weak items, and the heatmap scale (low -> high)
CURRENT_COLOUR = "#1f5a8a"
WEAK_COLOUR = "#c8553d"
HEAT_COLOURS = ("#c8553d", "#f4e3b2", "#7fb3a8", "#1f5a8a")
#: The fragments' look (alignment, notes, heatmap cells, bars), scoped to ``cx-`` classes: the report
#: template includes it, and :func:`fragment_style` shows it in JupyterLab. Only values that depend on
#: the data (a heat colour, a bar's length) are written inline.
FRAGMENT_CSS = TEMPLATES_DIR / "report" / "fragments.css"


# --------------------------------------------------------------------------------------
# parameters as they arrive from papermill, the CLI or a person in JupyterLab
# --------------------------------------------------------------------------------------
def as_group_by(value: str | Iterable[str] | None) -> list[str]:
    """``["role", "department"]`` from a list, ``"role;department"``, ``"role, department"`` or None."""
    if value is None:
        return []
    if isinstance(value, str):
        return [p.strip() for p in re.split(r"[;,]", value) if p.strip()]
    return [str(v).strip() for v in value if str(v).strip()]


def as_optional(value: Any) -> Any:
    """None for a parameter left empty ("" or None), the value otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


def report_date(value: str | _dt.date | None, today: _dt.date | None = None) -> str:
    """The assessment date as people write it ("23 November 2026"); empty means today.

    An ISO date (2026-11-23) is reformatted; any other text is kept as given (it is escaped when
    shown).
    """
    if isinstance(value, _dt.date):
        day = value
    elif value is None or not str(value).strip():
        day = today or _dt.date.today()
    else:
        try:
            day = _dt.date.fromisoformat(str(value).strip()[:10])
        except ValueError:
            return str(value).strip()
    return f"{day.day} {day.strftime('%B %Y')}"


# --------------------------------------------------------------------------------------
# small formatting helpers
# --------------------------------------------------------------------------------------
def _float(v: Any) -> float:
    """A number, or NaN for anything missing or not numeric."""
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _num(v: Any, digits: int = 2) -> str:
    f = _float(v)
    return "–" if math.isnan(f) else f"{f:.{digits}f}"


def _pct(v: Any, digits: int = 0) -> str:
    """A share 0..1 as a percentage."""
    f = _float(v)
    return "–" if math.isnan(f) else f"{f * 100:.{digits}f}%"


def _signed(v: float) -> str:
    """NPS style: +12, -4, and plain 0."""
    text = f"{float(v):+.0f}"
    return "0" if text in ("+0", "-0") else text


def _join(parts: Sequence[str]) -> str:
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


def _scale_text(scores: Scores) -> str:
    s = scores.questionnaire.scale
    return f"{s.min}–{s.max}"


def _dim_label(scores: Scores, dim: str, with_score: bool = True) -> str:
    row = scores.dimensions.loc[dim]
    name = f"<strong>{e(row['name'])}</strong>"
    if not with_score:
        return name
    stage = f", {e(row['stage_name'])}" if isinstance(row["stage_name"], str) else ""
    return f"{name} ({_num(row['score'])}{stage})"


# --------------------------------------------------------------------------------------
# findings: plain data, used by the summary and the tests
# --------------------------------------------------------------------------------------
def strongest_and_weakest(scores: Scores, n: int = 2) -> tuple[list[str], list[str]]:
    """Dimension ids of the ``n`` strongest and the ``n`` weakest scored dimensions, never overlapping:
    with fewer than ``2n`` scored dimensions each list gets half (one each for two or three)."""
    ranked = list(scores.ranked().index)
    k = min(n, max(len(ranked) // 2, 1))
    strongest = ranked[:k]
    rest = ranked[k:]
    weakest = rest[-k:][::-1] if rest else []
    return strongest, weakest


def disagreement(scores: Scores) -> tuple[list[str], str | None]:
    """(dimensions flagged low consensus, highest sd first; the dimension with the highest sd)."""
    dims = scores.dimensions.dropna(subset=["sd"]).sort_values("sd", ascending=False, kind="stable")
    flagged = [str(d) for d in dims.index[dims["low_consensus"].astype(bool)]]
    top = str(dims.index[0]) if len(dims) else None
    return flagged, top


def perception_gaps(scores: Scores) -> pd.DataFrame:
    """For each grouping and dimension: the highest and lowest scoring reported group and the gap.

    Suppressed groups never take part. Sorted by gap, widest first; columns ``column, dimension,
    high_group, high, low_group, low, gap``. Empty when no grouping has two reported groups.
    """
    rows = []
    for col, table in scores.groups.items():
        shown = table.loc[~table["suppressed"].astype(bool)]
        if len(shown) < 2:
            continue
        for dim in scores.dimensions.index:
            values = shown[dim].astype(float).dropna()
            if len(values) < 2:
                continue
            hi, lo = values.idxmax(), values.idxmin()
            rows.append({"column": col, "dimension": dim, "high_group": hi, "high": values[hi],
                         "low_group": lo, "low": values[lo], "gap": values[hi] - values[lo]})
    frame = pd.DataFrame(rows, columns=["column", "dimension", "high_group", "high", "low_group", "low", "gap"])
    return frame.sort_values("gap", ascending=False, kind="stable").reset_index(drop=True)


def leaders_vs_front_line(scores: Scores) -> dict[str, Any] | None:
    """Overall scores of senior leaders vs front-line staff, when a grouping has both groups
    (recognised by words in the group label, e.g. "leadership" and "front line") and neither is
    suppressed. None otherwise."""
    for col, table in scores.groups.items():
        shown = table.loc[~table["suppressed"].astype(bool)]
        labels = [str(v) for v in shown.index]
        leaders = [v for v in labels if any(w in v.lower() for w in LEADER_WORDS)]
        front = [v for v in labels if any(w in v.lower() for w in FRONT_LINE_WORDS) and v not in leaders]
        if len(leaders) == 1 and len(front) == 1:
            lead, fl = leaders[0], front[0]
            dim_gaps = (shown.loc[lead, list(scores.dimensions.index)].astype(float)
                        - shown.loc[fl, list(scores.dimensions.index)].astype(float)).dropna()
            widest = str(dim_gaps.abs().idxmax()) if len(dim_gaps) else None
            return {"column": col, "leaders": lead, "front_line": fl,
                    "leaders_score": float(shown.loc[lead, "overall"]), "front_line_score": float(shown.loc[fl, "overall"]),
                    "widest_dimension": widest, "widest_gap": float(dim_gaps[widest]) if widest else float("nan")}
    return None


def suppressed_groups(scores: Scores) -> dict[str, list[str]]:
    """Group values hidden to protect anonymity (see :mod:`cxassess.scoring.suppression`), per grouping."""
    return {col: [str(v) for v in t.index[t["suppressed"].astype(bool)]] for col, t in scores.groups.items()
            if t["suppressed"].any()}


# --------------------------------------------------------------------------------------
# sections
# --------------------------------------------------------------------------------------
def ensure_reportable(scores: Scores, source: Any = "") -> None:
    """Refuse a report on fewer respondents than the minimum group size: its "organisation" scores
    would be one or two people's own answers, which the group suppression exists to protect."""
    if scores.respondents < scores.min_group_size:
        where = f"{source}: " if source else ""
        raise CxError(f"{where}only {scores.respondents} respondent(s) with usable answers; a report "
                      f"needs at least {scores.min_group_size} (the minimum group size), so that nobody's answers "
                      "can be read from it; for a one-person self-assessment set the minimum group size to 1 "
                      "(--min-group-size 1)")


def fragment_style() -> str:
    """The fragments' stylesheet as a ``<style>`` element, for showing them in JupyterLab
    (the rendered report has it in its page head already)."""
    return f"<style>{FRAGMENT_CSS.read_text(encoding='utf-8')}</style>"


def title_block(client_name: str, scores: Scores, *, assessment_date: Any = "", consultant: str = "",
                today: _dt.date | None = None) -> str:
    """Report title with client, date, consultant and the questionnaire used."""
    q = scores.questionnaire
    meta = [f"Assessment date: {e(report_date(assessment_date, today))}"]
    if as_optional(consultant):
        meta.append(f"Prepared by: {e(consultant)}")
    meta.append(f"Questionnaire: {e(q.title or q.id)} (version {e(q.version)})")
    return (f'<div class="cx-title"><h1>Customer experience maturity: {e(client_name)}</h1>'
            f'<p class="cx-sub">{" · ".join(meta)}</p></div>')


def executive_summary(scores: Scores, *, client_name: str = "", metrics: Any = None, plan: Any = None) -> str:
    """The key findings in words: stage and index, strongest/weakest, disagreement, group gaps,
    targets, customer measures (when given) and where the action plan starts."""
    q = scores.questionnaire
    ov = scores.overall
    who = f"<strong>{e(client_name)}</strong>" if as_optional(client_name) else "The organisation"
    if ov.get("stage") is None or ov.get("score") is None or (isinstance(ov["score"], float) and math.isnan(ov["score"])):
        return f"<p>{who} could not be scored: no dimension has enough answers.</p>"
    stage = q.stages[int(ov["stage"]) - 1]
    nxt = q.stages[int(ov["stage"])] if int(ov["stage"]) < len(q.stages) else None
    parts = [
        f"<p>{who} stands at stage {int(ov['stage'])} of {len(q.stages)}, <strong>{e(stage.name)}</strong>, "
        f"with an overall score of {_num(ov['score'])} on the {_scale_text(scores)} scale "
        f"(maturity index {float(ov['index']):.0f} out of 100), based on {scores.respondents} respondents. "
        f"{e(stage.description)}</p>"
    ]
    if nxt is not None:
        parts.append(f"<p>The next stage, <em>{e(nxt.name)}</em>, starts at a score of {nxt.min_score:g}; "
                     f"the overall score is {nxt.min_score - float(ov['score']):.2f} points short of it.</p>")
    bullets: list[str] = []
    strongest, weakest = strongest_and_weakest(scores)
    if strongest:
        bullets.append(f"<li><strong>Strengths to build on:</strong> {_join([_dim_label(scores, d) for d in strongest])}.</li>")
    if weakest:
        bullets.append(f"<li><strong>Weakest areas:</strong> {_join([_dim_label(scores, d) for d in weakest])}.</li>")
    bullets.append(f"<li><strong>Where people disagree:</strong> {disagreement_sentence(scores)}</li>")
    gap = perception_gap_sentence(scores)
    if gap:
        bullets.append(f"<li><strong>Perception gaps:</strong> {gap}</li>")
    tgt = target_sentence(scores)
    if tgt:
        bullets.append(f"<li><strong>Against target:</strong> {tgt}</li>")
    if metrics is not None:
        bullets.append(f"<li><strong>What customers say:</strong> {metrics_link(scores, metrics)}</li>")
    if plan is not None and getattr(plan, "entries", None):
        first = [f"<strong>{e(x.name)}</strong>" for x in plan.focus(3)]
        bullets.append(f"<li><strong>Where to start:</strong> the action plan puts {_join(first)} first.</li>")
    unscored = [d for d in scores.dimensions.index if pd.isna(scores.dimensions.loc[d, "score"])]
    if unscored:
        names = _join([f"<strong>{e(scores.dimensions.loc[d, 'name'])}</strong>" for d in unscored])
        verb = "is" if len(unscored) == 1 else "are"
        bullets.append(f"<li><strong>Not scored:</strong> {names} {verb} left out of the overall result: no "
                       f"respondent answered at least half of {'its' if len(unscored) == 1 else 'their'} "
                       f"statements (or the file has no column for them).</li>")
    parts.append(f"<ul>{''.join(bullets)}</ul>")
    return "".join(parts)


def disagreement_sentence(scores: Scores) -> str:
    """Which dimensions split opinion (low consensus, sd >= 1) or, failing that, the least agreed one."""
    flagged, top = disagreement(scores)
    if top is None:
        return "there are too few respondents to judge agreement."
    dims = scores.dimensions
    if flagged:
        detail = _join([f"{_dim_label(scores, d, with_score=False)} (spread {_num(dims.loc[d, 'sd'])}, "
                        f"agreement {_num(dims.loc[d, 'rwg'])})" for d in flagged])
        verb, it = ("is", "it") if len(flagged) == 1 else ("are", "them")
        return (f"opinions diverge most on {detail}, which {verb} flagged as low consensus: the average hides "
                f"real differences in how people experience {it}, so discuss {it} before acting on the score.")
    return (f"views are broadly shared; they differ most on {_dim_label(scores, top, with_score=False)} "
            f"(spread {_num(dims.loc[top, 'sd'])}, agreement {_num(dims.loc[top, 'rwg'])}), still below the "
            f"low-consensus threshold of {LOW_CONSENSUS_SD:g}.")


def perception_gap_sentence(scores: Scores) -> str:
    """Leaders vs front line (when recognisable) and the widest gap between any two reported groups."""
    if not scores.groups:
        return ""
    out = []
    lf = leaders_vs_front_line(scores)
    if lf is not None:
        diff = lf["leaders_score"] - lf["front_line_score"]
        direction = "more favourably than" if diff > 0 else "less favourably than" if diff < 0 else "the same as"
        sentence = (f"the {e(lf['leaders'])} group rates the organisation {direction} the {e(lf['front_line'])} group "
                    f"overall ({_num(lf['leaders_score'])} vs {_num(lf['front_line_score'])})")
        if lf["widest_dimension"]:
            w = lf["widest_dimension"]
            sentence += (f"; the two are furthest apart on {_dim_label(scores, w, with_score=False)} "
                         f"({abs(lf['widest_gap']):.2f} points)")
        out.append(sentence + ".")
    gaps = perception_gaps(scores)
    if len(gaps):
        g = gaps.iloc[0]
        same = lf is not None and g["column"] == lf["column"] and g["dimension"] == lf["widest_dimension"] \
            and {g["high_group"], g["low_group"]} == {lf["leaders"], lf["front_line"]}
        if same:
            gaps = gaps.iloc[0:0]
    if len(gaps):
        out.append(f"The widest gap between any two groups is on {_dim_label(scores, g['dimension'], with_score=False)} "
                   f"by {e(str(g['column']).replace('_', ' '))}: {e(g['high_group'])} {_num(g['high'])} vs "
                   f"{e(g['low_group'])} {_num(g['low'])} ({g['gap']:.2f} points).")
    hidden = suppressed_groups(scores)
    if hidden:
        count = sum(len(v) for v in hidden.values())
        out.append(f"{count} group{'s' if count != 1 else ''} {'are' if count != 1 else 'is'} not reported separately, "
                   f"to protect anonymity: groups under {scores.min_group_size} respondents, and where needed the "
                   "next-smallest group, so that no small group can be worked out from the others.")
    if not out:
        return "no grouping has two groups large enough to compare."
    text = " ".join(out)
    return text[0].upper() + text[1:]


def target_sentence(scores: Scores) -> str:
    """How many dimensions fall short of their target, and the largest shortfall ('' without targets)."""
    dims = scores.dimensions.dropna(subset=["target", "score"])
    if dims.empty:
        return ""
    short = dims.loc[dims["gap"] > 1e-9].sort_values("gap", ascending=False, kind="stable")
    if short.empty:
        return f"every one of the {len(dims)} dimensions with a target has reached it."
    top = short.index[0]
    return (f"{len(short)} of {len(dims)} dimensions are below target; the largest shortfall is "
            f"{_dim_label(scores, top, with_score=False)}, {short.loc[top, 'gap']:.2f} points "
            f"below its target of {_num(short.loc[top, 'target'])}.")


def group_note(scores: Scores, column: str) -> str:
    """A line under a heatmap: the widest gap in this grouping and any suppressed groups."""
    if column not in scores.groups:
        raise CxError(f"no group breakdown for '{column}'")
    gaps = perception_gaps(scores)
    gaps = gaps.loc[gaps["column"] == column]
    parts = []
    if len(gaps):
        g = gaps.iloc[0]
        parts.append(f"Widest difference: {_dim_label(scores, g['dimension'], with_score=False)}, "
                     f"{e(g['high_group'])} {_num(g['high'])} vs {e(g['low_group'])} {_num(g['low'])}.")
    else:
        parts.append("Fewer than two groups are large enough to compare.")
    hidden = suppressed_groups(scores).get(column)
    if hidden:
        parts.append(f"Suppressed (under {scores.min_group_size} respondents, or hidden so that a smaller group "
                     f"cannot be worked out from the rest): {e(', '.join(hidden))}.")
    return f'<p class="cx-note">{" ".join(parts)}</p>'


def _split_ranking(scores: Scores, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``n`` best items (best first) and the ``n`` worst (worst first), never overlapping."""
    ranked = scores.items.dropna(subset=["mean"]).sort_values("mean", ascending=False, kind="stable")
    k = min(n, math.ceil(len(ranked) / 2))
    best = ranked.head(k)
    worst = ranked.tail(min(k, len(ranked) - k)).iloc[::-1] if len(ranked) > k else ranked.iloc[0:0]
    return best, worst


def _bar(value: float, lo: float, hi: float, colour: str) -> str:
    pct = max(0.0, min(100.0, (value - lo) / (hi - lo) * 100))
    return f'<div class="cx-bar"><div style="background:{colour};width:{pct:.1f}%"></div></div>'


def item_ranking_html(scores: Scores, n: int = 5) -> str:
    """The ``n`` strongest and ``n`` weakest statements as two tables with a bar per mean score
    (HTML rather than a picture: crisp in print, searchable, and no drawing time)."""
    best, worst = _split_ranking(scores, n)
    if best.empty:
        return "<p>No statement has an answer yet.</p>"
    lo, hi = scores.questionnaire.scale.min, scores.questionnaire.scale.max
    names = scores.dimensions["name"]

    def table(frame: pd.DataFrame, colour: str) -> str:
        rows = []
        for item, r in frame.iterrows():
            statement = e(r["text"]) + (' <span class="cx-note">(reverse-worded)</span>' if r["reverse"] else "")
            rows.append(f'<tr><td>{e(item)}</td><td>{statement}</td><td>{e(names.get(r["dimension"], r["dimension"]))}</td>'
                        f'<td class="num">{_num(r["mean"])}</td><td>{_bar(float(r["mean"]), lo, hi, colour)}</td>'
                        f'<td class="num">{int(r["n"])}</td></tr>')
        head = (f'<tr><th>Item</th><th>Statement</th><th>Dimension</th><th class="num">Mean</th>'
                f'<th>{lo}–{hi}</th><th class="num">Answers</th></tr>')
        return (f'<table class="cx-table cx-ranking"><thead>{head}</thead>'
                f'<tbody>{"".join(rows)}</tbody></table>')

    out = f"<h3>Strongest statements</h3>{table(best, CURRENT_COLOUR)}"
    if len(worst):
        out += f"<h3>Weakest statements</h3>{table(worst, WEAK_COLOUR)}"
    return out


def heat_colour(value: float, lo: float, hi: float) -> str:
    """The heatmap colour of a score: linear through ``HEAT_COLOURS`` from ``lo`` to ``hi``."""
    x = max(0.0, min(1.0, (value - lo) / (hi - lo))) * (len(HEAT_COLOURS) - 1)
    k = min(int(x), len(HEAT_COLOURS) - 2)
    f = x - k
    a = [int(HEAT_COLOURS[k][i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(HEAT_COLOURS[k + 1][i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(p + (q - p) * f):02x}" for p, q in zip(a, b))


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
    rows = []
    for group, r in table.iterrows():
        label = f"<th>{e(group)} <span class=\"cx-note\">(n={int(r['respondents'])})</span></th>"
        if bool(r["suppressed"]):
            rows.append(f'<tr>{label}<td colspan="{len(dims)}" class="cx-suppressed">'
                        f'suppressed ({reason(int(r["respondents"]), scores.min_group_size)})</td></tr>')
            continue
        cells = []
        for d in dims:
            v = float(r[d])
            if math.isnan(v):
                cells.append('<td class="cx-missing">–</td>')
                continue
            rel = (v - lo) / (hi - lo)
            ink = ' class="cx-light"' if rel > 0.72 or rel < 0.12 else ""
            cells.append(f'<td{ink} style="background:{heat_colour(v, lo, hi)}">{v:.1f}</td>')
        rows.append(f"<tr>{label}{''.join(cells)}</tr>")
    caption = f'<caption class="cx-note">Mean score per group, {lo} (red) to {hi} (blue)</caption>'
    return (f'<table class="cx-table cx-heatmap">{caption}'
            f'<thead><tr><th>{e(column.replace("_", " ").capitalize())}</th>'
            f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def consensus_section(scores: Scores) -> str:
    """Per dimension: spread (sd), agreement (rwg) and the low-consensus flag, with a plain explanation."""
    dims = scores.dimensions
    rows = [[r["name"], _num(r["score"]), _num(r["sd"]), _num(r["rwg"]),
             "Low consensus" if bool(r["low_consensus"]) else ""] for _, r in dims.iterrows()]
    intro = (f"<p>The spread (standard deviation) shows how far individual answers sit from the average; "
             f"agreement (r<sub>wg</sub>) runs from 0 (answers as scattered as random choice) to 1 (everyone "
             f"gave the same answer). A spread of {LOW_CONSENSUS_SD:g} point or more is flagged as low consensus.</p>")
    flagged, _ = disagreement(scores)
    if flagged:
        outro = ("<p>Where consensus is low, the average is not a shared view: look at the group breakdowns and "
                 "talk with teams before deciding what to change.</p>")
    else:
        outro = "<p>No dimension is flagged: the averages above describe a broadly shared view.</p>"
    return intro + html_table(["Dimension", "Score", "Spread (sd)", "Agreement (rwg)", "Flag"], rows,
                              align_right=(1, 2, 3)) + outro


def action_plan_parts(plan: Any, n_focus: int = 3) -> list[str]:
    """The plan as separate HTML blocks (intro with the first focus dimension, each further focus
    dimension, the rest as a table), so a printed page can break between them."""
    if not plan.entries:
        return ["<p>No dimension could be scored, so there is no action plan.</p>"]
    intro = ("<p>Dimensions are ordered by priority: the weaker a dimension and the further it is below its "
             "target, the earlier it comes, weighted by how much the dimension counts in the overall score. "
             "The actions fit each dimension's current stage and aim at the next one.</p>")
    out = []
    for rank, entry in enumerate(plan.focus(n_focus), 1):
        tgt = (f"; target {_num(entry.target)}, {entry.gap:.2f} to go" if not math.isnan(entry.target) and entry.gap > 0
               else f"; target {_num(entry.target)} reached" if not math.isnan(entry.target) else "")
        actions = (f"<ol>{''.join(f'<li>{e(a)}</li>' for a in entry.actions)}</ol>" if entry.actions
                   else "<p>No recommended actions are stored for this questionnaire.</p>")
        out.append((intro if rank == 1 else "") + f"<h3>{rank}. {e(entry.name)}</h3>"
                   f"<p class=\"cx-sub\">Now at stage {entry.stage}, {e(entry.stage_name)} "
                   f"(score {_num(entry.score)}{tgt}).</p>{actions}")
    rest = plan.entries[n_focus:]
    if rest:
        rows = [[x.name, f"{x.stage} {x.stage_name}", _num(x.score), _num(x.target), _num(x.priority),
                 x.actions[0] if x.actions else "–"]
                for x in rest]
        out.append("<h3>Later: the remaining dimensions</h3>"
                   + html_table(["Dimension", "Stage", "Score", "Target", "Priority", "First step"], rows,
                                align_right=(2, 3, 4)))
    if plan.unscored:
        out.append(f"<p>Not in the plan (too few answers to score): {e(', '.join(plan.unscored))}.</p>")
    return out


def action_plan_html(plan: Any, n_focus: int = 3) -> str:
    """The plan: the first ``n_focus`` dimensions in detail with their actions, then the rest briefly."""
    return "".join(action_plan_parts(plan, n_focus))


# --------------------------------------------------------------------------------------
# customer metrics
# --------------------------------------------------------------------------------------
def breakdown_column(columns: Iterable[Any]) -> str | None:
    """The column a customer survey is broken down by in the report (segment, touchpoint or
    channel, the first that exists, any case), or None."""
    lower = {str(c).strip().lower(): str(c) for c in columns}
    return next((lower[c] for c in BREAKDOWN_COLUMNS if c in lower), None)


def load_customer_metrics(path: str | Path, min_group_size: int = MIN_GROUP_SIZE) -> Any:
    """Summarise the customer survey for the report: NPS, CSAT and CES from the columns ``nps``,
    ``csat`` and ``ces``, broken down by segment when the file has such a column (read once, any
    format :func:`cxassess.io.responses.read_table` reads)."""
    from cxassess.io.responses import read_table
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
        rows.append(["Net Promoter Score (would recommend, 0–10)", _signed(n.score),
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
                brows.append([seg, int(r["n"]), "–" if pd.isna(r["nps"]) else _signed(r["nps"]),
                              "–" if pd.isna(r["csat"]) else f"{r['csat']:.0f}%", _num(r["ces"])])
        out.append(f"<h4>By {e(by)}</h4>")
        out.append(html_table([str(by).capitalize(), "Customers", "NPS", "CSAT", "CES"], brows, align_right=(1, 2, 3, 4)))
        if bd["suppressed"].astype(bool).any():
            out.append(f"<p class=\"cx-note\">Segments with fewer than {getattr(summary, 'min_group_size', MIN_GROUP_SIZE)} "
                       f"customers are suppressed.</p>")
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
        bits.append(f"a Net Promoter Score of {_signed(summary.nps.score)}")
    if summary.csat is not None and summary.csat.n:
        bits.append(f"{summary.csat.top2_pct:.0f}% satisfied")
    if summary.ces is not None and summary.ces.n:
        bits.append(f"an effort score of {summary.ces.mean:.2f} out of 7")
    if not bits:
        return "the customer survey holds no usable answers."
    stage = scores.overall.get("stage_name")
    _, weakest = strongest_and_weakest(scores)
    weak = _join([_dim_label(scores, d, with_score=False) for d in weakest])
    mood = ""
    if summary.nps is not None and summary.nps.n and summary.nps.score is not None:
        mood = "positive " if summary.nps.score >= 30 else "mixed " if summary.nps.score >= 0 else "negative "
    text = (f"customers report {_join(bits)}, a {mood}picture that sits alongside an internal maturity of "
            f"<em>{e(stage)}</em>.")
    if weak:
        text += (f" The weakest internal areas, {weak}, are plausible places where customers would feel the "
                 f"difference; the two surveys are read side by side here, which shows an association at most, "
                 f"not that one causes the other.")
    return text


# --------------------------------------------------------------------------------------
# methodology appendix
# --------------------------------------------------------------------------------------
def methodology(scores: Scores) -> str:
    """Plain-words appendix: who answered, coverage, don't-know share, reliability (alpha) and
    agreement (rwg) per dimension, and how every number in the report is computed."""
    q = scores.questionnaire
    cov = scores.coverage
    s = q.scale
    out = ["<h3>Who answered</h3>",
           f"<p>{scores.respondents} people answered at least one statement. Together they gave "
           f"{cov.get('answers', 0)} scored answers out of {cov.get('possible_answers', 0)} possible "
           f"({_pct(cov.get('answered_share'))}). "
           f"“{e(s.dont_know)}” was chosen {cov.get('dont_know', 0)} times ({_pct(cov.get('dont_know_share'), 1)} "
           f"of possible answers); those answers count as missing, never as a low score.</p>"]
    notes = []
    if cov.get("dropped_errors"):
        notes.append(f"{cov['dropped_errors']} problem(s) in the file (unreadable answers, repeated respondents or "
                     "unusable columns) were left out of the scores")
    if cov.get("respondents_without_answers"):
        notes.append(f"{cov['respondents_without_answers']} respondent(s) gave no usable answer and are not counted")
    if notes:
        out.append(f"<p>{e('; '.join(notes).capitalize())}.</p>")
    out.append("<h3>How reliable the dimension scores are</h3>")
    out.append(f"<p><em>Alpha</em> (Cronbach's alpha) tells whether a dimension's statements measure the same thing: "
               f"{ALPHA_OK:g} or more is usually taken as consistent. <em>Agreement</em> (r<sub>wg</sub>) tells whether "
               f"respondents agree with each other: 1 is full agreement, 0 is as scattered as random answers.</p>")
    rows = []
    for _, r in scores.dimensions.iterrows():
        alpha = round(float(r["alpha"]), 2) if not pd.isna(r["alpha"]) else float("nan")
        reading = ("not enough complete answers" if math.isnan(alpha)
                   else "consistent" if alpha >= ALPHA_OK else "read with care")
        rows.append([r["name"], int(r["n"]), _num(r["alpha"]), reading, _num(r["rwg"]), _num(r["sd"])])
    out.append(html_table(["Dimension", "Respondents", "Alpha", "Reading", "Agreement (rwg)", "Spread (sd)"], rows,
                          align_right=(1, 2, 4, 5)))
    stages = _join([f"{e(st.name)} from {st.min_score:g}" for st in q.stages])
    out.append("<h3>How the scores are computed</h3><ul>"
               f"<li>Each statement is answered on a {s.points}-point scale from {s.min} "
               f"({e(s.labels[s.min].lower())}) to {s.max} ({e(s.labels[s.max].lower())}). Statements worded "
               f"negatively are flipped ({s.min + s.max} minus the answer) so a higher score is always better.</li>"
               "<li>A person's score for a dimension is the average of the statements they answered in it, and only "
               "counts when they answered at least half of them. The dimension score is the average over people.</li>"
               f"<li>The overall score is the weighted average of the dimension scores; the maturity index rescales "
               f"it to 0–100 ({s.min} = 0, {s.max} = 100).</li>"
               f"<li>Stages: {stages}. A score belongs to the highest stage whose threshold it reaches.</li>"
               f"<li>Group results are shown only for groups of at least {scores.min_group_size} respondents, so no "
               f"one's answers can be singled out.</li>"
               "<li>Action-plan priority = dimension weight × (distance from the top of the scale + shortfall against "
               "target), both as a share of the scale's range.</li></ul>")
    return "".join(out)
