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
from cxassess.report.appendix import consensus_section, methodology
from cxassess.report.comments import comments_html, summarise_comments
from cxassess.report.customer_metrics import breakdown_column, load_customer_metrics, metrics_link, metrics_panel
from cxassess.report.drivers_text import drivers_html, has_drivers
from cxassess.report.findings import (
    RELIABILITY_OK,
    comparison_meaningful,
    disagreement,
    ensure_reportable,
    gap_tests,
    interval,
    is_strength,
    leaders_vs_front_line,
    midpoint,
    perception_gaps,
    reliability,
    stage_probability,
    strongest_and_weakest,
    suppressed_groups,
    unreliable_dimensions,
)
from cxassess.report.fragments import dim_label, fragment_style, html_table, join, num, scale_text
from cxassess.report.params import as_group_by, as_optional, report_date
from cxassess.report.participation import load_invited, participation_html, rate_phrase
from cxassess.report.plan_text import action_plan_html, action_plan_parts
from cxassess.report.tables import heatmap_table, item_distribution_html, item_ranking_html, statement_as_answered
from cxassess.report.theme import HEAT_COLOURS, heat_colour
from cxassess.scoring.reliability import LOW_CONSENSUS_SD
from cxassess.scoring.result import Scores

ALPHA_OK = RELIABILITY_OK


# --------------------------------------------------------------------------------------
# sections
# --------------------------------------------------------------------------------------
def title_block(client_name: str, scores: Scores, *, assessment_date: Any = "", consultant: str = "",
                today: _dt.date | None = None) -> str:
    """Report title with client, date, consultant and the questionnaire used.

    The assessment date is never made up: without one the block says when the report was rendered
    and that no assessment date was given."""
    q = scores.questionnaire
    rendered = report_date("", today)
    if as_optional(assessment_date):
        meta = [f"Assessed on {e(report_date(assessment_date, today))}", f"rendered on {e(rendered)}"]
    else:
        meta = [f"Rendered on {e(rendered)} (no assessment date was given)"]
    if as_optional(consultant):
        meta.append(f"Prepared by: {e(consultant)}")
    meta.append(f"Questionnaire: {e(q.title or q.id)} (version {e(q.version)})")
    return (f'<div class="cx-title"><h1>Customer experience maturity: {e(client_name)}</h1>'
            f'<p class="cx-sub">{" · ".join(meta)}</p></div>')


def executive_summary(scores: Scores, *, client_name: str = "", metrics: Any = None, plan: Any = None,
                      targets: Any = None, invited: Any = None) -> str:
    """The key findings in words: stage and index, strongest/weakest, agreement among respondents,
    differences between groups, reliability warnings, targets (and who set them), response rate,
    customer measures (when given) and where the action plan starts.

    ``targets``: the targets file (to say who set them); ``invited``: how many people were asked
    (a number, or a parsed :class:`~cxassess.report.participation.Invited`)."""
    q = scores.questionnaire
    ov = scores.overall
    who = f"<strong>{e(client_name)}</strong>" if as_optional(client_name) else "The organisation"
    no_score = ov.get("score") is None or (isinstance(ov["score"], float) and math.isnan(ov["score"]))
    if ov.get("stage") is None or no_score:
        return f"<p>{who} could not be scored: no dimension has enough answers.</p>"
    stage = q.stages[int(ov["stage"]) - 1]
    nxt = q.stages[int(ov["stage"])] if int(ov["stage"]) < len(q.stages) else None
    parts = [
        f"<p>{who} stands at stage {int(ov['stage'])} of {len(q.stages)}, <strong>{e(stage.name)}</strong>"
        f"{stage_certainty(scores)}, with an overall score of {num(ov['score'])}{overall_interval(scores)} on the "
        f"{scale_text(scores)} scale (maturity index {float(ov['index']):.0f} out of 100), based on "
        f"{respondents_text(scores, invited)}. {e(stage.description)}</p>"
    ]
    if nxt is not None:
        parts.append(f"<p>The next stage, <em>{e(nxt.name)}</em>, starts at a score of {nxt.min_score:g}; "
                     f"the overall score is {nxt.min_score - float(ov['score']):.2f} points short of it.</p>")
    bullets: list[str] = []
    strongest, weakest = strongest_and_weakest(scores)
    if strongest:
        strong = [d for d in strongest if is_strength(scores, d)]
        relative = [d for d in strongest if not is_strength(scores, d)]
        if strong:
            names = join([dim_label(scores, d) for d in strong])
            bullets.append(f"<li><strong>Strengths to build on:</strong> {names}.{short_of_target_note(scores, strong)}"
                           "</li>")
        if relative:
            bullets.append(f"<li><strong>Relatively strongest:</strong> "
                           f"{join([dim_label(scores, d) for d in relative])}, though still at or below the "
                           f"scale's midpoint of {midpoint(scores):g}, so not yet a strength.</li>")
    if weakest:
        bullets.append(f"<li><strong>Weakest areas:</strong> {join([dim_label(scores, d) for d in weakest])}.</li>")
    bullets.append(f"<li><strong>Agreement among respondents:</strong> {disagreement_sentence(scores)}</li>")
    gap = perception_gap_sentence(scores)
    if gap:
        bullets.append(f"<li><strong>Differences between groups:</strong> {gap}</li>")
    shaky = unreliable_dimensions(scores)
    if shaky:
        bullets.append(f"<li><strong>Read with care:</strong> {reliability_sentence(scores, shaky)}</li>")
    tgt = target_sentence(scores, targets)
    if tgt:
        bullets.append(f"<li><strong>Against target:</strong> {tgt}</li>")
    if metrics is not None:
        bullets.append(f"<li><strong>What customers say:</strong> {metrics_link(scores, metrics)}</li>")
    if plan is not None and getattr(plan, "entries", None):
        first = [f"<strong>{e(x.name)}</strong>" for x in plan.focus(3)]
        why = (" (the dimensions furthest below target)" if all(x.below_target for x in plan.focus(3))
               else " (the dimensions below target, then the highest priority)" if plan.below_target else "")
        bullets.append(f"<li><strong>Where to start:</strong> the action plan puts {join(first)} first{why}.</li>")
    unscored = [d for d in scores.dimensions.index if pd.isna(scores.dimensions.loc[d, "score"])]
    if unscored:
        names = join([f"<strong>{e(scores.dimensions.loc[d, 'name'])}</strong>" for d in unscored])
        verb = "is" if len(unscored) == 1 else "are"
        bullets.append(f"<li><strong>Not scored:</strong> {names} {verb} left out of the overall result: no "
                       f"respondent answered at least half of {'its' if len(unscored) == 1 else 'their'} "
                       f"statements (or the file has no column for them).</li>")
    parts.append(f"<ul>{''.join(bullets)}</ul>")
    return "".join(parts)


def respondents_text(scores: Scores, invited: Any = None) -> str:
    """ "42 respondents" or, with an invited count, "42 respondents of 60 invited (70%)"."""
    total = getattr(invited, "total", invited)
    try:
        total = int(total) if total is not None and str(total).strip() else None
    except (TypeError, ValueError):
        total = None
    n = scores.respondents
    if not total:
        return f"{n} respondents"
    return f"{n} respondents of {total} invited ({rate_phrase(n, total)})"


def stage_certainty(scores: Scores) -> str:
    """ " (96% likely)" when the scoring computed the probability of the overall stage."""
    p = stage_probability(scores, "overall")
    return "" if math.isnan(p) else f" ({p:.0%} likely)"


def overall_interval(scores: Scores) -> str:
    """ " (95% interval 3.61–3.86)" when the scoring computed one for the overall score."""
    low, high = interval(scores, "overall")
    return "" if math.isnan(low) or math.isnan(high) else f" (95% interval {low:.2f}–{high:.2f})"


def disagreement_sentence(scores: Scores) -> str:
    """Agreement among individual respondents: which dimensions split opinion (low consensus, sd >= 1)
    or, failing that, the least agreed one. Differences between *groups* are a separate finding
    (:func:`perception_gap_sentence`): answers can be close overall while two groups still differ."""
    flagged, top = disagreement(scores)
    if top is None:
        return "there are too few respondents to judge agreement."
    dims = scores.dimensions
    if flagged:
        detail = join([f"{dim_label(scores, d, with_score=False)} (spread {num(dims.loc[d, 'sd'])}, "
                        f"agreement {num(dims.loc[d, 'rwg'])})" for d in flagged])
        verb, it = ("is", "it") if len(flagged) == 1 else ("are", "them")
        return (f"individual answers diverge most on {detail}, which {verb} flagged as low consensus: the average "
                f"hides real differences in how people experience {it}, so discuss {it} before acting on the score.")
    between = " Differences between groups are a separate question, below." if scores.groups else ""
    return (f"individual answers are not widely spread on any dimension; they differ most on "
            f"{dim_label(scores, top, with_score=False)} (spread {num(dims.loc[top, 'sd'])}, agreement "
            f"{num(dims.loc[top, 'rwg'])}), still below the low-consensus threshold of {LOW_CONSENSUS_SD:g}."
            f"{between}")


def reliability_sentence(scores: Scores, dims: list[str]) -> str:
    """Why the scores of ``dims`` are only a rough guide (their statements do not hang together)."""
    detail = join([f"{dim_label(scores, d, with_score=False)} ({reliability(scores, d)[0]} "
                   f"{reliability(scores, d)[1]:.2f})" for d in dims])
    verb = "do" if len(dims) > 1 else "does"
    return (f"the statements of {detail} {verb} not measure one thing consistently (below {RELIABILITY_OK:g}), "
            "so read those scores as a rough guide and look at their single statements before acting on them.")


def perception_gap_sentence(scores: Scores) -> str:
    """Differences between groups: only those unlikely to be chance when the scoring tested them
    (:func:`cxassess.report.findings.gap_tests`), else the widest gap, said to be untested."""
    if not scores.groups:
        return ""
    out: list[str] = []
    tests = gap_tests(scores)
    if tests is not None:
        out.append(tested_gap_sentence(scores, tests))
    else:
        out.extend(untested_gap_sentences(scores))
    hidden = suppressed_groups(scores)
    if hidden:
        count = sum(len(v) for v in hidden.values())
        out.append(f"{count} group{'s' if count != 1 else ''} {'are' if count != 1 else 'is'} not reported separately, "
                   f"to protect anonymity: groups under {scores.min_group_size} respondents, groups whose members "
                   f"differ from another shown group's by fewer than {scores.min_group_size} people, and where "
                   "needed the next-smallest group, so that no one's answers can be worked out from the others.")
    out = [x for x in out if x]
    if not out:
        return "no grouping has two groups large enough to compare."
    text = " ".join(out)
    return text[0].upper() + text[1:]


def short_of_target_note(scores: Scores, dims: list[str]) -> str:
    """For strengths still below their target: say so, as the plan lists them (a strength relative to the
    other dimensions is not the same as meeting the target set for it)."""
    table = scores.dimensions
    if "gap" not in table:
        return ""
    short = [d for d in dims if d in table.index and float(table.loc[d, "gap"]) > 1e-9]
    if not short:
        return ""
    names = join([f"{e(table.loc[d, 'name'])} (target {num(table.loc[d, 'target'])})" for d in short])
    return f" Still below target: {names}, so the action plan includes {'it' if len(short) == 1 else 'them'} as well."


def effect_size_word(g: float) -> str:
    """Cohen's conventional reading of a standardised difference: under 0.2 very small, then small, medium
    (0.5) and large (0.8 or more)."""
    size = abs(g)
    return "a very small" if size < 0.2 else "a small" if size < 0.5 else "a medium" if size < 0.8 else "a large"


def tested_gap_sentence(scores: Scores, tests: pd.DataFrame) -> str:
    """The differences from the rest of the organisation that the tests say are unlikely to be chance
    (at most two, largest first; the heatmaps mark the rest), and which groupings ICC(2) says can be
    compared reliably."""
    sig = tests.loc[tests["significant"].fillna(False).astype(bool)]
    out = []
    if sig.empty:
        out.append("no group differs from the rest of the organisation by more than chance would explain "
                   "(95% level, corrected for the number of comparisons).")
    else:
        sig = one_side_of_pairs(sig.reindex(sig["difference"].abs().sort_values(ascending=False, kind="stable").index))
        shown = []
        for _, g in sig.head(2).iterrows():
            direction = "higher" if g["difference"] > 0 else "lower"
            # the interval of the gap as the sentence states it ("0.76 points lower": 0.42 to 1.10 lower)
            low, high = ((g.get("low"), g.get("high")) if g["difference"] > 0 else (-g.get("high"), -g.get("low")))
            ci = f"; 95% interval {low:.2f} to {high:.2f} {direction}" if not pd.isna(low) else ""
            size = (f"; {effect_size_word(float(g['hedges_g']))} difference, Hedges' g {abs(float(g['hedges_g'])):.1f}"
                    if not pd.isna(g.get("hedges_g")) else "")
            shown.append(f"{e(g['group'])} ({e(str(g['group_by']).replace('_', ' '))}) rates "
                         f"{_dim_or_overall(scores, g['dimension'])} {abs(float(g['difference'])):.2f} "
                         f"points {direction} than the rest of the organisation ({num(g['group_score'])} vs "
                         f"{num(g['rest_score'])}{ci}{size})")
        more = len(sig) - len(shown)
        tail = (f"; {more} more such difference{'s are' if more != 1 else ' is'} marked in the heatmaps"
                if more > 0 else "")
        out.append("differences unlikely to be chance: " + "; ".join(shown) + tail + ".")
    weak = [c for c in scores.groups if comparison_meaningful(scores, c) is False]
    if weak:
        names = join([e(c.replace("_", " ")) for c in weak])
        out.append(f"For {names}, ICC(2) is below 0.70 on most dimensions: the group averages are not reliable "
                   "enough to rank those groups against each other, so read the heatmap comparisons as "
                   "indications.")
    return " ".join(out)


def one_side_of_pairs(sig: pd.DataFrame) -> pd.DataFrame:
    """Tested gaps without mirror images: where a grouping has two groups, 'A is higher than the rest'
    and 'B is lower than the rest' are one finding, said once (the first, i.e. largest, kept)."""
    keep, seen = [], set()
    for idx, g in sig.iterrows():
        key = (g["group_by"], g["dimension"], round(abs(float(g["difference"])), 6))
        if key not in seen:
            keep.append(idx)
        seen.add(key)
    return sig.loc[keep]


def _dim_or_overall(scores: Scores, dim: str) -> str:
    return "the organisation overall" if dim == "overall" else dim_label(scores, dim, with_score=False)


def untested_gap_sentences(scores: Scores) -> list[str]:
    """Leaders vs front line and the widest gap, without a test against chance (none was computed)."""
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
        if not same:
            out.append(f"The widest gap between any two groups is on "
                       f"{dim_label(scores, g['dimension'], with_score=False)} by "
                       f"{e(str(g['column']).replace('_', ' '))}: {e(g['high_group'])} {num(g['high'])} vs "
                       f"{e(g['low_group'])} {num(g['low'])} ({g['gap']:.2f} points).")
    if out:
        out.append("These gaps were not tested against chance.")
    return out


def target_sentence(scores: Scores, targets: Any = None) -> str:
    """How many dimensions fall short of their target, who set the targets, and the largest shortfall
    ('' without targets). ``targets``: the targets file, read for its ``set_by`` key."""
    dims = scores.dimensions.dropna(subset=["target", "score"])
    if dims.empty:
        return ""
    source = targets_origin(targets, dims)
    short = dims.loc[dims["gap"] > 1e-9].sort_values("gap", ascending=False, kind="stable")
    if short.empty:
        return f"every one of the {len(dims)} dimensions with a target has reached it ({source})."
    top = short.index[0]
    return (f"{len(short)} of {len(dims)} dimensions are below target ({source}); the largest shortfall is "
            f"{dim_label(scores, top, with_score=False)}, {short.loc[top, 'gap']:.2f} points "
            f"below its target of {num(short.loc[top, 'target'])}.")


def targets_origin(targets: Any, dims: pd.DataFrame | None = None) -> str:
    """Who set the targets: "targets set by ..." from the file's ``set_by`` key, else what is known."""
    set_by = targets_set_by(targets)
    if set_by:
        return f"targets set by {e(set_by)}"
    same = dims is not None and dims["target"].nunique() == 1
    name = f" in {e(_dt_name(targets))}" if as_optional(targets) else ""
    if same:
        return f"default targets{name}: the same target for every dimension; the file does not say who set them"
    return f"targets{name}; the file does not say who set them"


def _dt_name(path: Any) -> str:
    from pathlib import Path

    return Path(str(path)).name


def targets_set_by(targets: Any) -> str:
    """The ``set_by`` text of a YAML/JSON targets file (e.g. "the leadership team, March 2026"), or ''."""
    if not as_optional(targets) or str(targets).lower().endswith(".csv"):
        return ""
    from pathlib import Path

    from cxassess._util.yamlfile import load_yaml_text

    try:
        data = load_yaml_text(Path(str(targets)).read_text(encoding="utf-8-sig"), str(targets),
                              lambda source, problems: CxError(f"{source}: {problems[0]}"))
    except (OSError, CxError, UnicodeDecodeError):
        return ""
    value = data.get("set_by") if isinstance(data, dict) else None
    return " ".join(str(value).split()) if value else ""


def group_note(scores: Scores, column: str) -> str:
    """A line under a heatmap: the differences unlikely to be chance in this grouping (when tested;
    else the widest gap, said to be untested), whether ICC(2) supports comparing its groups, and any
    suppressed groups."""
    if column not in scores.groups:
        raise CxError(f"no group breakdown for '{column}'")
    parts = []
    tests = gap_tests(scores)
    shown = scores.groups[column].loc[~scores.groups[column]["suppressed"].astype(bool)]
    if len(shown) < 2:
        parts.append("Fewer than two groups are large enough to compare.")
    elif tests is not None:
        mine = tests.loc[(tests["group_by"] == column) & tests["significant"].fillna(False).astype(bool)]
        overall = one_side_of_pairs(mine.loc[mine["dimension"] == "overall"])
        cells = mine.loc[mine["dimension"] != "overall"]
        if mine.empty:
            parts.append("No group differs from the rest of the organisation by more than chance would explain.")
        for _, g in overall.iterrows():
            parts.append(f"Overall, {e(g['group'])} rates the organisation {abs(float(g['difference'])):.2f} points "
                         f"{'higher' if g['difference'] > 0 else 'lower'} than the rest ({num(g['group_score'])} vs "
                         f"{num(g['rest_score'])}), more than chance would explain.")
        if len(cells):
            parts.append(f"{len(cells)} cell{'s differ' if len(cells) != 1 else ' differs'} from the rest of the "
                         "organisation by more than chance would explain (▲ higher, ▼ lower).")
        meaningful = comparison_meaningful(scores, column)
        if meaningful is False:
            parts.append("ICC(2) is below 0.70 on most dimensions: these group averages are not reliable enough "
                         "to rank the groups, so read the comparison as an indication.")
        elif meaningful:
            parts.append("ICC(2) is at least 0.70 on most dimensions: the groups' averages can be compared.")
    else:
        gaps = perception_gaps(scores)
        gaps = gaps.loc[gaps["column"] == column]
        if len(gaps):
            g = gaps.iloc[0]
            parts.append(f"Widest difference (not tested against chance): "
                         f"{dim_label(scores, g['dimension'], with_score=False)}, "
                         f"{e(g['high_group'])} {num(g['high'])} vs {e(g['low_group'])} {num(g['low'])}.")
    hidden = suppressed_groups(scores).get(column)
    if hidden:
        parts.append(f"Suppressed (under {scores.min_group_size} respondents, or hidden so that a smaller group "
                     f"cannot be worked out from the rest): {e(', '.join(hidden))}.")
    return f'<p class="cx-note">{" ".join(parts)}</p>'


__all__ = [
    # the report's sections (this module)
    "title_block", "executive_summary", "disagreement_sentence", "perception_gap_sentence", "target_sentence",
    "group_note", "heatmap_table", "item_ranking_html", "consensus_section", "action_plan_parts", "action_plan_html",
    "methodology", "effect_size_word", "short_of_target_note", "ALPHA_OK",
    # re-exported for the notebook and callers of ``narrative.*``
    "as_group_by", "as_optional", "report_date", "ensure_reportable", "strongest_and_weakest", "disagreement",
    "perception_gaps", "leaders_vs_front_line", "suppressed_groups", "fragment_style", "html_table", "heat_colour",
    "HEAT_COLOURS", "breakdown_column", "load_customer_metrics", "metrics_panel", "metrics_link",
    "item_distribution_html", "statement_as_answered", "drivers_html", "has_drivers", "load_invited",
    "participation_html", "summarise_comments", "comments_html", "targets_origin", "respondents_text",
]
