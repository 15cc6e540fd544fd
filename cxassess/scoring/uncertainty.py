"""How sure we are: a seeded bootstrap over respondents for the overall and each dimension score.

Respondents are drawn with replacement ``resamples`` times (each resample as many as were counted);
each resample's dimension scores are the means of its respondents' dimension scores and its overall
score is their dimension-weighted mean, exactly as the scores themselves are made. The 95% interval
is the 2.5th to 97.5th percentile of the resampled scores (the percentile bootstrap), ``se`` their
standard deviation, and the probability of a maturity stage the share of resamples that land in it.

Vectorised: a resample is a row of counts (how often each respondent was drawn), so all resampled
means are one matrix product ``counts @ scores``. Resample ``b`` is row ``b`` of
``default_rng(seed).integers(0, n, size=(resamples, n))`` (drawn in chunks of rows, which gives the
same stream), tallied row by row with ``np.bincount``. The seed is fixed, so the same answers always
give the same report.

How many resamples (:func:`resamples_needed`): at most :data:`RESAMPLES` (2,000), fewer when the
bootstrap's own Monte Carlo error is already negligible. The Monte Carlo standard error of a 2.5%
(97.5%) percentile from B resamples is about ``sqrt(0.025 * 0.975) / phi(1.96) * se / sqrt(B)``
= ``2.67 se / sqrt(B)`` for a score with bootstrap standard error ``se`` (about ``sd / sqrt(n)``):
B is the smallest count that keeps it under :data:`MC_TOLERANCE` (0.001 points, a tenth of the
report's last decimal) for the overall and every dimension score, at least :data:`MIN_RESAMPLES`.
Stage probabilities get all 2,000 resamples whenever a score lies within :data:`STAGE_MARGIN` (4)
standard errors of a stage threshold; farther away every resample lands in the same stage. So a
survey of tens of respondents keeps 2,000 resamples and 25,000 respondents need a few hundred;
``scores.json`` records the count used (``uncertainty.resamples``) and the rule.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxassess.questionnaire.model import Questionnaire
from cxassess.scoring.matrix import mean_n_sd, weighted_overall

__all__ = ["BOOTSTRAP_SEED", "DEFAULT_BOOTSTRAP", "LEVEL", "MC_TOLERANCE", "MIN_RESAMPLES", "RESAMPLES", "STAGE_MARGIN",
           "Bootstrap", "bootstrap_counts", "bootstrap_intervals", "counts_product", "resample_counts",
           "resample_indices", "resampled_means", "resamples_needed", "stage_probabilities"]

RESAMPLES = 2000
BOOTSTRAP_SEED = 20260413
LEVEL = 0.95
#: fewest resamples ever used, and the Monte Carlo error (points) allowed on an interval end
MIN_RESAMPLES = 200
MC_TOLERANCE = 0.001
#: a score this many standard errors from a stage threshold gets every resample (its stage probabilities)
STAGE_MARGIN = 4.0
#: Monte Carlo standard error of the 2.5th percentile, in bootstrap standard errors, times sqrt(B)
_MC_FACTOR = math.sqrt(0.025 * 0.975) / (math.exp(-1.959964**2 / 2) / math.sqrt(2 * math.pi))
#: index entries drawn at once (memory), and matrix products below this many multiply-adds per call
#: are cut into pieces OpenBLAS runs on one thread (waking threads costs more than such a product)
_CHUNK_ENTRIES = 1 << 22
_ONE_THREAD_WORK = 1 << 18
_THREADED_WORK = 1 << 26


@dataclass(frozen=True)
class Bootstrap:
    """How the intervals were made (written to ``scores.json`` under ``uncertainty``)."""

    resamples: int = RESAMPLES
    seed: int = BOOTSTRAP_SEED
    level: float = LEVEL

    def as_dict(self) -> dict[str, object]:
        """What ``scores.json`` says about the bootstrap."""
        return {"method": "percentile bootstrap over respondents", "resamples": self.resamples, "seed": self.seed,
                "level": self.level, "max_resamples": RESAMPLES, "min_resamples": MIN_RESAMPLES,
                "resamples_rule": (f"fewest resamples (at least {MIN_RESAMPLES}, at most {RESAMPLES}) keeping the "
                                   f"Monte Carlo error of every interval end under {MC_TOLERANCE:g} points; all "
                                   f"{RESAMPLES} when a score is within {STAGE_MARGIN:g} standard errors of a "
                                   "stage threshold")}


def resample_indices(n: int, resamples: int = RESAMPLES, seed: int = BOOTSTRAP_SEED) -> np.ndarray:
    """``resamples x n`` respondent positions drawn with replacement (the same for the same seed)."""
    return np.random.default_rng(seed).integers(0, n, size=(resamples, n))


def resample_counts(indices: np.ndarray, n: int) -> np.ndarray:
    """How often each respondent is in each resample: ``resamples x n`` counts from the index matrix."""
    b = indices.shape[0]
    flat = (indices + n * np.arange(b)[:, None]).ravel()
    return np.bincount(flat, minlength=b * n).reshape(b, n).astype(float)


def bootstrap_counts(n: int, resamples: int = RESAMPLES, seed: int = BOOTSTRAP_SEED) -> np.ndarray:
    """``resamples x n`` counts: row b tallies row b of :func:`resample_indices` (same seed, same counts).

    Drawn a chunk of rows at a time (the generator's stream does not depend on the chunks) and
    tallied per row with ``np.bincount``, so no ``resamples x n`` index matrix is ever held.
    """
    out = np.empty((resamples, n))
    if n == 0 or resamples == 0:
        return out
    rng = np.random.default_rng(seed)
    chunk = max(1, _CHUNK_ENTRIES // n)
    for start in range(0, resamples, chunk):
        idx = rng.integers(0, n, size=(min(chunk, resamples - start), n))
        if n < 1000:  # few respondents: one bincount over the chunk beats a call per row
            out[start:start + len(idx)] = resample_counts(idx, n)
        else:
            for r, row in enumerate(idx):
                out[start + r] = np.bincount(row, minlength=n)
    return out


def counts_product(counts: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``counts @ x`` by BLAS: one threaded product when it is big, else in pieces of rows small enough
    that OpenBLAS keeps them on one thread (waking threads costs more than multiplying a survey's
    few respondents, above all on a loaded machine)."""
    b, n = counts.shape
    work = b * n * max(x.shape[1], 1)
    if work >= _THREADED_WORK or b <= 1:
        product: np.ndarray = counts @ x
        return product
    rows = max(1, _ONE_THREAD_WORK // (n * max(x.shape[1], 1)))
    out = np.empty((b, x.shape[1]))
    for start in range(0, b, rows):
        np.matmul(counts[start:start + rows], x, out=out[start:start + rows])
    return out


def resampled_means(counts: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``resamples x columns`` means of ``x`` (respondents x columns, NaN skipped) under each resample:
    sums and counts of the columns in one matrix product."""
    ok = ~np.isnan(x)
    k = x.shape[1]
    sums = counts_product(counts, np.hstack([np.where(ok, x, 0.0), ok.astype(float)]))
    with np.errstate(invalid="ignore", divide="ignore"):
        result: np.ndarray = sums[:, :k] / sums[:, k:]
    return result


def resamples_needed(rscores: np.ndarray, q: Questionnaire, most: int = RESAMPLES) -> int:
    """How many resamples make the bootstrap's own error negligible (module docstring), at most ``most``."""
    n = rscores.shape[0]
    weights = np.array([d.weight for d in q.dimensions])
    mean, count, sd = mean_n_sd(np.column_stack([weighted_overall(rscores, weights), rscores]))
    has = count > 0
    if n < 2 or (count[has] < 2).any():
        return most
    se = sd[has] / np.sqrt(count[has])
    thresholds = np.array([s.min_score for s in q.stages[1:]])
    if thresholds.size and (np.abs(mean[has][:, None] - thresholds[None, :]) < STAGE_MARGIN * se[:, None]).any():
        return most
    need = math.ceil((_MC_FACTOR * float(se.max(initial=0.0)) / MC_TOLERANCE) ** 2)
    return int(min(most, max(MIN_RESAMPLES, need)))


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


def bootstrap_intervals(rscores: np.ndarray, q: Questionnaire, boot: Bootstrap = DEFAULT_BOOTSTRAP,
                        counts: np.ndarray | None = None) -> pd.DataFrame:
    """Index ``overall`` + dimension ids: score, low, high, se, and ``stage_<id>`` probabilities.

    ``rscores`` is respondents x dimensions (NaN where a respondent has no dimension score); exactly
    ``boot.resamples`` resamples (``counts``, when given, is :func:`bootstrap_counts` of them).
    """
    n = rscores.shape[0]
    weights = np.array([d.weight for d in q.dimensions])
    if counts is None:
        counts = bootstrap_counts(n, boot.resamples, boot.seed)
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
