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
(:data:`DRIVERS_BOOTSTRAP`: 1,000 resamples, the score intervals' seed), computed in one batch
(weighted correlation matrices and a stacked eigen-decomposition; no Python loop per resample). Shown only with at least
:data:`DRIVERS_MIN_RESPONDENTS` complete respondents: with fewer, the weights are mostly noise.
A dimension is a *focus area* when its share is above the average share (1 / dimensions) and its
score is at or below the median dimension score: low performance, high impact.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cxassess.questionnaire.model import Questionnaire
from cxassess.scoring.uncertainty import Bootstrap, counts_product, resample_counts, resample_indices

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
    """Correlation matrices of the columns of ``x`` under each row of resample ``counts``: (B, c, c)."""
    n = counts.sum(axis=1)[:, None]
    k = x.shape[1]
    mean = counts_product(counts, x) / n
    products = (x[:, :, None] * x[:, None, :]).reshape(len(x), k * k)  # one row of x_i x_j per respondent
    second = (counts_product(counts, products) / n).reshape(-1, k, k)
    cov = second - mean[:, :, None] * mean[:, None, :]
    sd = np.sqrt(np.clip(np.diagonal(cov, axis1=1, axis2=2), 0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        result: np.ndarray = cov / (sd[:, :, None] * sd[:, None, :])
    return result


def key_drivers(rscores: np.ndarray, outcome: np.ndarray, q: Questionnaire, dim_scores: np.ndarray,
                boot: Bootstrap = DRIVERS_BOOTSTRAP) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Relative weights per dimension (raw_weight, share, low, high, score, focus) and what they rest on.

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
    x = x[~np.isnan(x).any(axis=1)]
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
    counts = resample_counts(resample_indices(n, boot.resamples, boot.seed), n)
    corr = _weighted_corr(counts, x)
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
