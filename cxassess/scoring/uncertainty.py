"""How sure we are: a seeded bootstrap over respondents for the overall and each dimension score.

Respondents are drawn with replacement ``resamples`` times (each resample as many as were counted);
each resample's dimension scores are the means of its respondents' dimension scores and its overall
score is their dimension-weighted mean, exactly as the scores themselves are made. The 95% interval
is the 2.5th to 97.5th percentile of the resampled scores (the percentile bootstrap), ``se`` their
standard deviation, and the probability of a maturity stage the share of resamples that land in it.

Vectorised: a resample is a row of counts (how often each respondent was drawn), so all resampled
means are one matrix product ``counts @ scores``; there is no Python loop per resample. The seed is
fixed, so the same answers always give the same report.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxassess.questionnaire.model import Questionnaire
from cxassess.scoring.matrix import mean_n_sd, weighted_overall

__all__ = ["BOOTSTRAP_SEED", "DEFAULT_BOOTSTRAP", "LEVEL", "RESAMPLES", "Bootstrap", "bootstrap_intervals",
           "counts_product", "resample_counts", "resample_indices", "resampled_means", "stage_probabilities"]

RESAMPLES = 2000
BOOTSTRAP_SEED = 20260413
LEVEL = 0.95


@dataclass(frozen=True)
class Bootstrap:
    """How the intervals were made (written to ``scores.json`` under ``uncertainty``)."""

    resamples: int = RESAMPLES
    seed: int = BOOTSTRAP_SEED
    level: float = LEVEL

    def as_dict(self) -> dict[str, object]:
        """What ``scores.json`` says about the bootstrap."""
        return {"method": "percentile bootstrap over respondents", "resamples": self.resamples, "seed": self.seed,
                "level": self.level}


def resample_indices(n: int, resamples: int = RESAMPLES, seed: int = BOOTSTRAP_SEED) -> np.ndarray:
    """``resamples x n`` respondent positions drawn with replacement (the same for the same seed)."""
    return np.random.default_rng(seed).integers(0, n, size=(resamples, n))


def resample_counts(indices: np.ndarray, n: int) -> np.ndarray:
    """How often each respondent is in each resample: ``resamples x n`` counts from the index matrix."""
    b = indices.shape[0]
    flat = (indices + n * np.arange(b)[:, None]).ravel()
    return np.bincount(flat, minlength=b * n).reshape(b, n).astype(float)


def counts_product(counts: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``counts @ x``; for a survey's few respondents as a plain loop in C (einsum), since a threaded
    BLAS spends more time waking its threads than multiplying matrices this small."""
    if counts.shape[1] <= 1000:
        result: np.ndarray = np.einsum("bn,nd->bd", counts, x)
        return result
    product: np.ndarray = counts @ x
    return product


def resampled_means(counts: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``resamples x columns`` means of ``x`` (respondents x columns, NaN skipped) under each resample."""
    ok = ~np.isnan(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        result: np.ndarray = counts_product(counts, np.where(ok, x, 0.0)) / counts_product(counts, ok.astype(float))
    return result


def stage_probabilities(samples: np.ndarray, q: Questionnaire) -> np.ndarray:
    """``columns x stages``: share of the (non-missing) resampled scores in each stage."""
    mins = np.array([s.min_score for s in q.stages]) - 1e-9  # as Questionnaire.stage_for compares
    level = np.searchsorted(mins, samples, side="right") - 1  # -1: below the first stage (never on a valid scale)
    ok = ~np.isnan(samples)
    counts = np.stack([((level == k) & ok).sum(axis=0) for k in range(len(q.stages))], axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        result: np.ndarray = counts / ok.sum(axis=0)[:, None]
    return result


DEFAULT_BOOTSTRAP = Bootstrap()


def bootstrap_intervals(rscores: np.ndarray, q: Questionnaire, boot: Bootstrap = DEFAULT_BOOTSTRAP) -> pd.DataFrame:
    """Index ``overall`` + dimension ids: score, low, high, se, and ``stage_<id>`` probabilities.

    ``rscores`` is respondents x dimensions (NaN where a respondent has no dimension score).
    """
    n = rscores.shape[0]
    weights = np.array([d.weight for d in q.dimensions])
    counts = resample_counts(resample_indices(n, boot.resamples, boot.seed), n)
    dims = resampled_means(counts, rscores)
    samples = np.column_stack([weighted_overall(dims, weights), dims])
    mean = mean_n_sd(rscores)[0]
    point = np.concatenate([weighted_overall(mean[None, :], weights), mean])
    tail = (1 - boot.level) / 2 * 100
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a dimension nobody scored: NaN, quietly
        low, high = _percentiles(samples, [tail, 100 - tail])
        se = np.nanstd(samples, axis=0, ddof=1)
    frame = pd.DataFrame({"score": point, "low": low, "high": high, "se": se},
                         index=pd.Index(["overall", *q.dimension_ids], name="dimension"))
    probs = stage_probabilities(samples, q)
    for k, stage in enumerate(q.stages):
        frame[f"stage_{stage.id}"] = probs[:, k]
    return frame


def _percentiles(samples: np.ndarray, q: list[float]) -> np.ndarray:
    """Column percentiles skipping NaN; ``np.percentile`` (fast) on the columns without any NaN."""
    out = np.percentile(samples, q, axis=0)
    holes = np.isnan(samples).any(axis=0)
    if holes.any():
        out[:, holes] = np.nanpercentile(samples[:, holes], q, axis=0)
    result: np.ndarray = out
    return result
