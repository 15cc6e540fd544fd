"""The report's words: built from hand-made scores whose numbers are computed by hand below, and
every user string escaped."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from cxassess.errors import CxError
from cxassess.io.responses import responses_from_frame
from cxassess.questionnaire.model import load_questionnaire
from cxassess.report import narrative as N
from cxassess.report.actions import action_plan
from cxassess.scoring.score import score

Q = load_questionnaire()
EVIL = "<script>alert(1)</script>"
EVIL_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"

# Six respondents who answer every item of a dimension with one value (reverse items mirrored),
# so each dimension score is the plain mean of these values:
#   leadership  4 4 4 4 4 4 -> 4.00          employees 3 3 3 3 3 3 -> 3.00
#   silos       2 2 2 1 1 1 -> 1.50          feedback  5 5 5 1 1 1 -> 3.00, sd sqrt(6*4/5) = 2.19 (low consensus)
#   insight     2 2 2 2 2 2 -> 2.00          journeys  3 3 3 3 3 3 -> 3.00
#   design      4 4 4 4 4 3 -> 23/6 = 3.83   measurement 3 3 3 2 2 2 -> 2.50
# overall = (4 + 3 + 1.5 + 3 + 2 + 3 + 3.8333 + 2.5) / 8 = 2.8542 -> stage 3 Emerging (2.6 <= s < 3.4),
# index (2.8542 - 1) / 4 * 100 = 46.4; the next stage starts at 3.4, 3.4 - 2.8542 = 0.55 short.
# role: leadership (R1-R3) overall (4+3+2+5+2+3+4+3)/8 = 3.25; front line (R4-R6)
# (4+3+1+1+2+3+11/3+2)/8 = 2.46; furthest apart on feedback (5 vs 1 = 4.00 points).
# department: "Ops" has R1-R3 (shown), "Sales" R4-R5 and EVIL R6 are suppressed at min_group_size 3
# (together 3 people, so no further group needs hiding).
VALUES = {
    "leadership": [4, 4, 4, 4, 4, 4], "employees": [3, 3, 3, 3, 3, 3], "silos": [2, 2, 2, 1, 1, 1],
    "feedback": [5, 5, 5, 1, 1, 1], "insight": [2, 2, 2, 2, 2, 2], "journeys": [3, 3, 3, 3, 3, 3],
    "design": [4, 4, 4, 4, 4, 3], "measurement": [3, 3, 3, 2, 2, 2],
}
ROLES = ["leadership"] * 3 + ["front line"] * 3
DEPTS = ["Ops"] * 3 + ["Sales"] * 2 + [EVIL]


def make_scores(values=VALUES, targets=None):
    rows = []
    for n in range(6):
        row = {"respondent_id": f"R{n + 1}", "role": ROLES[n], "department": DEPTS[n]}
        for item in Q.items:
            if item.outcome:  # outcome statements belong to no dimension: a neutral 3 from everyone
                row[item.id] = 3
                continue
            v = values[item.dimension][n]
            row[item.id] = 6 - v if item.reverse else v
        rows.append(row)
    return score(responses_from_frame(pd.DataFrame(rows), Q), Q, group_by=["role", "department"], targets=targets)


def text(html: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.fixture(scope="module")
def scores():
    return make_scores(targets={"default": "stage 4"})


def test_hand_built_scores_are_what_the_comments_say(scores):
    assert scores.dimensions["score"].round(4).to_dict() == {
        "leadership": 4.0, "employees": 3.0, "silos": 1.5, "feedback": 3.0, "insight": 2.0,
        "journeys": 3.0, "design": 3.8333, "measurement": 2.5}
    assert round(scores.overall["score"], 4) == 2.8542


def test_strongest_weakest_and_disagreement(scores):
    assert N.strongest_and_weakest(scores) == (["leadership", "design"], ["silos", "insight"])
    assert N.disagreement(scores) == (["feedback"], "feedback")


def test_executive_summary_names_the_right_dimensions(scores):
    plan = action_plan(scores)
    out = text(N.executive_summary(scores, client_name="Acme", plan=plan))
    assert "Acme stands at stage 3 of 5, Emerging (94% likely)" in out
    assert "with an overall score of 2.85 (95% interval 2.56–3.12) on the 1–5 scale" in out
    assert "(maturity index 46 out of 100), based on 6 respondents" in out
    assert "the overall score is 0.55 points short of it" in out
    # every leadership answer is 4, so every resample scores 4.00: an interval of no width, Embedded in 100%
    assert ("Strengths to build on: Leadership and customer-first vision (4.00, 95% interval 4.00–4.00 , Embedded "
            "100% likely) and Experience design and consistency (3.83, 95% interval 3.50–4.00 , Embedded 99% likely)"
            ) in out
    assert ("Weakest areas: Silos and cross-functional alignment (1.50, 95% interval 1.17–1.83 , Unaware 89% likely) "
            "and Customer insight and data (2.00, 95% interval 2.00–2.00 , Reactive 100% likely)") in out
    assert ("Agreement among respondents: individual answers diverge most on Feedback loops and voice of the "
            "customer (spread 2.19, agreement 0.00)") in out
    assert "flagged as low consensus" in out
    # leaders vs front line, and the widest gap between any two reported groups
    # between groups: only the tested differences unlikely to be chance, each pair said once. Overall, front line
    # 2.4583 vs leadership 3.25 (hand: (4+3+1+1+2+3+11/3+2)/8 and (4+3+2+5+2+3+4+3)/8): 0.79 points
    assert ("Differences between groups: Differences unlikely to be chance: front line (role) rates the organisation "
            "overall 0.79 points lower than the rest of the organisation (2.46 vs 3.25") in out
    # the gap's interval as the sentence states it (lower: the interval of rest - group), and its size in words
    from cxassess.report.findings import gap_tests

    t = gap_tests(scores)
    row = t.loc[(t["group"] == "front line") & (t["dimension"] == "overall")].iloc[0]
    assert row["difference"] < 0 and row["high"] < 0
    size = N.effect_size_word(row["hedges_g"])
    assert (f"(2.46 vs 3.25; 95% interval {-row['high']:.2f} to {-row['low']:.2f} lower; {size} difference, "
            f"Hedges' g {abs(row['hedges_g']):.1f})") in out
    assert "leadership (role) rates" not in out  # the mirror image of the same finding
    # department has one reported group: "the rest" would be the suppressed people, so it is never compared
    assert "(department) rates" not in out
    assert "2 groups are not reported separately, to protect anonymity" in out
    # targets: stage 4 = 3.4; below it: employees, silos, feedback, insight, journeys, measurement
    assert ("6 of 8 dimensions are below target (default targets: the same target for every dimension; the file "
            "does not say who set them); the largest shortfall is Silos and cross-functional alignment , "
            "1.90 points below its target of 3.40") in out
    # the plan starts with the largest shortfalls: silos (1.9), insight (1.4), measurement (0.9)
    assert ("the action plan puts Silos and cross-functional alignment , Customer insight and data and "
            "Measurement and business case first (the dimensions furthest below target)") in out


def test_summary_when_views_agree():
    flat = {d: [v[0]] * 6 for d, v in VALUES.items()}  # everyone answers like R1: sd 0 everywhere
    out = text(N.executive_summary(make_scores(flat)))
    assert ("individual answers are not widely spread on any dimension; they differ most on" in out
            and "Differences between groups are a separate question, below." in out)
    assert "Against target" not in out  # no targets given


def test_user_strings_are_escaped(scores):
    html = N.title_block(EVIL, scores, consultant='Ann "&" <b>Bob</b>', assessment_date="<i>soon</i>")
    assert EVIL not in html and EVIL_ESCAPED in html
    assert "Ann &quot;&amp;&quot; &lt;b&gt;Bob&lt;/b&gt;" in html
    assert "&lt;i&gt;soon&lt;/i&gt;" in html
    assert EVIL_ESCAPED in N.executive_summary(scores, client_name=EVIL)
    # a group value with markup, in the suppressed list under the heatmap
    note = N.group_note(scores, "department")
    assert EVIL not in note and f"worked out from the rest): {EVIL_ESCAPED}, Sales." in note
    # Markdown link syntax stays inert text: the output is HTML, never Markdown
    assert "<a " not in N.title_block("[x](javascript:alert(1))", scores)


def test_group_note_and_gaps(scores):
    gaps = N.perception_gaps(scores)
    top = gaps.iloc[0]
    assert (top["column"], top["dimension"], top["high_group"], top["low_group"], top["gap"]) == \
        ("role", "feedback", "leadership", "front line", 4.0)
    assert set(gaps["column"]) == {"role"}  # department has one reported group only
    # the tested difference, said once for the two-group grouping; feedback (5 vs 1 with no spread inside either
    # group) has no test result, so it is not called out as a gap
    note = text(N.group_note(scores, "role"))
    assert ("Overall, front line rates the organisation 0.79 points lower than the rest (2.46 vs 3.25), more than "
            "chance would explain.") in note
    assert "leadership rates" not in note and "Widest difference" not in note
    assert "Fewer than two groups are large enough to compare." in text(N.group_note(scores, "department"))
    with pytest.raises(CxError, match="no group breakdown for 'site'"):
        N.group_note(scores, "site")


def test_action_plan_html(scores):
    out = text(N.action_plan_html(action_plan(scores), n_focus=2))
    assert ("1. Silos and cross-functional alignment Now at stage 1, Unaware "
            "(score 1.50; target 3.40, 1.90 to go; below target)") in out
    assert "The 6 dimensions below target ( Silos and cross-functional alignment ," in out
    # the two beyond the shortfalls: design 100 * (5 - 3.8333) / 4 = 29, leadership 100 * 1/4 = 25
    assert "Experience design and consistency 4 Embedded 3.83 3.40 29 " in out
    assert "Leadership and customer-first vision 4 Embedded 4.00 3.40 25 " in out
    assert "2. Customer insight and data Now at stage 2, Reactive" in out
    assert "Later: the remaining dimensions" in out
    assert "3. Measurement" not in out  # only two in detail


def test_methodology(scores):
    out = text(N.methodology(scores))
    assert "6 people answered at least one statement" in out
    # 6 people x 40 statements (the outcome statements are not part of the scores)
    assert "240 scored answers out of 240 possible (100%)" in out
    assert "was chosen 0 times (0.0% of possible answers)" in out
    assert ("Stages: Unaware from 1, Reactive from 1.8, Emerging from 2.6, Embedded from 3.4 "
            "and Customer-led from 4.2") in out
    assert "no figure rests on fewer than 3 people" in out
    # one row per dimension with its alpha, omega and agreement (rwg, rwg(j), r*wg(j), awg)
    assert out.count("Feedback loops and voice of the customer") == 1
    assert "r*wg(j) (Lindell)" in out and "omega total, one-factor minres fit" in out


def test_consensus_section(scores):
    out = text(N.consensus_section(scores))
    assert "Feedback loops and voice of the customer 3.00 2.19 0.00 Low consensus" in out
    assert out.count("Low consensus") == 1


def test_customer_metrics_panel_and_link(scores, tmp_path):
    from cxassess.metrics.summary import summarise

    # NPS answers: promoters 10,10,9,9,10 (5), passives 8,7 (2), detractors 6,5,0 (3)
    # -> NPS = 100 * (5 - 3) / 10 = +20
    frame = pd.DataFrame({"nps": [10, 10, 9, 8, 7, 6, 5, 0, 9, 10],
                          "segment": ["Big"] * 8 + ["Small"] * 2})
    summary = summarise(frame, nps="nps", by="segment")
    panel = text(N.metrics_panel(summary))
    assert "Net Promoter Score (would recommend, 0–10) +20" in panel
    assert "Big 8" in panel and "Small 2 suppressed suppressed suppressed" in panel
    link = text(N.metrics_link(scores, summary))
    assert "customers report a Net Promoter Score of +20, a mixed picture" in link
    assert "Silos and cross-functional alignment and Customer insight and data" in link
    assert "not that one causes the other" in link
    out = text(N.executive_summary(scores, metrics=summary))
    assert "What customers say: customers report a Net Promoter Score of +20" in out

    csv = tmp_path / "survey.csv"
    frame.assign(csat=[5, 4, 4, 3, 2, 5, 4, 1, 5, 5], ces=[7, 6, 5, 4, 3, 2, 1, 7, 6, 5]).to_csv(csv, index=False)
    loaded = N.load_customer_metrics(csv)
    assert loaded.nps.score == 20 and loaded.by == "segment"
    # CSAT 5,4,4,3,2,5,4,1,5,5: seven answer 4 or 5 (5,4,4,5,4,5,5) -> 7 of 10 = 70%
    assert loaded.csat.top2_pct == 70


def test_parameter_helpers():
    assert N.as_group_by("role;department") == ["role", "department"]
    assert N.as_group_by("role, department") == ["role", "department"]
    assert N.as_group_by(None) == [] and N.as_group_by([]) == [] and N.as_group_by(["site"]) == ["site"]
    assert N.as_optional("") is None and N.as_optional(" ") is None and N.as_optional("x.yaml") == "x.yaml"
    today = dt.date(2026, 11, 23)
    assert N.report_date("", today) == "23 November 2026"
    assert N.report_date("2026-03-05", today) == "5 March 2026"
    assert N.report_date("Spring 2026", today) == "Spring 2026"


def test_heatmap_table_hides_suppressed_scores(scores):
    html = N.heatmap_table(scores, "department")
    rows = re.findall(r"<tr>(.*?)</tr>", html)
    ops = next(r for r in rows if "Ops" in r)
    hidden = next(r for r in rows if EVIL_ESCAPED in r)
    assert EVIL not in html
    # Ops = R1-R3: leadership 4, employees 3, silos 2, feedback 5, insight 2, journeys 3, design 4, measurement 3
    assert re.findall(r">(\d\.\d)</td>", ops) == ["4.0", "3.0", "2.0", "5.0", "2.0", "3.0", "4.0", "3.0"]
    # the sixth respondent alone: the row says suppressed and holds no number at all
    assert re.search(r"suppressed \(fewer than 3 (people|respondents)\)", hidden) and "(n=1)" in hidden
    assert re.findall(r">(\d\.\d)</td>", hidden) == []
    # narrow columns: headed by the short names, the full name as the hover title
    assert '<th title="Leadership and customer-first vision">Leadership</th>' in html
    with pytest.raises(CxError, match="no group breakdown for 'site'"):
        N.heatmap_table(scores, "site")


def test_heat_colour_ends_and_middle():
    assert N.heat_colour(1, 1, 5) == N.HEAT_COLOURS[0]
    assert N.heat_colour(5, 1, 5) == N.HEAT_COLOURS[-1]
    # 3 on 1..5 is position 0.5 * 3 = 1.5 along the four colours: halfway from #f4e3b2 to #7fb3a8:
    # (244+127)/2 = 185.5 -> 186 = ba (round half to even), (227+179)/2 = 203 = cb, (178+168)/2 = 173 = ad
    assert N.heat_colour(3, 1, 5) == "#bacbad"


def test_item_ranking_html(scores):
    html = N.item_ranking_html(scores, n=2)
    best, worst = html.split("<h3>Weakest statements</h3>")
    # every item scores its dimension's mean: best are leadership items LEAD1, LEAD2 (4.00, first in
    # questionnaire order), worst are silos items (1.50), worst first: SILO5 then SILO4
    assert re.findall(r'<tr><td>([A-Z]+\d)</td>', best) == ["LEAD1", "LEAD2"]
    assert re.findall(r'<tr><td>([A-Z]+\d)</td>', worst) == ["SILO5", "SILO4"]
    assert ">4.00<" in best and ">1.50<" in worst
    # beside the mean, the answer split: silos answers are 2, 2, 2, 1, 1, 1, all below the midpoint
    assert '<span class="cx-dist-label">0% · 0% · 100%</span>' in worst
    # one position per colour stop (WeasyPrint ignores a gradient with two-position stops: no bar in the PDF)
    assert ("background:linear-gradient(to right, #1f5a8a 0%, #1f5a8a 0.0%, #c9ced6 0.0%, #c9ced6 0.0%, "
            "#c8553d 0.0%, #c8553d 100%)" in worst
            and 'title="favourable 0%, neutral 0%, unfavourable 100%"' in worst)


def test_strongest_and_weakest_split_for_few_dimensions(mini_q):
    # mini has two dimensions: one strongest, one weakest, never the same one twice
    frame = pd.DataFrame([{"respondent_id": "r1", "A1": 4, "A2": 2, "A3": 4, "B1": 2, "B2": 2}])
    s = score(responses_from_frame(frame, mini_q), mini_q, min_group_size=1)
    assert N.strongest_and_weakest(s) == (["A"], ["B"])


def test_fragment_style_only_touches_cx_classes():
    # shown inside JupyterLab: a rule for a bare element (td, body, h2) would restyle the whole page
    css = re.sub(r"/\*.*?\*/", "", N.fragment_style().removeprefix("<style>").removesuffix("</style>"), flags=re.S)
    selectors = [sel.strip() for block in re.findall(r"([^{}]+)\{", css) for sel in block.split(",")]
    assert len(selectors) > 10 and all(sel.startswith(".cx-") for sel in selectors), selectors
    # the classes the fragments use are styled there
    for cls in ("cx-heatmap", "cx-ranking", "cx-bar", "cx-note", "cx-light", "cx-suppressed", "num"):
        assert f".{cls}" in css


# --------------------------------------------------------------------------------------
# the sentence rules of issue 13: each checked against the figures beside it
# --------------------------------------------------------------------------------------
def test_a_reverse_worded_strongest_statement_reads_as_what_people_disagreed_with(scores):
    # leadership items all score 4.00 (the best); LEAD3 is reverse-worded, so everyone answered it 6 - 4 = 2:
    # they disagreed with its (negative) wording, and the distribution says all six did (100%)
    reverse = [i.id for i in Q.items_of("leadership") if i.reverse]
    assert reverse == ["LEAD3"]
    best = N.item_ranking_html(scores, n=5).split("<h3>Weakest statements</h3>")[0]
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", best) if ">LEAD3<" in r)
    statement = Q.items[[i.id for i in Q.items].index("LEAD3")].text
    assert f"Most (100%) disagreed that “{statement}”" in text(row)
    # a positively worded statement keeps its own words
    lead1 = next(r for r in re.findall(r"<tr>(.*?)</tr>", best) if ">LEAD1<" in r)
    assert "disagreed" not in lead1 and "agreed that" not in lead1


def test_a_best_dimension_below_the_midpoint_is_not_called_a_strength():
    # every dimension at or below 3 (the midpoint of 1..5): the best are "relatively strongest", never strengths
    low = {d: [max(1, min(x, 4) - 1) for x in v] for d, v in VALUES.items()}  # leadership 3.00 at best
    s = make_scores(low)
    assert s.dimensions["score"].max() == 3.0
    out = text(N.executive_summary(s))
    assert "Strengths to build on" not in out
    assert "Relatively strongest:" in out
    assert "still at or below the scale's midpoint of 3, so not yet a strength" in out


def test_a_shortfall_leads_the_plan_and_the_summary_says_so_consistently():
    # Northwind's pattern: only a strong dimension misses its target (leadership 4.00 vs 4.20); weaker
    # dimensions have met theirs (1.0). The summary's largest shortfall must be where the plan starts.
    s = make_scores(targets={"default": 1.0, "leadership": 4.2})
    plan = action_plan(s)
    assert plan.order[0] == "leadership" and [x.dimension for x in plan.below_target] == ["leadership"]
    out = text(N.executive_summary(s, plan=plan))
    assert "1 of 8 dimensions are below target" in out
    assert "the largest shortfall is Leadership and customer-first vision , 0.20 points below its target of 4.20" in out
    assert "the action plan puts Leadership and customer-first vision ," in out
    plan_text = text(N.action_plan_html(plan))
    assert plan_text.index("1. Leadership and customer-first vision") < plan_text.index("2. ")
    assert "The dimension below target ( Leadership and customer-first vision ) come first" in plan_text
    # the others by a priority with a scale: silos 100 * (5 - 1.5) / 4 = 88 of 100
    assert "(score 1.50; target 1.00 reached; priority 88 of 100)" in plan_text


def test_an_unreliable_dimension_is_flagged_wherever_its_score_is_used(scores):
    import dataclasses

    dims = scores.dimensions.copy()
    dims.loc["leadership", ["alpha", "omega"]] = [0.35, 0.31]  # as Harbour's leadership statements once were
    shaky = dataclasses.replace(scores, dimensions=dims)
    out = text(N.executive_summary(shaky))
    # the headline strength carries the warning right there, and a bullet says what to do about it
    assert ("Leadership and customer-first vision (4.00, 95% interval 4.00–4.00 , Embedded 100% likely; "
            "read with care: omega 0.31 )") in out
    assert ("Read with care: the statements of Leadership and customer-first vision (omega 0.31) does not measure "
            "one thing consistently (below 0.7)") in out
    assert "read with care" in text(N.methodology(shaky))
    assert "Read with care" not in text(N.executive_summary(scores))


def test_the_assessment_date_is_never_the_render_date_in_disguise(scores):
    today = dt.date(2026, 12, 2)
    missing = text(N.title_block("Acme", scores, today=today))
    assert "Rendered on 2 December 2026 (no assessment date was given)" in missing and "Assessed" not in missing
    given = text(N.title_block("Acme", scores, assessment_date="2026-03-05", today=today))
    assert "Assessed on 5 March 2026 · rendered on 2 December 2026" in given


def test_who_set_the_targets_is_said(scores, tmp_path):
    path = tmp_path / "targets.yaml"
    path.write_text("set_by: the executive team, March 2026\ntargets:\n  default: stage 4\n", encoding="utf-8")
    s = make_scores(targets=str(path))
    assert "6 of 8 dimensions are below target (targets set by the executive team, March 2026)" in \
        text(N.executive_summary(s, targets=path))
    plain = tmp_path / "plain.yaml"
    plain.write_text("default: stage 4\nleadership: 4.6\n", encoding="utf-8")
    s = make_scores(targets=str(plain))
    assert "(targets in plain.yaml; the file does not say who set them)" in text(N.executive_summary(s, targets=plain))


def test_response_rate_overall_and_per_group(scores, tmp_path):
    out = text(N.executive_summary(scores, invited=10))
    assert "based on 6 respondents of 10 invited (a response rate of 60%)" in out
    counts = tmp_path / "invited.yaml"
    counts.write_text("total: 12\nrole:\n  leadership: 4\n  front line: 6\n", encoding="utf-8")
    inv = N.load_invited(str(counts))
    assert inv.total == 12 and inv.groups == {"role": {"leadership": 4, "front line": 6}}
    part = text(N.participation_html(scores, inv))
    assert "6 of 12 people invited answered: a response rate of 50%" in part
    # leadership 3 of 4 = 75%, front line 3 of 6 = 50%; department has no counts, and its small groups stay hidden
    assert "front line 3 6 50%" in part and "leadership 3 4 75%" in part
    assert "Ops 3 – –" in part and f"{EVIL_ESCAPED} suppressed – –" in part
    # more answered than invited: no rate above 100%, but what to check (overall, per group, in the summary)
    counts.write_text("total: 5\nrole:\n  leadership: 2\n", encoding="utf-8")
    part = text(N.participation_html(scores, N.load_invited(str(counts))))
    assert ("6 of 5 people invited answered: more than were invited, so no response rate is shown: check the "
            "invited count.") in part
    assert "leadership 3 2 more than invited: check the count" in part and "150%" not in part
    assert "front line 3 – –" in part  # no count for it in this file
    assert ("based on 6 respondents of 5 invited (more than were invited, so no response rate is shown: check the "
            "invited count)") in text(N.executive_summary(scores, invited=5))
    bad = tmp_path / "bad.yaml"
    bad.write_text("total: lots\n", encoding="utf-8")
    with pytest.raises(CxError, match="expected a whole number of people invited"):
        N.load_invited(str(bad))


@pytest.mark.parametrize(("g", "word"), [(0.0, "a very small"), (-0.19, "a very small"), (0.2, "a small"),
                                         (-0.49, "a small"), (0.5, "a medium"), (0.79, "a medium"),
                                         (-0.8, "a large"), (2.5, "a large")])
def test_effect_sizes_read_by_cohens_conventions(g, word):
    assert N.effect_size_word(g) == word


def test_a_strength_still_below_its_target_is_said_to_be_in_the_plan():
    # targets: leadership 4.5 (its score 4.00 falls short by 0.50), design 3.0 (3.83 meets it)
    s = make_scores(targets={"default": "stage 4", "leadership": 4.5, "design": 3.0})
    out = text(N.executive_summary(s))
    assert ("Embedded 99% likely). Still below target: Leadership and customer-first vision (target 4.50), so the "
            "action plan includes it as well.") in out
    assert "Experience design and consistency (target" not in out
    # both meet their targets (the module's scores: stage 4 = 3.4 for every dimension): nothing is added
    assert "Still below target" not in text(N.executive_summary(make_scores(targets={"default": "stage 4"})))
