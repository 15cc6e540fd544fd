"""Group gaps: Welch interval and p value against scipy, Hedges' g and Benjamini-Hochberg by hand."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from cxassess._util.paths import DEMO_DIR
from cxassess.scoring.gaps import benjamini_hochberg, welch_gap
from cxassess.scoring.score import score_file


def test_welch_gap_matches_scipy_and_hedges_g_by_hand():
    x = np.array([1, 2, 3, 4], dtype=float)
    y = np.array([3, 4, 5, 6, 7, np.nan])  # NaN: a respondent without this score
    res = welch_gap(x, y)
    ref = stats.ttest_ind(x, y[:5], equal_var=False)
    ci = ref.confidence_interval(0.95)
    assert res["difference"] == pytest.approx(-2.5)
    assert res["p_value"] == pytest.approx(ref.pvalue)
    assert (res["low"], res["high"]) == pytest.approx((ci.low, ci.high))
    # pooled variance (3 * 5/3 + 4 * 2.5) / 7 = 15/7; d = -2.5 / sqrt(15/7); J = 1 - 3 / (4 * 9 - 9) = 8/9
    assert res["hedges_g"] == pytest.approx(8 / 9 * -2.5 / np.sqrt(15 / 7))
    assert res["group_n"] == 4 and res["rest_n"] == 5


def test_welch_gap_needs_two_on_each_side():
    res = welch_gap(np.array([3.0]), np.array([1.0, 2.0, 3.0]))
    assert np.isnan(res["difference"]) and np.isnan(res["p_value"])


def test_benjamini_hochberg_by_hand_and_against_scipy():
    # sorted 0.01, 0.03, 0.04, 0.2 -> 0.04, 0.06, 0.0533, 0.2 -> running minimum from the top
    p = np.array([0.01, 0.04, 0.03, 0.2, np.nan])
    adj = benjamini_hochberg(p)
    assert adj[:4] == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.2])
    assert np.isnan(adj[4])
    rng = np.random.default_rng(0)
    many = rng.random(40) ** 3
    assert benjamini_hochberg(many) == pytest.approx(stats.false_discovery_control(many, method="bh"))


def test_demo_gaps_only_for_shown_groups_and_flagged_after_adjustment():
    scores = score_file(DEMO_DIR / "harbour-health-clinics.csv", group_by=["role", "department"])
    gaps = scores.gaps
    for col, table in scores.groups.items():
        shown = set(map(str, table.index[~table["suppressed"].astype(bool)]))
        assert set(gaps.loc[gaps["group_by"] == col, "group"]) == shown
        one = gaps[gaps["group_by"] == col]
        assert one["p_adjusted"].to_numpy() == pytest.approx(benjamini_hochberg(one["p_value"].to_numpy()),
                                                             nan_ok=True)
    assert (gaps["significant"] == (gaps["p_adjusted"] < 0.05)).all()
    # the gap is the group's mean respondent score minus everybody else's
    rs = scores.respondent_scores
    front = gaps[(gaps["group_by"] == "role") & (gaps["group"] == "front line") & (gaps["dimension"] == "insight")]
    from cxassess.io.read import read_responses

    roles = read_responses(DEMO_DIR / "harbour-health-clinics.csv").attributes["role"].reindex(rs.index)
    inside = roles == "front line"
    assert front["difference"].iloc[0] == pytest.approx(rs.loc[inside, "insight"].mean()
                                                        - rs.loc[~inside, "insight"].mean())
    ref = stats.ttest_ind(rs.loc[inside, "insight"].dropna(), rs.loc[~inside, "insight"].dropna(), equal_var=False)
    assert front["p_value"].iloc[0] == pytest.approx(ref.pvalue)
    assert (front["low"].iloc[0], front["high"].iloc[0]) == pytest.approx(tuple(ref.confidence_interval(0.95)))
    data = scores.to_dict()["gaps"]
    cell = data["role"]["front line"]["insight"]
    assert {"difference", "low", "high", "hedges_g", "p_value", "p_adjusted", "significant"} <= set(cell)
