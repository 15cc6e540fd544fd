"""ICC(1)/ICC(2) from a hand ANOVA table, rwg(j), r*wg(j), awg by hand, and omega on known loadings.

Hand ANOVA (groups A = 1, 2, 3; B = 4, 5, 6; C = 2, 3, 4):
  grand mean 30/9; group means 2, 5, 3; SSB = 3 ((2 - 10/3)² + (5 - 10/3)² + (3 - 10/3)²) = 14, MSB = 7;
  SSW = 2 + 2 + 2 = 6, MSW = 6/6 = 1; n0 = 3;
  ICC(1) = (7 - 1) / (7 + 2 * 1) = 2/3; ICC(2) = (7 - 1) / 7 = 6/7; F = 7 on (2, 6).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cxassess._util.paths import DEMO_DIR
from cxassess.io.responses import responses_from_frame
from cxassess.questionnaire.model import questionnaire_from_dict
from cxassess.scoring.agreement import ICC2_MEANINGFUL, awg, icc_oneway, rwg_j, rwg_j_star
from cxassess.scoring.reliability import cronbach_alpha, mcdonald_omega, mcdonald_omegas, one_factor_loadings
from cxassess.scoring.score import score, score_file


def test_icc_from_a_hand_anova_table():
    y = np.array([1, 2, 3, 4, 5, 6, 2, 3, 4], dtype=float)
    g = np.array(list("AAABBBCCC"))
    res = icc_oneway(y, g)
    assert res["icc1"] == pytest.approx(2 / 3)
    assert res["icc2"] == pytest.approx(6 / 7)
    assert res["f"] == pytest.approx(7.0)
    assert res["p_value"] == pytest.approx(stats.f_oneway([1, 2, 3], [4, 5, 6], [2, 3, 4]).pvalue)
    assert res["groups"] == 3 and res["respondents"] == 9


def test_icc_with_unequal_groups_uses_n0():
    # A = 1, 3 (mean 2); B = 4, 5, 6, 5 (mean 5); N = 6, k = 2, grand = 4
    # SSB = 2 * 4 + 4 * 1 = 12 = MSB; SSW = 2 + 2 = 4, MSW = 1; n0 = (6 - (4 + 16) / 6) / 1 = 8/3
    y = np.array([1, 3, 4, 5, 6, 5], dtype=float)
    g = np.array(list("AABBBB"))
    res = icc_oneway(y, g)
    assert res["icc1"] == pytest.approx((12 - 1) / (12 + (8 / 3 - 1) * 1))
    assert res["icc2"] == pytest.approx(11 / 12)
    assert res["f"] == pytest.approx(stats.f_oneway([1, 3], [4, 5, 6, 5]).statistic)


def test_icc_missing_values_dropped_and_one_group_undefined():
    res = icc_oneway(np.array([1, 2, np.nan, 4]), np.array(list("AAAA")))
    assert np.isnan(res["icc1"]) and np.isnan(res["icc2"]) and res["respondents"] == 3


def test_rwg_j_and_lindell_by_hand():
    # two items, variances 1 and 1, 5-point scale (uniform null variance 2): ratio 0.5
    x = np.array([[2, 3], [3, 4], [4, 5]], dtype=float)
    assert rwg_j(x, 5) == pytest.approx(2 * 0.5 / (2 * 0.5 + 0.5))  # 2/3
    assert rwg_j_star(x, 5) == pytest.approx(0.5)
    # more spread than at random: rwg(j) truncated to 0, r*wg(j) negative (1 - 16/3 / 2)
    wide = np.array([[1, 1], [5, 5], [1, 1], [5, 5]], dtype=float)
    assert rwg_j(wide, 5) == 0.0
    assert rwg_j_star(wide, 5) == pytest.approx(1 - (16 / 3) / 2)


def test_awg_by_hand():
    # item 1: 2, 3, 4 -> M 3, max var ((5 + 1) 3 - 9 - 5) * 3/2 = 6, awg = 1 - 2 * 1 / 6 = 2/3
    # item 2: 3, 4, 5 -> M 4, max var ((6) 4 - 16 - 5) * 3/2 = 4.5, awg = 1 - 2 / 4.5 = 5/9
    x = np.array([[2, 3], [3, 4], [4, 5]], dtype=float)
    assert awg(x, 1, 5) == pytest.approx((2 / 3 + 5 / 9) / 2)
    # a mean on the scale's end leaves awg undefined for that item; the other item counts alone
    assert awg(np.array([[5, 2], [5, 3], [5, 4]], dtype=float), 1, 5) == pytest.approx(2 / 3)


def test_omega_recovers_known_loadings():
    lam = np.array([0.8, 0.7, 0.6, 0.5, 0.4])
    r = np.outer(lam, lam)
    np.fill_diagonal(r, 1.0)
    assert one_factor_loadings(r) == pytest.approx(lam, abs=1e-6)
    # data from that model: omega converges to (Σλ)² / ((Σλ)² + Σ(1 - λ²)) = 9 / (9 + 3.1) = 0.743802
    rng = np.random.default_rng(0)
    n = 20000
    x = rng.normal(size=(n, 1)) * lam + rng.normal(size=(n, 5)) * np.sqrt(1 - lam**2)
    assert mcdonald_omega(x) == pytest.approx(9 / 12.1, abs=0.01)
    # loadings differ, so alpha (tau-equivalence) is below omega
    assert cronbach_alpha(x) < mcdonald_omega(x)


def test_loadings_minimise_the_off_diagonal_residuals_as_a_general_optimiser_finds():
    from scipy.optimize import minimize

    lam = np.array([0.8, 0.7, 0.6, 0.5, 0.4])
    rng = np.random.default_rng(2)
    x = rng.normal(size=(40, 1)) * lam + rng.normal(size=(40, 5)) * np.sqrt(1 - lam**2)
    r = np.corrcoef(x, rowvar=False)
    off = ~np.eye(5, dtype=bool)

    def loss(v: np.ndarray) -> float:
        return float((np.where(off, r - np.outer(v, v), 0.0) ** 2).sum())

    direct = minimize(loss, np.full(5, 0.5), method="BFGS", options={"gtol": 1e-12}).x
    assert one_factor_loadings(r) == pytest.approx(direct, abs=1e-6)


def test_omega_equals_standardised_alpha_when_loadings_are_equal():
    lam = np.full(4, 0.6)
    r = np.outer(lam, lam)
    np.fill_diagonal(r, 1.0)
    rng = np.random.default_rng(1)
    x = rng.multivariate_normal(np.zeros(4), r, size=30000)
    rbar = (np.corrcoef(x, rowvar=False).sum() - 4) / 12
    standardised_alpha = 4 * rbar / (1 + 3 * rbar)
    assert mcdonald_omega(x) == pytest.approx(standardised_alpha, abs=0.005)


def test_omegas_fitted_together_equal_one_at_a_time():
    rng = np.random.default_rng(4)
    blocks = []
    for lam in ([0.8, 0.6, 0.5], [0.7, 0.7, 0.4, 0.3], [0.5, 0.5, 0.5]):
        lam_arr = np.array(lam)
        blocks.append(rng.normal(size=(80, 1)) * lam_arr + rng.normal(size=(80, len(lam))) * np.sqrt(1 - lam_arr**2))
    blocks.append(blocks[0][:, :2])  # two items: not defined
    together = mcdonald_omegas(blocks)
    assert together[:3] == pytest.approx([mcdonald_omega(b) for b in blocks[:3]], abs=1e-9)
    assert np.isnan(together[3])


def test_omega_not_defined_on_two_items_or_constant_items():
    assert np.isnan(mcdonald_omega(np.array([[1, 2], [2, 3], [3, 5], [4, 4]], dtype=float)))
    assert np.isnan(mcdonald_omega(np.array([[1, 2, 3], [1, 3, 4], [1, 5, 5]], dtype=float)))


MINI = {
    "id": "mini", "scale": {"min": 1, "max": 5, "labels": {1: "a", 2: "b", 3: "c", 4: "d", 5: "e"}},
    "stages": [{"id": 1, "name": "Low", "min_score": 1}, {"id": 2, "name": "High", "min_score": 3}],
    "dimensions": [{"id": "d", "name": "D"}],
    "items": [{"id": "I1", "dimension": "d", "text": "one"}, {"id": "I2", "dimension": "d", "text": "two"}],
}


def test_scores_carry_icc_per_grouping_and_agreement_for_shown_groups_only():
    q = questionnaire_from_dict(MINI)
    # teams A, B, C of three, and team D of one (hidden, and one team of three hidden with it)
    rows = [("A", 1, 2), ("A", 2, 3), ("A", 3, 4), ("B", 4, 5), ("B", 5, 5), ("B", 5, 4),
            ("C", 2, 3), ("C", 3, 2), ("C", 4, 3), ("D", 5, 5)]
    frame = pd.DataFrame([{"respondent_id": f"R{n}", "team": t, "I1": a, "I2": b} for n, (t, a, b) in enumerate(rows)])
    scores = score(responses_from_frame(frame, q), q, group_by=["team"], min_group_size=3)
    table = scores.groups["team"]
    shown = [str(g) for g in table.index[~table["suppressed"].astype(bool)]]
    assert "D" not in shown
    icc = scores.agreement.set_index(["group_by", "dimension"])
    rs = scores.respondent_scores["d"]
    teams = frame.set_index("respondent_id").loc[rs.index, "team"]
    keep = teams.isin(shown).to_numpy()
    expect = icc_oneway(rs.to_numpy()[keep], teams.to_numpy()[keep])
    assert icc.loc[("team", "d"), "icc2"] == pytest.approx(expect["icc2"])
    assert icc.loc[("team", "d"), "groups"] == len(shown)
    assert bool(icc.loc[("team", "d"), "meaningful"]) == (expect["icc2"] >= ICC2_MEANINGFUL)
    within = scores.group_agreement
    assert set(within["group"]) == set(shown)
    first = shown[0]  # which of A, B, C is hidden beside D is the suppression rule's business
    a = within[(within["group"] == first) & (within["dimension"] == "d")].iloc[0]
    x = frame[frame["team"] == first][["I1", "I2"]].to_numpy(dtype=float)
    assert a["rwg_j"] == pytest.approx(rwg_j(x, 5)) and a["awg"] == pytest.approx(awg(x, 1, 5))
    data = scores.to_dict()["agreement"]["team"]
    assert set(data["within"]) == set(shown) and "D" not in data["within"]
    assert data["dimensions"]["d"]["icc2"] == pytest.approx(expect["icc2"], abs=1e-6)


def test_demo_dimensions_have_omega_beside_alpha():
    scores = score_file(DEMO_DIR / "northwind-outfitters.csv")
    dims = scores.dimensions
    assert {"omega", "rwg_j", "rwg_j_star", "awg"} <= set(dims.columns)
    assert dims["omega"].between(0, 1).all()
    out = scores.to_dict()["dimensions"]["leadership"]
    assert {"omega", "rwg_j", "rwg_j_star", "awg"} <= set(out)
