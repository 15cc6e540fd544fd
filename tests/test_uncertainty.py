"""Bootstrap intervals and stage probabilities, checked against an independent loop over the same
resamples and, on a large sample, against the analytic standard error sd / sqrt(n)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxassess._util.paths import DEMO_DIR
from cxassess.questionnaire.model import load_questionnaire
from cxassess.scoring.score import score_file
from cxassess.scoring.uncertainty import (
    Bootstrap,
    bootstrap_counts,
    bootstrap_intervals,
    resample_counts,
    resample_indices,
    resamples_needed,
    stage_probabilities,
)

Q = load_questionnaire()


def _rscores(n: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = np.clip(rng.normal(3.0, 0.7, size=(n, len(Q.dimensions))), 1, 5)
    x[rng.random(x.shape) < 0.05] = np.nan  # a few respondents without a dimension score
    return x


def test_counts_are_the_index_matrix_tallied():
    idx = resample_indices(7, 50, seed=3)
    counts = resample_counts(idx, 7)
    assert counts.shape == (50, 7) and (counts.sum(axis=1) == 7).all()
    for b in (0, 17, 49):
        assert list(counts[b]) == [list(idx[b]).count(i) for i in range(7)]


def test_same_seed_same_intervals_other_seed_other_intervals():
    x = _rscores(40)
    a = bootstrap_intervals(x, Q, Bootstrap(resamples=500, seed=11))
    b = bootstrap_intervals(x, Q, Bootstrap(resamples=500, seed=11))
    c = bootstrap_intervals(x, Q, Bootstrap(resamples=500, seed=12))
    assert a.equals(b)
    assert not np.allclose(a["low"], c["low"])


def test_interval_is_the_percentile_of_the_same_resamples_computed_one_by_one():
    x = _rscores(25, seed=5)
    boot = Bootstrap(resamples=300, seed=9)
    frame = bootstrap_intervals(x, Q, boot)
    weights = np.array([d.weight for d in Q.dimensions])
    overall, dims = [], []
    for rows in resample_indices(len(x), boot.resamples, boot.seed):  # the slow, obvious way
        sample = x[rows]
        means = np.array([np.nanmean(sample[:, j]) for j in range(sample.shape[1])])
        dims.append(means)
        ok = ~np.isnan(means)
        overall.append((means[ok] * weights[ok]).sum() / weights[ok].sum())
    dims_arr, overall_arr = np.array(dims), np.array(overall)
    assert frame.loc["overall", "low"] == pytest.approx(np.percentile(overall_arr, 2.5), abs=1e-12)
    assert frame.loc["overall", "high"] == pytest.approx(np.percentile(overall_arr, 97.5), abs=1e-12)
    assert frame.loc["overall", "se"] == pytest.approx(overall_arr.std(ddof=1), abs=1e-12)
    for j, d in enumerate(Q.dimension_ids):
        assert frame.loc[d, "low"] == pytest.approx(np.percentile(dims_arr[:, j], 2.5), abs=1e-12)
        assert frame.loc[d, "high"] == pytest.approx(np.percentile(dims_arr[:, j], 97.5), abs=1e-12)
    # stage probabilities: the share of resamples whose overall score Questionnaire.stage_for puts there
    stages = [Q.stage_for(v).id for v in overall_arr]
    for s in Q.stages:
        assert frame.loc["overall", f"stage_{s.id}"] == pytest.approx(stages.count(s.id) / len(stages))
    assert frame.filter(like="stage_").sum(axis=1).to_numpy() == pytest.approx(np.ones(len(frame)))


def test_standard_error_converges_to_sd_over_root_n():
    rng = np.random.default_rng(2)
    n = 3000
    x = rng.normal(3.0, 0.8, size=(n, len(Q.dimensions)))
    frame = bootstrap_intervals(x, Q, Bootstrap(resamples=2000, seed=4))
    analytic = x.std(axis=0, ddof=1) / np.sqrt(n)
    assert frame.loc[Q.dimension_ids, "se"].to_numpy() == pytest.approx(analytic, rel=0.08)
    # normal-theory interval mean +- 1.96 se
    mean = x.mean(axis=0)
    low = frame.loc[Q.dimension_ids, "low"].to_numpy()
    assert low == pytest.approx(mean - 1.96 * analytic, abs=0.2 * analytic.max())


def test_stage_probability_edges():
    # exactly on a threshold counts as that stage (as Questionnaire.stage_for does)
    samples = np.array([[1.0], [1.8], [2.6 - 1e-12], [4.2], [5.0]])
    probs = stage_probabilities(samples, Q)
    assert probs[0].tolist() == pytest.approx([0.2, 0.2, 0.2, 0.0, 0.4])


def test_demo_scores_carry_intervals_in_scores_json():
    scores = score_file(DEMO_DIR / "harbour-health-clinics.csv", group_by=["role"])
    iv = scores.intervals
    assert list(iv.index) == ["overall", *Q.dimension_ids]
    assert (iv["low"] <= iv["score"]).all() and (iv["score"] <= iv["high"]).all()
    assert iv.loc["overall", "score"] == pytest.approx(scores.overall["score"])
    data = scores.to_dict()["uncertainty"]
    assert data["resamples"] == 2000 and data["level"] == 0.95 and isinstance(data["seed"], int)
    assert set(data["overall"]) == {"score", "low", "high", "se", "stage_probability"}
    assert sum(data["overall"]["stage_probability"].values()) == pytest.approx(1.0)
    again = score_file(DEMO_DIR / "harbour-health-clinics.csv", group_by=["role"]).to_dict()["uncertainty"]
    assert again == data  # the same answers, the same report


def test_bootstrap_counts_tally_the_index_matrix_row_by_row():
    for n in (7, 1500):  # one bincount per chunk, and one per row
        idx = resample_indices(n, 40, seed=8)
        counts = bootstrap_counts(n, 40, seed=8)
        assert counts.shape == (40, n)
        for b in (0, 13, 39):
            assert counts[b].tolist() == np.bincount(idx[b], minlength=n).tolist()
    # a shorter run is the first rows of a longer one (the scores and drivers share one draw)
    assert (bootstrap_counts(50, 30, seed=2) == bootstrap_counts(50, 300, seed=2)[:30]).all()


def test_resample_count_follows_the_monte_carlo_rule():
    # tens of respondents: all 2,000
    assert resamples_needed(_rscores(40), Q) == 2000
    # many respondents far from every stage threshold: (2.67 se / 0.001)^2, at least 200
    rng = np.random.default_rng(6)
    n = 25000
    x = np.clip(rng.normal(3.0, 0.5, size=(n, len(Q.dimensions))), 1, 5)
    weights = np.array([d.weight for d in Q.dimensions])
    cols = np.column_stack([(x * weights).sum(axis=1) / weights.sum(), x])
    se = cols.std(axis=0, ddof=1) / np.sqrt(n)
    factor = np.sqrt(0.025 * 0.975) / (np.exp(-1.959964**2 / 2) / np.sqrt(2 * np.pi))
    expected = max(200, int(np.ceil((factor * se.max() / 0.001) ** 2)))
    assert 200 <= expected < 2000 and resamples_needed(x, Q) == expected
    # the same respondents moved onto a stage threshold (3.4): every resample, for the stage probabilities
    shifted = x - x[:, 0].mean() + 3.4
    assert resamples_needed(shifted, Q) == 2000


def test_scores_json_records_the_resamples_used(tmp_path):
    rng = np.random.default_rng(1)
    n = 6000
    ids = [f"R{i:05d}" for i in range(n)]
    values = np.clip(np.rint(rng.normal(3.0, 1.0, size=(n, len(Q.item_ids)))), 1, 5).astype(int)
    path = tmp_path / "wide.csv"
    pd.DataFrame(values, columns=Q.item_ids).assign(respondent_id=ids).to_csv(path, index=False)
    scores = score_file(path, Q)
    data = scores.to_dict()["uncertainty"]
    used = data["resamples"]
    assert used == resamples_needed(scores.respondent_scores.to_numpy(), Q) and used < 2000
    assert data["max_resamples"] == 2000 and "Monte Carlo" in data["resamples_rule"]
    again = bootstrap_intervals(scores.respondent_scores.to_numpy(), Q, Bootstrap(resamples=used))
    assert scores.intervals[["low", "high", "se"]].to_numpy() == pytest.approx(
        again[["low", "high", "se"]].to_numpy(), abs=1e-12)
