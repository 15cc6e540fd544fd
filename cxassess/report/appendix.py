"""The report's appendix and its consensus table: who answered, how reliable and how agreed each
dimension is, and how every number in the report is computed."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from cxassess._util.safe import escape_html as e
from cxassess.report.findings import RELIABILITY_OK, disagreement, reliability
from cxassess.report.fragments import html_table, join, num, pct
from cxassess.scoring.reliability import LOW_CONSENSUS_SD
from cxassess.scoring.result import Scores

ALPHA_OK = RELIABILITY_OK


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


def methodology(scores: Scores, plan: Any = None, invited: Any = None) -> str:
    """Plain-words appendix: who answered (and the response rate per group), coverage, reliability
    (alpha, omega) and agreement (rwg, rwg(j), r*wg(j), awg) per dimension, how sure the scores are,
    whether groups can be compared (ICC), and how every number in the report is computed."""
    from cxassess.report.participation import participation_html

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
    out.append("<h3>Participation</h3>" + participation_html(scores, invited))
    out.append("<h3>How reliable the dimension scores are</h3>")
    out.append(f"<p><em>Alpha</em> (Cronbach's alpha) and <em>omega</em> (McDonald's omega, when computed) tell "
               f"whether a dimension's statements measure the same thing: {ALPHA_OK:g} or more is usually taken as "
               f"consistent; below it the dimension is marked <em>read with care</em> wherever its score is used. "
               f"<em>Agreement</em> (r<sub>wg</sub>) tells "
               f"whether respondents agree with each other: 1 is full agreement, 0 is as scattered as random "
               f"answers.</p>")
    rows = []
    extra = [c for c in ("rwg_j", "rwg_j_star", "awg") if c in scores.dimensions.columns]  # one table, not two
    for dim, r in scores.dimensions.iterrows():
        kind, value = reliability(scores, str(dim))
        value = round(value, 2) if not math.isnan(value) else math.nan
        reading = ("not enough complete answers" if math.isnan(value)
                   else "consistent" if value >= ALPHA_OK else "read with care")
        rows.append([r["name"], int(r["n"]), num(r["alpha"]), num(r.get("omega")), reading, num(r["rwg"]),
                     *[num(r.get(c)) for c in extra], num(r["sd"])])
    head = {"rwg_j": "rwg(j)", "rwg_j_star": "r*wg(j) (Lindell)", "awg": "awg"}
    out.append(html_table(["Dimension", "Respondents", "Alpha", "Omega", "Reading", "Agreement (rwg)",
                           *[head[c] for c in extra], "Spread (sd)"], rows,
                          align_right=(1, 2, 3, *range(5, 7 + len(extra)))))
    out.append(diagnostics_html(scores))
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
               f"{anonymity_rule(scores.min_group_size)}"
               f"{plan_rule(plan)}</ul>")
    return "".join(out)


def anonymity_rule(k: int) -> str:
    """The methodology's line on small-group suppression (:mod:`cxassess.scoring.suppression`), without numbers."""
    return (f"<li>Anonymity: no figure rests on fewer than {k} people. That holds for a group, for a group's score "
            f"on one dimension (counting only its people who have a score there) and for a single statement's "
            f"average. A group is also left out when its members differ by fewer than {k} people from another "
            f"group shown anywhere in this report, from the whole organisation, or from a breakdown's hidden "
            f"groups taken together: comparing the two figures would expose those few people's answers. When a "
            f"group must go, the smaller one goes first, and every hidden figure names the reason.</li>")


def plan_rule(plan: Any) -> str:
    """The methodology's line on how the action plan is ordered (and whether impact was used)."""
    impact = plan is not None and getattr(plan, "uses_impact", False)
    factor = (" × impact on the outcome (the dimension's relative weight in the key-driver analysis, as a share "
              "of the largest)" if impact else "")
    unused = ("" if impact else " The key-driver impact was not used: the questionnaire has no outcome "
              "statements, or fewer than 30 people answered them.")
    return ("<li>Action-plan order: dimensions below their target first, the largest shortfall first; then the "
            f"others by priority, from 0 to 100 = 100 × weakness (distance from the top of the scale, as a share "
            f"of its range) × the dimension's weight as a share of the largest{factor}.{unused}</li>")


def diagnostics_html(scores: Scores) -> str:
    """Omega's model, agreement over the dimension's statements (rwg(j), r*wg(j), awg), the bootstrap,
    the test of group gaps, and ICC(1)/ICC(2) per grouping (whether its groups can be compared)."""
    stats = getattr(scores, "statistics", {}) or {}
    out = []
    if stats.get("omega"):
        out.append(f"<p>Omega here is McDonald's {e(stats['omega'])}.</p>")
    dims = scores.dimensions
    cols = [c for c in ("rwg_j", "rwg_j_star", "awg") if c in dims.columns]
    if cols:  # their values are columns of the reliability table above
        out.append("<p>Agreement over all of a dimension's statements: r<sub>wg(j)</sub> compares the spread of "
                   "answers with the spread of random answers (1 = everyone agrees); Lindell's r*<sub>wg(j)</sub> "
                   "does the same without growing with the number of statements; a<sub>wg</sub> (Brown and "
                   "Hauenstein) allows for how far the mean sits from the middle of the scale. Values of 0.7 or "
                   "more are usually read as agreement (the columns of the table above).</p>")
    boot = stats.get("bootstrap") or {}
    if boot:
        out.append("<h3>How sure the scores are</h3>"
                   f"<p>Every 95% interval and stage probability comes from resampling the respondents "
                   f"{int(boot.get('resamples', 0))} times (a percentile bootstrap, seed {e(boot.get('seed'))}, so the "
                   "same answers always give the same report): the interval holds the middle 95% of the resampled "
                   "scores, and \"Emerging (96%)\" means 96% of them fall in that stage.</p>")
    gaps = stats.get("gaps") or {}
    if gaps:
        out.append(f"<p>Group differences: each reported group against the rest of the organisation with "
                   f"{e(gaps.get('test', ''))} and effect size {e(gaps.get('effect_size', ''))}, p values adjusted "
                   f"({e(gaps.get('adjustment', ''))}, false discovery rate {e(gaps.get('false_discovery_rate'))}); "
                   "only differences that pass are called gaps in the text and marked ▲/▼ in the heatmaps.</p>")
    icc = getattr(scores, "agreement", None)
    if isinstance(icc, pd.DataFrame) and not icc.empty:
        rows = []
        for col, part in icc.groupby("group_by", sort=False):
            overall = part.loc[part["dimension"] == "overall"]
            dims_part = part.loc[part["dimension"] != "overall"]
            src = overall.iloc[0] if len(overall) else None
            ok = int(dims_part["meaningful"].astype(bool).sum())
            verdict = "groups can be compared" if ok * 2 >= len(dims_part) and len(dims_part) else \
                "read comparisons as indications"
            rows.append([str(col).replace("_", " "), num(src["icc1"]) if src is not None else "–",
                         num(src["icc2"]) if src is not None else "–", f"{ok} of {len(dims_part)}", verdict])
        threshold = stats.get("icc2_meaningful", 0.7)
        out.append("<h3>Can the groups be compared?</h3>"
                   "<p>ICC(1) is the share of the differences between people that lies between the groups; ICC(2) "
                   f"how reliably the group averages tell the groups apart. A comparison is called meaningful when "
                   f"ICC(2) is at least {float(threshold):.2f}.</p>"
                   + html_table(["Grouping", "ICC(1) overall", "ICC(2) overall", "Dimensions with ICC(2) ≥ "
                                 f"{float(threshold):.2f}", "Reading"], rows, align_right=(1, 2, 3)))
    return "".join(out)

