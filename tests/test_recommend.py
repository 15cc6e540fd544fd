"""Action plan: the recommendations file is complete and validated, and the plan's order follows
the documented priority formula, checked against orders computed by hand."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cxassess._util.paths import DEMO_DIR
from cxassess.errors import CxError, RecommendationsError
from cxassess.io.responses import responses_from_frame
from cxassess.questionnaire.model import load_questionnaire
from cxassess.report.actions import action_plan, load_recommendations, priority, recommendations_from_dict
from cxassess.scoring.score import score, score_file

Q = load_questionnaire()


def profile_scores(q, per_respondent: list[dict[str, float]], targets=None, attrs=None):
    """Real Scores from respondents who answer every item of a dimension with the same value
    (reverse items get min+max-value, so their scored value is that value too): a dimension's
    score is then simply the mean of the values given here."""
    rows = []
    lo_hi = q.scale.min + q.scale.max
    for n, values in enumerate(per_respondent):
        row = {"respondent_id": f"R{n + 1}", **((attrs or [{}] * len(per_respondent))[n])}
        for item in q.items:
            if item.outcome:  # part of no dimension: a neutral answer
                row[item.id] = (q.scale.min + q.scale.max) // 2
                continue
            v = values[item.dimension]
            row[item.id] = lo_hi - v if item.reverse else v
        rows.append(row)
    resp = responses_from_frame(pd.DataFrame(rows), q)
    group_by = list((attrs or [{}])[0])
    return score(resp, q, group_by=group_by, targets=targets, min_group_size=1)  # two people: no suppression


# the 8-dimension profile used below: dimension -> values of the respondents
PROFILE = {
    "leadership": [4, 4],   # 4.0
    "employees": [3, 3],    # 3.0
    "silos": [2, 1],        # 1.5
    "feedback": [5, 1],     # 3.0
    "insight": [2, 2],      # 2.0
    "journeys": [3, 3],     # 3.0
    "design": [4, 3],       # 3.5
    "measurement": [3, 2],  # 2.5
}


def _respondents(profile):
    return [{d: v[i] for d, v in profile.items()} for i in range(2)]


def test_bundled_recommendations_cover_every_dimension_and_stage():
    recs = load_recommendations()
    assert set(recs.actions) == set(Q.dimension_ids)
    for dim in Q.dimension_ids:
        assert sorted(recs.actions[dim]) == [1, 2, 3, 4, 5]
        for stage, actions in recs.actions[dim].items():
            assert 2 <= len(actions) <= 4, (dim, stage)
            assert all(len(a) > 30 for a in actions), (dim, stage)
    # no action is repeated anywhere: each stage says something of its own
    every = [a for d in recs.actions.values() for acts in d.values() for a in acts]
    assert len(every) == len(set(every))


def test_plan_order_with_targets_matches_hand_computation():
    # targets: default stage 4 (3.4), leadership 4.2. Below target, largest shortfall first:
    #   silos 1.5 (1.9 short), insight 2.0 (1.4), measurement 2.5 (0.9), employees/feedback/journeys
    #   3.0 (0.4 each, questionnaire order), leadership 4.0 (0.2); design 3.5 has reached its target.
    # priority = 100 * (5 - score) / 4 (all weights 1, no key drivers):
    #   silos 87.5, insight 75, measurement 62.5, employees/feedback/journeys 50, design 37.5, leadership 25
    s = profile_scores(Q, _respondents(PROFILE), targets={"default": "stage 4", "leadership": 4.2})
    plan = action_plan(s)
    assert plan.order == ["silos", "insight", "measurement", "employees", "feedback", "journeys",
                          "leadership", "design"]
    assert [e.dimension for e in plan.below_target] == plan.order[:7]
    got = {e.dimension: round(e.priority, 6) for e in plan.entries}
    assert got == {"silos": 87.5, "insight": 75.0, "measurement": 62.5, "employees": 50.0, "feedback": 50.0,
                   "journeys": 50.0, "design": 37.5, "leadership": 25.0}


def test_shortfalls_lead_the_plan_even_when_other_dimensions_are_weaker():
    # no targets: by priority 100 * (5 - score) / 4: silos 87.5, insight 75, measurement 62.5,
    # employees/feedback/journeys 50 (questionnaire order), design 37.5, leadership 25
    s = profile_scores(Q, _respondents(PROFILE))
    assert action_plan(s).order == ["silos", "insight", "measurement", "employees", "feedback", "journeys",
                                    "design", "leadership"]
    # a target of 5 for leadership: the strongest dimension is the only shortfall, so it leads the plan
    # (as on Northwind, where the summary's largest shortfall must also be the plan's first step)
    s = profile_scores(Q, _respondents(PROFILE), targets={"leadership": 5})
    plan = action_plan(s)
    assert plan.order == ["leadership", "silos", "insight", "measurement", "employees", "feedback", "journeys",
                          "design"]
    assert [e.dimension for e in plan.below_target] == ["leadership"]


def test_key_driver_impact_weighs_the_priority():
    # impact shares (as the key-driver analysis gives them): journeys 0.4, silos 0.1, the others 0.0625
    # priority = 100 * weakness * impact / max impact (0.4):
    #   journeys 100 * 0.5 * 1 = 50; silos 100 * 0.875 * 0.25 = 21.875; insight 100 * 0.75 * 0.15625 = 11.71875
    s = profile_scores(Q, _respondents(PROFILE))
    impact = {d: 0.0625 for d in Q.dimension_ids} | {"journeys": 0.4, "silos": 0.1}
    plan = action_plan(s, impact=impact)
    assert plan.uses_impact and plan.order[:3] == ["journeys", "silos", "insight"]
    got = {e.dimension: round(e.priority, 6) for e in plan.entries}
    assert got["journeys"] == 50.0 and got["silos"] == 21.875 and got["insight"] == 11.71875
    assert not action_plan(s).uses_impact


def test_actions_follow_each_dimensions_current_stage():
    # stages start at 1.0, 1.8, 2.6, 3.4, 4.2: silos 1.5 -> 1, insight 2.0 -> 2, measurement 2.5 -> 2,
    # employees 3.0 -> 3, design 3.5 -> 4, leadership 4.0 -> 4
    recs = load_recommendations()
    plan = action_plan(profile_scores(Q, _respondents(PROFILE)), recs)
    stages = {e.dimension: e.stage for e in plan.entries}
    assert stages == {"silos": 1, "insight": 2, "measurement": 2, "employees": 3, "feedback": 3,
                      "journeys": 3, "design": 4, "leadership": 4}
    for e in plan.entries:
        assert e.actions == recs.for_stage(e.dimension, e.stage)


def test_two_profiles_get_different_plans():
    mirrored = {d: [6 - v for v in values] for d, values in PROFILE.items()}
    a = action_plan(profile_scores(Q, _respondents(PROFILE)))
    b = action_plan(profile_scores(Q, _respondents(mirrored)))
    assert a.order[0] == "silos" and b.order[0] == "leadership"  # 6 - 4 = 2.0 is b's weakest
    assert a.focus(1)[0].actions != b.focus(1)[0].actions


def test_demo_clients_get_different_plans():
    plans = {name: action_plan(score_file(DEMO_DIR / f"{name}.csv", targets=DEMO_DIR / "targets.yaml"))
             for name in ("harbour-health-clinics", "acme-utilities", "northwind-outfitters")}
    firsts = {name: tuple(p.order[:3]) for name, p in plans.items()}
    assert len(set(firsts.values())) == 3, firsts
    first_actions = {p.entries[0].actions for p in plans.values()}
    assert len(first_actions) == 3


def test_dimension_weight_counts(mini_q):
    # mini: A weight 1, B weight 2. Scores A 2.0, B 3.0. No targets:
    # A = 100 * (5-2)/4 * 1/2 = 37.5, B = 100 * (5-3)/4 * 2/2 = 50 -> B first despite scoring higher
    recs = recommendations_from_dict(
        {"dimensions": {d: {k: [f"{d} step {k}a", f"{d} step {k}b"] for k in range(1, 6)} for d in ("A", "B")}},
        mini_q)
    s = profile_scores(mini_q, [{"A": 2, "B": 3}, {"A": 2, "B": 3}])
    plan = action_plan(s, recs)
    assert plan.order == ["B", "A"]
    assert [round(e.priority, 6) for e in plan.entries] == [50.0, 37.5]
    # mini stages start at 1, 2, 3, 4, 4.5: A 2.0 -> stage 2, B 3.0 -> stage 3
    assert plan.entries[0].actions == ("B step 3a", "B step 3b")
    # target A = 4: A is below target, B has none -> A first
    s = profile_scores(mini_q, [{"A": 2, "B": 3}] * 2, targets={"A": 4})
    assert action_plan(s, recs).order == ["A", "B"]


def test_priority_formula_examples():
    assert priority(1.0, 1, 1, 5) == 100.0  # the bottom of the scale on the heaviest dimension
    assert priority(5.0, 1, 1, 5) == 0.0
    assert priority(3.0, 3, 1, 5, max_weight=3) == pytest.approx(50.0)  # 100 * 2/4 * 3/3
    assert priority(3.0, 1, 1, 5, max_weight=2) == pytest.approx(25.0)  # 100 * 2/4 * 1/2
    assert priority(2.0, 1, 1, 5, impact=0.1, max_impact=0.4) == pytest.approx(18.75)  # 100 * 3/4 * 1/4


def test_unscored_dimensions_are_listed_not_ranked(mini_q):
    recs = recommendations_from_dict(
        {"dimensions": {d: {k: ["one thing", "another thing"] for k in range(1, 6)} for d in ("A", "B")}}, mini_q)
    frame = pd.DataFrame([{"respondent_id": "r1", "A1": 3, "A2": 3, "A3": 3}])
    s = score(responses_from_frame(frame, mini_q), mini_q, min_group_size=1)  # one person: no suppression
    plan = action_plan(s, recs)
    assert plan.order == ["A"] and plan.unscored == ["B"]


def test_validation_reports_every_problem_with_its_location(mini_q):
    data = {
        "dimensions": {
            "A": {1: ["x", "y"], 2: ["only one"], 3: ["a", ""], 4: ["a", "b"], 9: ["a", "b"]},
            "C": {1: ["a", "b"]},
        },
        "extra": 1,
    }
    with pytest.raises(RecommendationsError) as info:
        recommendations_from_dict(data, mini_q, "recs.yaml")
    msg = str(info.value)
    assert msg.startswith("recs.yaml: invalid recommendations")
    for expected in ("extra: unknown key",
                     "dimensions.C: not a dimension id of questionnaire 'mini'",
                     "dimensions.A.2: expected 2-4 actions, got 1",
                     "dimensions.A.3[1]: an action must be non-empty text",
                     "dimensions.A.9: stage 9 does not exist",
                     "dimensions.A.5: missing",
                     "dimensions.B: missing"):
        assert expected in msg, expected


def test_bad_yaml_and_missing_file(tmp_path: Path):
    bad = tmp_path / "r.yaml"
    bad.write_text("dimensions: [unclosed\n", encoding="utf-8")
    with pytest.raises(RecommendationsError, match=r"(?s)r.yaml: invalid recommendations.*not valid YAML at line 2"):
        load_recommendations(bad)
    with pytest.raises(CxError, match="recommendations file not found"):
        load_recommendations(tmp_path / "nope.yaml")


def test_plan_to_frame():
    plan = action_plan(profile_scores(Q, _respondents(PROFILE)))
    frame = plan.to_frame()
    assert list(frame.index) == plan.order
    assert frame.loc["silos", "score"] == 1.5 and frame.loc["silos", "stage_name"] == "Unaware"


def test_other_questionnaire_gets_a_ranked_plan_without_actions(mini_q):
    # the bundled file says "questionnaire: cx-maturity"; mini's plan ranks A and B, no actions
    s = profile_scores(mini_q, [{"A": 2, "B": 3}] * 2)
    plan = action_plan(s)
    assert plan.order == ["B", "A"] and all(e.actions == () for e in plan.entries)
    from cxassess.report.narrative import action_plan_html

    assert "No recommended actions are stored for this questionnaire." in action_plan_html(plan)
    # asking for the bundled file explicitly with the wrong questionnaire is an error that says so
    with pytest.raises(RecommendationsError,
                       match="questionnaire: written for questionnaire 'cx-maturity', not 'mini'"):
        load_recommendations(questionnaire=mini_q)
