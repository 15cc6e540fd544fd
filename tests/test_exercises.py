"""The teaching notebook's check_ helpers: right answers pass, the classic slips are named, solutions pass."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from cxassess.errors import CxError
from cxassess.io.responses import responses_from_frame
from cxassess.metrics.summary import summarise
from cxassess.questionnaire.model import load_questionnaire
from cxassess.scoring.score import score
from cxassess.teach import exercises as ex

NAN = np.nan
TODAY = dt.date(2026, 6, 1)


def _survey() -> pd.DataFrame:
    # nps answered (9 of 10): 10 9 8 7 6 0 9 3 10 -> promoters 4 (10, 9, 9, 10), passives 2 (8, 7),
    # detractors 3 (6, 0, 3); NPS = (4 - 3) / 9 * 100 = 11.111
    # csat answered (9 of 10): 5 4 3 2 1 4 5 5 3 -> top-2 = 5 of 9 = 55.556%, mean 32/9 = 3.556
    return pd.DataFrame({
        "nps": [10, 9, 8, 7, 6, 0, NAN, 9, 3, 10],
        "csat": [5, 4, 3, 2, 1, NAN, 4, 5, 5, 3],
    })


# --------------------------------------------------------------------------------------
# NPS and CSAT
# --------------------------------------------------------------------------------------
def test_feedback_is_truthy_only_when_right_and_renders_markdown():
    good, bad = ex.Feedback(True, "fine"), ex.Feedback(False, "wrong", ("because",))
    assert good and not bad
    assert bad._repr_markdown_().startswith("**❌ Not yet.** wrong") and "- because" in bad._repr_markdown_()
    assert str(good) == "Right: fine"


def test_check_nps_accepts_the_right_answer_and_its_rounding():
    assert ex.check_nps(11.111, _survey())
    assert ex.check_nps(11.1, _survey())
    assert ex.check_nps(11, _survey())  # rounded to a whole number
    assert "11.1" in ex.check_nps(11.11, _survey()).details[0]  # quotes the package's figure


@pytest.mark.parametrize(
    "answer, reason",
    [
        (0.1111, "That is a share"),  # 11.111 / 100
        (-11.111, "sign is reversed"),
        (33.333, "7s and 8s as promoters"),  # (6 - 3) / 9
        (22.222, "stopped at 5"),  # (4 - 2) / 9: 6 treated as passive
        (10.0, "divided by all 10 rows"),  # (4 - 3) / 10
        (0.0, "counted as detractors"),  # (4 - 3 - 1) / 10
        (44.444, "promoter share alone"),  # 4 / 9
        (6.889, "average rating"),  # 62 / 9
        (68.889, "average rating times 10"),
    ],
)
def test_check_nps_names_the_classic_slips(answer, reason):
    fb = ex.check_nps(answer, _survey())
    assert not fb
    assert reason in fb.details[0]


def test_check_nps_missing_impossible_and_unexplained_answers():
    assert "no answer yet" in ex.check_nps(None, _survey()).summary
    assert "no answer yet" in ex.check_nps("twelve", _survey()).summary
    assert "between -100 and 100" in ex.check_nps(140, _survey()).summary
    fb = ex.check_nps(50, _survey())
    assert not fb and "subtract" in fb.details[0]


def test_check_nps_groups():
    assert ex.check_nps_groups(4, 2, 3, _survey())
    fb = ex.check_nps_groups(4, 2, 4, _survey())  # the blank counted as a detractor
    assert not fb
    assert "detractors: you have 4, expected 3" in fb.details
    assert any("1 blank answers" in d for d in fb.details)
    fb = ex.check_nps_groups(6, 0, 3, _survey())  # 7-8 counted as promoters
    assert any("9 and 10 only" in d for d in fb.details)
    assert not ex.check_nps_groups(None, 2, 3, _survey())


def test_check_csat():
    assert ex.check_csat(55.556, _survey())
    assert "multiply by 100" in ex.check_csat(0.5556, _survey()).details[0]
    assert "counts 4 as well as 5" in ex.check_csat(33.333, _survey()).details[0]  # 3 of 9 gave 5
    assert "neutral middle" in ex.check_csat(77.778, _survey()).details[0]  # 7 of 9 gave 3-5
    assert "leave them out of the base" in ex.check_csat(50.0, _survey()).details[0]  # 5 of 10
    assert "mean rating" in ex.check_csat(3.556, _survey()).details[0]


def test_check_column_errors_are_clear():
    with pytest.raises(CxError, match="no column 'likely'"):
        ex.check_nps(10, _survey(), column="likely")


def test_solutions_pass_their_checks_on_the_bundled_survey():
    survey = ex.load_sample_survey()
    assert ex.check_nps_groups(*ex.solution_nps_groups(survey), survey)
    assert ex.check_nps(ex.solution_nps(survey), survey)
    assert ex.check_csat(ex.solution_csat(survey), survey)


# --------------------------------------------------------------------------------------
# the heatmap and the action plan, on culture scores built by hand
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def culture():
    """Three leaders answer 4 on every dimension but 5 on insight; three front-line staff answer 3,
    but 2 on insight and silos (reverse-worded items get 6 - level, so they score the same level).

    Dimension scores (mean of 6 people): insight (3*5 + 3*2)/6 = 3.5, silos (3*4 + 3*2)/6 = 3.0,
    every other (3*4 + 3*3)/6 = 3.5 -> weakest: silos.
    Gaps leadership - front line: insight 5 - 2 = 3, silos 4 - 2 = 2, others 1 -> widest: insight.
    """
    q = load_questionnaire()
    levels = {"leadership": {"insight": 5}, "front line": {"insight": 2, "silos": 2}}
    base = {"leadership": 4, "front line": 3}
    rows = []
    for role in ("leadership", "front line"):
        for k in range(3):
            row = {"respondent_id": f"{role[0]}{k}", "role": role}
            for item in q.items:
                level = levels[role].get(item.dimension, base[role])
                row[item.id] = 6 - level if item.reverse else level
            rows.append(row)
    return score(responses_from_frame(pd.DataFrame(rows), q), q, group_by=("role",))


def test_culture_fixture_matches_the_hand_computation(culture):
    assert culture.dimensions.loc["silos", "score"] == pytest.approx(3.0)
    assert culture.dimensions.loc["insight", "score"] == pytest.approx(3.5)


def test_check_weakest_dimension(culture):
    assert ex.check_weakest_dimension("silos", culture)
    assert ex.check_weakest_dimension("Silos and cross-functional alignment", culture)
    fb = ex.check_weakest_dimension("insight", culture)
    assert not fb and "3.50" in fb.summary
    assert "not a dimension" in ex.check_weakest_dimension("customer delight", culture).summary
    assert "no answer yet" in ex.check_weakest_dimension(None, culture).summary


def test_check_widest_gap(culture):
    fb = ex.check_widest_gap("insight", culture)
    assert fb and "3.00 points higher" in fb.summary
    fb = ex.check_widest_gap("silos", culture)  # the lowest cell, but a gap of 2
    assert not fb and "is 2.00" in fb.summary
    assert "not a dimension" in ex.check_widest_gap("x", culture).summary
    assert list(ex.solution_gaps(culture).head(2).round(6)) == [3.0, 2.0]


def test_check_widest_gap_accepts_a_tie_on_the_rounded_heatmap(culture):
    # every gap set to 4.0 - 3.5 = 0.5, then employees: 4.26 - 3.33 = 0.93 exactly, but the heatmap
    # shows 4.3 - 3.3 = 1.0, the same as insight's 4.0 - 3.0 = 1.0, the widest exact gap
    groups = {k: v.copy() for k, v in culture.groups.items()}
    role = groups["role"]
    dims = culture.questionnaire.dimension_ids
    role.loc["leadership", dims], role.loc["front line", dims] = 4.0, 3.5
    role.loc["leadership", ["employees", "insight", "silos"]] = [4.26, 4.0, 3.0]
    role.loc["front line", ["employees", "insight", "silos"]] = [3.33, 3.0, 2.5]
    near = dataclasses.replace(culture, groups=groups)
    fb = ex.check_widest_gap("employees", near)
    assert fb and "ties for the widest gap (1.0)" in fb.summary
    assert "Customer insight and data is a little wider (1.00 against 0.93)" in fb.details[0]
    assert ex.check_widest_gap("insight", near) and not ex.check_widest_gap("silos", near)


def test_check_widest_gap_needs_the_groups(culture):
    with pytest.raises(CxError, match="no 'manager' group"):
        ex.check_widest_gap("insight", culture, high="manager")
    with pytest.raises(CxError, match="no breakdown by 'site'"):
        ex.check_widest_gap("insight", culture, column="site")


def _good_plan() -> list[dict[str, str]]:
    return [
        {"dimension": "silos", "action": "Run a monthly review of the worst journey with every department",
         "owner": "COO", "due": "2026-09-01", "measure": "hand-offs per complaint"},
        {"dimension": "Customer insight and data",
         "action": "Show each customer's full history on the front-desk screen",
         "owner": "Head of data", "due": "2026-12-01", "measure": "share of contacts with history"},
        {"dimension": "feedback", "action": "Reply to every detractor within five working days",
         "owner": "CX lead", "due": "2027-03-01", "measure": "detractors contacted"},
    ]


def test_check_action_plan_accepts_a_focused_owned_dated_plan(culture):
    assert ex.check_action_plan(_good_plan(), culture, today=TODAY)
    assert ex.check_action_plan(pd.DataFrame(_good_plan()), culture, today=TODAY)


def test_check_action_plan_lists_every_problem(culture):
    plan = _good_plan()
    plan[0] = {**plan[0], "dimension": "journeys", "owner": "everyone"}  # loses silos, vague owner
    plan[1] = {**plan[1], "due": "next year"}
    plan[2] = {**plan[2], "action": "Feedback", "due": "2028-01-01", "measure": ""}
    fb = ex.check_action_plan(plan, culture, today=TODAY)
    assert not fb
    text = "\n".join(fb.details)
    assert "Action 1: give one named owner role; 'everyone' owns nothing" in text
    assert "Action 2: give a due date as YYYY-MM-DD (got 'next year')" in text
    assert "Action 3: say concretely" in text
    assert "Action 3: the due date 2028-01-01 should fall within the next twelve months" in text
    assert "Action 3: name a measure" in text
    assert "Nothing addresses the weakest dimension you found in Exercise 2 (a)." in text
    assert "Silos" not in text  # Exercise 2's answer is not given away
    assert fb.summary == "6 thing(s) to improve."


def test_check_action_plan_size_and_shape(culture):
    fb = ex.check_action_plan(_good_plan()[:2], culture, today=TODAY)
    assert "2 action(s); aim for 3 to 5" in fb.details[0]
    assert "needs dimension, action" in ex.check_action_plan([{"what": "x"}], culture).summary
    assert not ex.check_action_plan("do better", culture)
    # the notebook's empty template row is ignored, not counted as an action
    empty = [{"dimension": "", "action": "", "owner": "", "due": "", "measure": ""}]
    assert "0 action(s)" in ex.check_action_plan(empty, culture, today=TODAY).details[0]


def test_solution_action_plan_passes_its_check(culture):
    plan = ex.solution_action_plan(culture, today=TODAY)
    assert ex.check_action_plan(plan, culture, today=TODAY)
    assert set(plan["dimension"]) >= {"silos", "insight"}


def test_solution_action_plan_on_the_demo_organisation():
    scores = ex.demo_culture_scores()
    assert ex.check_action_plan(ex.solution_action_plan(scores, today=TODAY), scores, today=TODAY)


# --------------------------------------------------------------------------------------
# showing solutions and the other helpers
# --------------------------------------------------------------------------------------
def test_show_solution_hidden_and_shown_as_a_learner_writes_it():
    survey = _survey()
    hidden = ex.show_solution("nps", False, survey)
    assert "hidden" in hidden.data and "my_nps" not in hidden.data
    shown = ex.show_solution("nps", True, survey).data
    assert "def " not in shown  # the learner's cell, not a function of the package
    assert 'answered = survey["nps"].dropna()' in shown
    assert "my_promoters = 4\nmy_passives = 2\nmy_detractors = 3" in shown and "my_nps = 11.11" in shown
    assert "*Without code:*" in shown
    with pytest.raises(CxError, match="no solution called"):
        ex.show_solution("nope", True)


def test_every_worked_answer_passes_its_check(culture):
    survey = _survey()
    nps = {k: v for step in ex.worked_solution("nps", survey=survey) for k, v in step.values.items()}
    assert ex.check_nps_groups(nps["my_promoters"], nps["my_passives"], nps["my_detractors"], survey)
    assert ex.check_nps(nps["my_nps"], survey)
    (csat,) = ex.worked_solution("csat", survey=survey)
    assert ex.check_csat(csat.values["my_csat"], survey)
    weakest, widest = ex.worked_solution("heatmap", culture=culture)
    assert ex.check_weakest_dimension(weakest.values["my_weakest"], culture)
    assert ex.check_widest_gap(widest.values["my_widest_gap"], culture)
    (plan,) = ex.worked_solution("action_plan", culture=culture, today=TODAY)
    namespace = {"pd": pd}
    exec(plan.code, namespace)  # the code shown is the code a learner would run
    assert ex.check_action_plan(namespace["my_plan"], culture, today=TODAY)


def test_answers_written_as_text_are_read():
    assert ex.check_nps("11.1", _survey()) and ex.check_nps("11.1 points", _survey())
    assert ex.check_csat("55.6%", _survey()) and ex.check_csat("55,6 %", _survey())
    assert "no answer yet" in ex.check_nps("eleven", _survey()).summary


def test_dimension_answers_by_the_start_of_the_name_or_ambiguous(culture):
    assert ex.check_widest_gap("Customer insight", culture)  # for "Customer insight and data"
    assert ex.check_widest_gap("customer INSIGHT and data", culture)
    fb = ex.check_weakest_dimension("customer", culture)  # in three names
    assert not fb and "more than one dimension" in fb.summary and "'insight'" in fb.details[0]


def test_hints_run_and_do_not_give_the_answer_away(culture):
    fb = ex.check_nps_groups(None, None, None, _survey())
    example = fb.summary.split("`")[1]
    exec(example, {})  # the example is runnable as it stands (no undefined names)
    assert "answered" not in example
    assert "'silos'" not in ex.check_weakest_dimension(None, culture).summary  # silos is the answer
    assert "'insight'" not in ex.check_widest_gap(None, culture).summary  # insight is the answer


def test_answer_counts_give_a_no_code_route():
    counts = ex.answer_counts(_survey())["customers"]
    assert list(counts.index) == [str(v) for v in range(11)] + ["blank"]
    assert counts["10"] == 2 and counts["9"] == 2 and counts["1"] == 0 and counts["blank"] == 1
    assert counts[["9", "10"]].sum() == 4  # the promoters of the check
    assert list(ex.answer_counts(_survey(), "csat")["customers"]) == [1, 1, 2, 2, 3, 1]  # 4s and 5s: 5 of 9


def test_nps_margin_matches_the_formula():
    # bundled survey: 161 promoters, 146 detractors of 469 -> p = .34328, d = .31130;
    # var = p + d - (p - d)^2 = .65458 - .00102 = .65356; 1.96 * sqrt(.65356 / 80) * 100 = 17.72
    assert ex.nps_margin(80) == pytest.approx(17.715, abs=0.01)
    assert ex.nps_margin(320) == pytest.approx(17.715 / 2, abs=0.01)


def test_demo_culture_scores_and_unknown_organisation():
    scores = ex.demo_culture_scores()
    assert set(scores.groups) == {"role", "department"}
    with pytest.raises(CxError, match="no demo organisation 'nowhere'"):
        ex.demo_culture_scores("nowhere")


def test_questionnaire_overview_has_one_row_per_dimension():
    q = load_questionnaire()
    overview = ex.questionnaire_overview(q)
    assert list(overview.index) == q.dimension_ids
    assert overview.loc["leadership", "statements"] == len(q.items_of("leadership"))


def test_self_assessment_file_lives_in_the_home_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    path = ex.default_self_assessment_file("Ana/../x")
    assert path.parent == tmp_path / ".cxassess" and "/" not in path.name.replace(".sqlite", "")


def test_check_action_plan_checks_substance_not_word_counts(culture):
    plan = _good_plan()
    # the example: long enough to pass a word count, but vague, owned by a first name, unmeasurable
    plan[0] = {**plan[0], "action": "do stuff about silos and be nicer to customers", "owner": "Bob",
               "measure": "it works"}
    text = "\n".join(ex.check_action_plan(plan, culture, today=TODAY).details)
    assert "Action 1: 'stuff' is too vague to act on" in text
    assert "Action 1: name the owner's role, not only a person" in text
    assert "Action 1: name a measure that will show whether it worked" in text
    # a named metric alone is a measure; a role with the person's name is an owner
    plan[0] = {**_good_plan()[0], "owner": "Head of service (Bob)", "measure": "NPS"}
    assert ex.check_action_plan(plan, culture, today=TODAY)
    # six words with nothing that will visibly happen
    plan[0] = {**_good_plan()[0], "action": "Align our people around the customer mindset"}
    assert "name something that will visibly happen" in "\n".join(
        ex.check_action_plan(plan, culture, today=TODAY).details)


def test_an_untouched_plan_on_run_all_names_no_answer_of_exercise_2(culture):
    empty = [{"dimension": "", "action": "", "owner": "", "due": "", "measure": ""}]
    fb = ex.check_action_plan(empty, culture, today=TODAY)
    assert fb.details == ("The plan has 0 action(s); aim for 3 to 5 so the organisation can focus.",)


def test_nps_by_group_shows_intervals_only_where_the_breakdown_shows_the_nps():
    survey = ex.load_sample_survey()
    table = ex.nps_by(survey, "segment")
    breakdown = summarise(survey, nps="nps", by="segment").breakdown
    for group, row in table.iterrows():
        shown = not breakdown.loc[group, "suppressed"] and not pd.isna(breakdown.loc[group, "nps"])
        assert pd.isna(row["nps"]) != shown
        if shown:
            assert row["nps"] == pytest.approx(breakdown.loc[group, "nps"])
            assert row["95% CI from"] < row["nps"] < row["to"]
    with pytest.raises(CxError, match="no column 'site'"):
        ex.nps_by(survey, "site")


def test_the_learner_is_the_hub_user_unless_named_and_a_class_needs_a_name(monkeypatch):
    from cxassess.errors import CxError
    from cxassess.teach.exercises import learner_code

    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    assert learner_code("me") == "me" and learner_code("Ana") == "Ana"  # alone: any name, "me" too
    with pytest.raises(CxError, match="set learner .* to your own name"):
        learner_code("me", "class.sqlite")  # a class: "me" for everyone would mix their answers
    assert learner_code(" Ana ", "class.sqlite") == "Ana"
    monkeypatch.setenv("JUPYTERHUB_USER", "learner-07")
    assert learner_code("me", "class.sqlite") == "learner-07" and learner_code("", "") == "learner-07"
    assert learner_code("Ana", "class.sqlite") == "Ana"  # a name given wins over the hub's
