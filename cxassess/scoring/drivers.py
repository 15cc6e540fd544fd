"""What drives the outcome: Johnson's relative weights of the dimensions for the outcome statements.

The outcome score of a respondent is the mean of their outcome statements (``outcome: true``;
missing below half of them answered, as for a dimension). On respondents with every dimension
score and an outcome score, Johnson (2000) turns the correlated dimensions into their closest
orthogonal counterparts (``Z = X Rxx^{-1/2}``), regresses the outcome on those and splits R²
back onto the dimensions: with ``Rxx = V diag(e) Vᵀ``, ``Λ = V diag(√e) Vᵀ`` and
``β = V diag(1/√e) Vᵀ rxy``, the raw weight of dimension j is ``Σ_k Λ_jk² β_k²``. The raw weights add
up to R²; ``share`` is each one's part of R² (0..1), the "impact" the action plan uses. They track
the Shapley (general dominance) decomposition of R² closely, at the cost of one eigen-decomposition.

Intervals: the 2.5th-97.5th percentile of the shares over a seeded bootstrap of the respondents
(:data:`DRIVERS_BOOTSTRAP`: at most 1,000 resamples, the score intervals' seed). The resamples are
the first ones of the score intervals' bootstrap over *all* counted respondents, each then taking
its complete respondents (every dimension and the outcome scored), so one draw serves both. All
correlation matrices come from one matrix product: resample counts (B x n) times each complete
respondent's row of 1, centred scores and their d(d+1)/2 cross products; then one stacked
eigen-decomposition (no Python loop per resample). Shown only with at least
:data:`DRIVERS_MIN_RESPONDENTS` complete respondents: with fewer, the weights are mostly noise.
A dimension is a *focus area* when its share is above the average share (1 / dimensions) and its
score is at or below the median dimension score: low performance, high impact.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cxassess.questionnaire.model import Questionnaire
from cxassess.scoring.uncertainty import Bootstrap, bootstrap_counts, counts_product

__all__ = ["DRIVERS_BOOTSTRAP", "DRIVERS_MIN_RESPONDENTS", "key_drivers", "outcome_scores", "relative_weights"]

DRIVERS_MIN_RESPONDENTS = 30
#: resamples for the drivers' intervals: each needs an eigen-decomposition, so half the score
#: intervals' 2,000 (1,000 is the usual floor for a 95% percentile interval), same seed
DRIVERS_BOOTSTRAP = Bootstrap(resamples=1000)


def outcome_scores(matrix: np.ndarray, q: Questionnaire) -> np.ndarray:
    """Each respondent's mean over the outcome statements (scored values); NaN below half answered."""
    cols = [n for n, i in enumerate(q.items) if i.outcome]
    if not cols:
        return np.full(matrix.shape[0], np.nan)
    x = matrix[:, cols]
    answered = (~np.isnan(x)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(np.isnan(x), 0.0, x).sum(axis=1) / answered
    return np.where(answered * 2 >= len(cols), mean, np.nan)


def relative_weights(corr: np.ndarray) -> np.ndarray:
    """Raw relative weights from correlation matrices ``(..., p + 1, p + 1)``, the outcome last: ``(..., p)``."""
    p = corr.shape[-1] - 1
    rxx, rxy = corr[..., :p, :p], corr[..., :p, p]
    e, v = np.linalg.eigh(rxx)
    e = np.clip(e, 1e-12, None)
    lam = (v * np.sqrt(e)[..., None, :]) @ np.swapaxes(v, -1, -2)
    inv_half = (v / np.sqrt(e)[..., None, :]) @ np.swapaxes(v, -1, -2)
    beta = (inv_half @ rxy[..., None])[..., 0]
    result: np.ndarray = (lam**2 @ (beta**2)[..., None])[..., 0]
    return result


def _weighted_corr(counts: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Correlation matrices of the columns of ``x`` under each row of resample ``counts``: (B, c, c).

    One matrix product of the counts with, per respondent, 1, the centred columns and their
    cross products (upper triangle only); centring on the sample mean (correlation does not depend
    on it) keeps ``E[xy] - E[x] E[y]`` free of cancellation.
    """
    k = x.shape[1]
    xc = x - x.mean(axis=0)
    i, j = np.triu_indices(k)
    sums = counts_product(counts, np.hstack([np.ones((len(x), 1)), xc, xc[:, i] * xc[:, j]]))
    with np.errstate(invalid="ignore", divide="ignore"):
        moments = sums[:, 1:] / sums[:, :1]
        mean, second = moments[:, :k], moments[:, k:]
        upper = second - mean[:, i] * mean[:, j]
        cov = np.empty((len(counts), k, k))
        cov[:, i, j] = upper
        cov[:, j, i] = upper
        sd = np.sqrt(np.clip(np.diagonal(cov, axis1=1, axis2=2), 0, None))
        result: np.ndarray = cov / (sd[:, :, None] * sd[:, None, :])
    return result


def key_drivers(rscores: np.ndarray, outcome: np.ndarray, q: Questionnaire, dim_scores: np.ndarray,
                boot: Bootstrap = DRIVERS_BOOTSTRAP, counts: np.ndarray | None = None,
                ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Relative weights per dimension (raw_weight, share, low, high, score, focus) and what they rest on.

    The bootstrap resamples all rows of ``rscores`` (``counts``: at least ``boot.resamples`` rows of
    :func:`~cxassess.scoring.uncertainty.bootstrap_counts` over them, or drawn here) and each
    resample uses its complete respondents.

    Empty frame, with ``shown`` False and a ``reason``, when there is no outcome statement, fewer
    than :data:`DRIVERS_MIN_RESPONDENTS` complete respondents, or a dimension that does not vary.
    """
    info: dict[str, Any] = {"outcome_items": list(q.outcome_ids), "method": "Johnson's relative weights",
                            "resamples": boot.resamples, "seed": boot.seed,
                            "min_respondents": DRIVERS_MIN_RESPONDENTS, "shown": False, "reason": None,
                            "respondents": 0, "r2": None, "r2_low": None, "r2_high": None}
    if not q.outcome_ids:
        info["reason"] = "the questionnaire has no outcome statements"
        return pd.DataFrame(), info
    usable = ~np.isnan(rscores).all(axis=0)  # a dimension nobody could score takes no part
    dim_ids = [d for d, u in zip(q.dimension_ids, usable, strict=True) if u]
    x = np.column_stack([rscores[:, usable], outcome])
    complete = ~np.isnan(x).any(axis=1)
    x = x[complete]
    info["respondents"] = n = int(x.shape[0])
    if n < DRIVERS_MIN_RESPONDENTS:
        who = "respondent has" if n == 1 else "respondents have"
        info["reason"] = (f"only {n} {who} every dimension and the outcome scored; key drivers need "
                          f"at least {DRIVERS_MIN_RESPONDENTS}")
        return pd.DataFrame(), info
    if (x.std(axis=0) == 0).any():
        info["reason"] = "a dimension or the outcome has the same score for everybody"
        return pd.DataFrame(), info
    raw = relative_weights(np.corrcoef(x, rowvar=False))
    r2 = float(raw.sum())
    if counts is None:
        counts = bootstrap_counts(len(complete), boot.resamples, boot.seed)
    corr = _weighted_corr(counts[:boot.resamples] if complete.all() else counts[:boot.resamples, complete], x)
    valid = np.isfinite(corr).all(axis=(1, 2))
    sample_raw = relative_weights(np.where(valid[:, None, None], corr, np.eye(x.shape[1])))[valid]
    sample_r2 = sample_raw.sum(axis=1)
    tail = (1 - boot.level) / 2 * 100
    low, high = np.percentile(sample_raw / sample_r2[:, None], [tail, 100 - tail], axis=0)
    share = raw / r2
    frame = pd.DataFrame({"raw_weight": raw, "share": share, "low": low, "high": high,
                          "score": np.asarray(dim_scores)[usable]}, index=pd.Index(dim_ids, name="dimension"))
    frame["focus"] = (frame["share"] > 1 / len(raw)) & (frame["score"] <= frame["score"].median())
    r2_low, r2_high = np.percentile(sample_r2, [tail, 100 - tail])
    info.update(shown=True, r2=r2, r2_low=float(r2_low), r2_high=float(r2_high))
    return frame, info
