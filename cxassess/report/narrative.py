"""The report's words: title block, executive summary, section notes, tables, action plan and methodology.

Every function returns an HTML fragment (shown in the notebook with ``IPython.display.HTML``) built
from a :class:`~cxassess.scoring.score.Scores` and friends, so the report's text is unit-testable and the
notebook stays a thin caller. HTML rather than Markdown on purpose: every string that comes from a
user or a data file (client name, consultant, group values, dimension and item texts, actions) goes
through :func:`cxassess._util.safe.escape_html`, and HTML has no other syntax to smuggle links or
formatting through, where Markdown would (``[x](javascript:...)``).

This module is also what the report notebook calls (``narrative.*``): it re-exports the parameter
helpers (:mod:`cxassess.report.params`), the findings (:mod:`cxassess.report.findings`) and the
customer-metrics panel (:mod:`cxassess.report.customer_metrics`).
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

import pandas as pd

from cxassess._util.safe import escape_html as e
from cxassess.errors import CxError
from cxassess.report.customer_metrics import breakdown_column, load_customer_metrics, metrics_link, metrics_panel
from cxassess.report.findings import (
    disagreement,
    ensure_reportable,
    leaders_vs_front_line,
    perception_gaps,
    split_ranking,
    strongest_and_weakest,
    suppressed_groups,
)
from cxassess.report.fragments import bar, dim_label, fragment_style, html_table, join, num, pct, scale_text
from cxassess.report.params import as_group_by, as_optional, report_date
from cxassess.report.theme import CURRENT, HEAT_COLOURS, WEAK, heat_colour
from cxassess.scoring.reliability import LOW_CONSENSUS_SD
from cxassess.scoring.result import Scores
from cxassess.scoring.suppression import reason

ALPHA_OK = 0.7


# --------------------------------------------------------------------------------------
# sections
# --------------------------------------------------------------------------------------
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
    no_score = ov.get("score") is None or (isinstance(ov["score"], float) and math.isnan(ov["score"]))
    if ov.get("stage") is None or no_score:
        return f"<p>{who} could not be scored: no dimension has enough answers.</p>"
    stage = q.stages[int(ov["stage"]) - 1]
    nxt = q.stages[int(ov["stage"])] if int(ov["stage"]) < len(q.stages) else None
    parts = [
        f"<p>{who} stands at stage {int(ov['stage'])} of {len(q.stages)}, <strong>{e(stage.name)}</strong>, "
        f"with an overall score of {num(ov['score'])} on the {scale_text(scores)} scale "
        f"(maturity index {float(ov['index']):.0f} out of 100), based on {scores.respondents} respondents. "
        f"{e(stage.description)}</p>"
    ]
    if nxt is not None:
        parts.append(f"<p>The next stage, <em>{e(nxt.name)}</em>, starts at a score of {nxt.min_score:g}; "
                     f"the overall score is {nxt.min_score - float(ov['score']):.2f} points short of it.</p>")
    bullets: list[str] = []
    strongest, weakest = strongest_and_weakest(scores)
    if strongest:
        bullets.append(f"<li><strong>Strengths to build on:</strong> "
                       f"{join([dim_label(scores, d) for d in strongest])}.</li>")
    if weakest:
        bullets.append(f"<li><strong>Weakest areas:</strong> {join([dim_label(scores, d) for d in weakest])}.</li>")
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
        bullets.append(f"<li><strong>Where to start:</strong> the action plan puts {join(first)} first.</li>")
    unscored = [d for d in scores.dimensions.index if pd.isna(scores.dimensions.loc[d, "score"])]
    if unscored:
        names = join([f"<strong>{e(scores.dimensions.loc[d, 'name'])}</strong>" for d in unscored])
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
        detail = join([f"{dim_label(scores, d, with_score=False)} (spread {num(dims.loc[d, 'sd'])}, "
                        f"agreement {num(dims.loc[d, 'rwg'])})" for d in flagged])
        verb, it = ("is", "it") if len(flagged) == 1 else ("are", "them")
        return (f"opinions diverge most on {detail}, which {verb} flagged as low consensus: the average hides "
                f"real differences in how people experience {it}, so discuss {it} before acting on the score.")
    return (f"views are broadly shared; they differ most on {dim_label(scores, top, with_score=False)} "
            f"(spread {num(dims.loc[top, 'sd'])}, agreement {num(dims.loc[top, 'rwg'])}), still below the "
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
                    f"overall ({num(lf['leaders_score'])} vs {num(lf['front_line_score'])})")
        if lf["widest_dimension"]:
            w = lf["widest_dimension"]
            sentence += (f"; the two are furthest apart on {dim_label(scores, w, with_score=False)} "
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
        out.append(f"The widest gap between any two groups is on {dim_label(scores, g['dimension'], with_score=False)} "
                   f"by {e(str(g['column']).replace('_', ' '))}: {e(g['high_group'])} {num(g['high'])} vs "
                   f"{e(g['low_group'])} {num(g['low'])} ({g['gap']:.2f} points).")
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
            f"{dim_label(scores, top, with_score=False)}, {short.loc[top, 'gap']:.2f} points "
            f"below its target of {num(short.loc[top, 'target'])}.")


def group_note(scores: Scores, column: str) -> str:
    """A line under a heatmap: the widest gap in this grouping and any suppressed groups."""
    if column not in scores.groups:
        raise CxError(f"no group breakdown for '{column}'")
    gaps = perception_gaps(scores)
    gaps = gaps.loc[gaps["column"] == column]
    parts = []
    if len(gaps):
        g = gaps.iloc[0]
        parts.append(f"Widest difference: {dim_label(scores, g['dimension'], with_score=False)}, "
                     f"{e(g['high_group'])} {num(g['high'])} vs {e(g['low_group'])} {num(g['low'])}.")
    else:
        parts.append("Fewer than two groups are large enough to compare.")
    hidden = suppressed_groups(scores).get(column)
    if hidden:
        parts.append(f"Suppressed (under {scores.min_group_size} respondents, or hidden so that a smaller group "
                     f"cannot be worked out from the rest): {e(', '.join(hidden))}.")
    return f'<p class="cx-note">{" ".join(parts)}</p>'


# --------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------
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


def item_ranking_html(scores: Scores, n: int = 5) -> str:
    """The ``n`` strongest and ``n`` weakest statements as two tables with a bar per mean score
    (HTML rather than a picture: crisp in print, searchable, and no drawing time)."""
    best, worst = split_ranking(scores, n)
    if best.empty:
        return "<p>No statement has an answer yet.</p>"
    lo, hi = scores.questionnaire.scale.min, scores.questionnaire.scale.max
    names = scores.dimensions["name"]

    def table(frame: pd.DataFrame, colour: str) -> str:
        rows = []
        for item, r in frame.iterrows():
            statement = e(r["text"]) + (' <span class="cx-note">(reverse-worded)</span>' if r["reverse"] else "")
            dimension = e(names.get(r["dimension"], r["dimension"]))
            rows.append(f'<tr><td>{e(item)}</td><td>{statement}</td><td>{dimension}</td>'
                        f'<td class="num">{num(r["mean"])}</td><td>{bar(float(r["mean"]), lo, hi, colour)}</td>'
                        f'<td class="num">{int(r["n"])}</td></tr>')
        head = (f'<tr><th>Item</th><th>Statement</th><th>Dimension</th><th class="num">Mean</th>'
                f'<th>{lo}–{hi}</th><th class="num">Answers</th></tr>')
        return (f'<table class="cx-table cx-ranking"><thead>{head}</thead>'
                f'<tbody>{"".join(rows)}</tbody></table>')

    out = f"<h3>Strongest statements</h3>{table(best, CURRENT)}"
    if len(worst):
        out += f"<h3>Weakest statements</h3>{table(worst, WEAK)}"
    return out


def consensus_section(scores: Scores) -> str:
    """Per dimension: spread (sd), agreement (rwg) and the low-consensus flag, with a plain explanation."""
    dims = scores.dimensions
    rows = [[r["name"], num(r["score"]), num(r["sd"]), num(r["rwg"]),
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


# --------------------------------------------------------------------------------------
# the action plan
# --------------------------------------------------------------------------------------
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
        tgt = (f"; target {num(entry.target)}, {entry.gap:.2f} to go" if not math.isnan(entry.target) and entry.gap > 0
               else f"; target {num(entry.target)} reached" if not math.isnan(entry.target) else "")
        actions = (f"<ol>{''.join(f'<li>{e(a)}</li>' for a in entry.actions)}</ol>" if entry.actions
                   else "<p>No recommended actions are stored for this questionnaire.</p>")
        out.append((intro if rank == 1 else "") + f"<h3>{rank}. {e(entry.name)}</h3>"
                   f"<p class=\"cx-sub\">Now at stage {entry.stage}, {e(entry.stage_name)} "
                   f"(score {num(entry.score)}{tgt}).</p>{actions}")
    rest = plan.entries[n_focus:]
    if rest:
        rows = [[x.name, f"{x.stage} {x.stage_name}", num(x.score), num(x.target), num(x.priority),
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
           f"({pct(cov.get('answered_share'))}). "
           f"“{e(s.dont_know)}” was chosen {cov.get('dont_know', 0)} times ({pct(cov.get('dont_know_share'), 1)} "
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
               f"{ALPHA_OK:g} or more is usually taken as consistent. <em>Agreement</em> (r<sub>wg</sub>) tells "
               f"whether respondents agree with each other: 1 is full agreement, 0 is as scattered as random "
               f"answers.</p>")
    rows = []
    for _, r in scores.dimensions.iterrows():
        alpha = round(float(r["alpha"]), 2) if not pd.isna(r["alpha"]) else float("nan")
        reading = ("not enough complete answers" if math.isnan(alpha)
                   else "consistent" if alpha >= ALPHA_OK else "read with care")
        rows.append([r["name"], int(r["n"]), num(r["alpha"]), reading, num(r["rwg"]), num(r["sd"])])
    out.append(html_table(["Dimension", "Respondents", "Alpha", "Reading", "Agreement (rwg)", "Spread (sd)"], rows,
                          align_right=(1, 2, 4, 5)))
    stages = join([f"{e(st.name)} from {st.min_score:g}" for st in q.stages])
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


__all__ = [
    # the report's sections (this module)
    "title_block", "executive_summary", "disagreement_sentence", "perception_gap_sentence", "target_sentence",
    "group_note", "heatmap_table", "item_ranking_html", "consensus_section", "action_plan_parts", "action_plan_html",
    "methodology", "ALPHA_OK",
    # re-exported for the notebook and callers of ``narrative.*``
    "as_group_by", "as_optional", "report_date", "ensure_reportable", "strongest_and_weakest", "disagreement",
    "perception_gaps", "leaders_vs_front_line", "suppressed_groups", "fragment_style", "html_table", "heat_colour",
    "HEAT_COLOURS", "breakdown_column", "load_customer_metrics", "metrics_panel", "metrics_link",
]
