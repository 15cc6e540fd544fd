"""Johnson's relative weights against an exact Shapley decomposition of R² (brute force over subsets),
their bootstrap interval against a loop over the same resamples, and the 30-respondent rule."""

from __future__ import annotations

from itertools import combinations
from math import factorial

import numpy as np
import pytest

from cxassess._util.paths import DEMO_DIR
from cxassess.questionnaire.model import load_questionnaire
from cxassess.scoring.drivers import DRIVERS_MIN_RESPONDENTS, key_drivers, outcome_scores, relative_weights
from cxassess.scoring.score import score_file
from cxassess.scoring.uncertainty import Bootstrap, resample_indices

Q = load_questionnaire()


def _r2(corr: np.ndarray, subset: tuple[int, ...]) -> float:
    """R² of the outcome (last column) on the predictors in ``subset``: r_xyᵀ R_xx⁻¹ r_xy."""
    if not subset:
        return 0.0
    s = list(subset)
    y = corr.shape[0] - 1
    rxy = corr[s, y]
    return float(rxy @ np.linalg.solve(corr[np.ix_(s, s)], rxy))


def _shapley(corr: np.ndarray) -> np.ndarray:
    """Each predictor's average gain in R² over every order of entry (exact, over all subsets)."""
    p = corr.shape[0] - 1
    out = np.zeros(p)
    for j in range(p):
        others = [k for k in range(p) if k != j]
        for size in range(p):
            w = factorial(size) * factorial(p - size - 1) / factorial(p)
            for sub in combinations(others, size):
                out[j] += w * (_r2(corr, tuple(sorted((*sub, j)))) - _r2(corr, sub))
    return out


def _corr(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    p = len(rxy)
    c = np.eye(p + 1)
    c[:p, :p], c[:p, p], c[p, :p] = rxx, rxy, rxy
    return c


def test_orthogonal_predictors_weights_are_squared_correlations_and_equal_shapley():
    corr = _corr(np.eye(3), np.array([0.5, 0.3, 0.1]))
    raw = relative_weights(corr)
    assert raw == pytest.approx([0.25, 0.09, 0.01])
    assert raw == pytest.approx(_shapley(corr))


def test_correlated_predictors_add_up_to_r2_and_track_shapley():
    rxx = np.array([[1.0, 0.6, 0.3, 0.2], [0.6, 1.0, 0.4, 0.1], [0.3, 0.4, 1.0, 0.5], [0.2, 0.1, 0.5, 1.0]])
    rxy = np.array([0.55, 0.45, 0.35, 0.15])
    corr = _corr(rxx, rxy)
    raw = relative_weights(corr)
    shapley = _shapley(corr)
    full = _r2(corr, (0, 1, 2, 3))
    assert raw.sum() == pytest.approx(full)  # relative weights split the whole R²
    assert shapley.sum() == pytest.approx(full)
    assert raw == pytest.approx(shapley, abs=0.01)  # Johnson's approximation of the Shapley values
    assert list(np.argsort(raw)) == list(np.argsort(shapley))


def test_two_predictors_by_hand():
    # r12 = 0.5, r1y = 0.6, r2y = 0.2: R² = (0.36 + 0.04 - 2*0.5*0.6*0.2) / (1 - 0.25) = 0.28 / 0.75
    corr = _corr(np.array([[1.0, 0.5], [0.5, 1.0]]), np.array([0.6, 0.2]))
    raw = relative_weights(corr)
    assert raw.sum() == pytest.approx(0.28 / 0.75)
    assert raw == pytest.approx(_shapley(corr), abs=0.01)


def test_batched_weights_are_the_same_as_one_at_a_time():
    rng = np.random.default_rng(3)
    mats = []
    for _ in range(5):
        x = rng.normal(size=(50, 4))
        x[:, 3] += x[:, 0] - 0.5 * x[:, 1]
        mats.append(np.corrcoef(x, rowvar=False))
    stacked = relative_weights(np.array(mats))
    for m, row in zip(mats, stacked, strict=True):
        assert row == pytest.approx(relative_weights(m))


def _data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(3, 0.6, size=(n, len(Q.dimensions)))
    y = 3 + 0.8 * (x[:, 1] - 3) + 0.4 * (x[:, 6] - 3) + rng.normal(0, 0.4, n)
    return x, y


def test_interval_is_the_percentile_of_the_same_resamples_one_by_one():
    x, y = _data(60)
    boot = Bootstrap(resamples=200, seed=5)
    frame, info = key_drivers(x, y, Q, x.mean(axis=0), boot)
    data = np.column_stack([x, y])
    shares = []
    for rows in resample_indices(len(data), boot.resamples, boot.seed):
        raw = relative_weights(np.corrcoef(data[rows], rowvar=False))
        shares.append(raw / raw.sum())
    shares_arr = np.array(shares)
    assert frame["low"].to_numpy() == pytest.approx(np.percentile(shares_arr, 2.5, axis=0), abs=1e-9)
    assert frame["high"].to_numpy() == pytest.approx(np.percentile(shares_arr, 97.5, axis=0), abs=1e-9)
    assert info["shown"] and info["respondents"] == 60
    assert frame["share"].sum() == pytest.approx(1.0)
    assert info["r2"] == pytest.approx(_r2(np.corrcoef(data, rowvar=False), tuple(range(x.shape[1]))))
    # the two dimensions that make the outcome come first
    assert set(frame["share"].nlargest(2).index) == {Q.dimension_ids[1], Q.dimension_ids[6]}


def test_not_shown_below_thirty_respondents_or_without_outcome():
    x, y = _data(DRIVERS_MIN_RESPONDENTS - 1)
    frame, info = key_drivers(x, y, Q, x.mean(axis=0))
    assert frame.empty and not info["shown"] and "at least 30" in info["reason"]
    y_missing = np.append(_data(DRIVERS_MIN_RESPONDENTS)[1][:-1], np.nan)  # 30 rows, one without outcome
    frame, info = key_drivers(_data(DRIVERS_MIN_RESPONDENTS)[0], y_missing, Q, x.mean(axis=0))
    assert frame.empty and info["respondents"] == DRIVERS_MIN_RESPONDENTS - 1


def test_a_dimension_nobody_scored_takes_no_part():
    x, y = _data(40)
    x[:, 2] = np.nan  # every answer "don't know"
    frame, info = key_drivers(x, y, Q, x.mean(axis=0))
    assert info["shown"] and Q.dimension_ids[2] not in frame.index and len(frame) == len(Q.dimensions) - 1
    assert frame["share"].sum() == pytest.approx(1.0)


def test_outcome_score_is_the_mean_of_answered_outcome_statements():
    cols = {i.id: n for n, i in enumerate(Q.items)}
    m = np.full((3, len(Q.items)), np.nan)
    m[0, [cols["OUT1"], cols["OUT2"], cols["OUT3"]]] = [5, 4, 3]
    m[1, [cols["OUT1"], cols["OUT2"]]] = [2, 4]
    m[2, [cols["OUT1"]]] = [5]  # one of three answered: less than half
    out = outcome_scores(m, Q)
    assert out[:2] == pytest.approx([4.0, 3.0]) and np.isnan(out[2])


def test_demo_drivers_in_scores_json():
    scores = score_file(DEMO_DIR / "northwind-outfitters.csv")
    info = scores.drivers_info
    assert info["shown"] and info["respondents"] >= DRIVERS_MIN_RESPONDENTS
    d = scores.drivers
    assert (d["low"] <= d["share"]).all() and (d["share"] <= d["high"]).all()
    assert d["raw_weight"].sum() == pytest.approx(info["r2"])
    data = scores.to_dict()["drivers"]
    assert data["shown"] and set(data["dimensions"]) == set(Q.dimension_ids)
    assert {"raw_weight", "share", "low", "high", "score", "focus"} <= set(data["dimensions"]["employees"])
    small = score_file(DEMO_DIR / "acme-utilities.csv").to_dict()["drivers"]  # 28 respondents
    assert not small["shown"] and small["dimensions"] == {} and small["reason"]
    assert sum(v["share"] for v in data["dimensions"].values()) == pytest.approx(1.0, abs=1e-5)


def test_resamples_are_drawn_over_everyone_and_use_their_complete_respondents():
    # the drivers share the score intervals' draw over all counted respondents: a resample's
    # correlation is that of the complete respondents it drew (checked one resample at a time)
    x, y = _data(80, seed=4)
    x[[3, 10, 11], 2] = np.nan  # three respondents without a dimension score
    y[[20, 40]] = np.nan  # two without an outcome score
    boot = Bootstrap(resamples=150, seed=7)
    frame, info = key_drivers(x, y, Q, np.nanmean(x, axis=0), boot)
    data = np.column_stack([x, y])
    shares, r2 = [], []
    for rows in resample_indices(len(data), boot.resamples, boot.seed):
        sample = data[rows]
        sample = sample[~np.isnan(sample).any(axis=1)]
        raw = relative_weights(np.corrcoef(sample, rowvar=False))
        shares.append(raw / raw.sum())
        r2.append(raw.sum())
    assert info["respondents"] == 75
    assert frame["low"].to_numpy() == pytest.approx(np.percentile(shares, 2.5, axis=0), abs=1e-9)
    assert frame["high"].to_numpy() == pytest.approx(np.percentile(shares, 97.5, axis=0), abs=1e-9)
    assert info["r2_low"] == pytest.approx(np.percentile(r2, 2.5), abs=1e-9)
