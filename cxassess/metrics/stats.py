"""The statistics of the customer measures: pure functions on counts and answers, checkable by hand.

Definitions and interval methods (all intervals at 95%, ``z = 1.959964``):

- **NPS**, answers 0..10: promoters answer 9-10, passives 7-8, detractors 0-6;
  ``NPS = 100 * (P - D) / n`` (-100..100, percent points). Interval: the *adjusted Wald* interval
  for a difference of two multinomial proportions (Rocks 2016, "Interval estimation for the Net
  Promoter Score")::

      n' = n + 3,  p' = (P + 3/4) / n',  d' = (D + 3/4) / n'
      var = (p' + d' - (p' - d')^2) / n'            # Var(p - d) of one multinomial draw
      CI  = 100 * ((p' - d') -/+ z * sqrt(var)), clipped to [-100, 100]

  The 3 pseudo-answers keep the interval honest for small groups and for groups of all promoters,
  where the plain Wald interval would have zero width. Because the interval is centred on the
  adjusted estimate, it is widened to take in the observed score when it would not (only at n = 1).
- **CSAT**, answers 1..5: the top-2-box share, % answering 4 or 5, with the *Wilson score*
  interval (good coverage for small n and shares near 0 or 100%)::

      p = k / n,  centre = (p + z^2 / 2n) / (1 + z^2 / n)
      half = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / 4n^2)

  plus the mean of the 1..5 answers.
- **CES**, answers 1..7 (7 = very easy to handle): the mean with a *Student t* interval
  ``mean -/+ t(0.975, n - 1) * s / sqrt(n)`` (``s`` the sample standard deviation), and the share
  answering 5-7 ("easy").
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from cxassess.metrics.results import CESResult, CSATResult, NPSResult

__all__ = ["COMPUTE", "HEADLINE", "Z95", "ces_from_values", "csat_from_values", "nps_from_counts", "nps_from_values",
           "t_interval", "wilson_interval"]

Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal distribution

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


def nps_from_counts(promoters: int, passives: int, detractors: int, unanswered: int = 0) -> NPSResult:
    """NPS, shares and the adjusted-Wald interval from the three counts (see the module docstring)."""
    n = promoters + passives + detractors
    if n == 0:
        return NPSResult(None, 0, 0, 0, None, None, None, 0, unanswered, None, None)
    p, d = promoters / n, detractors / n
    n_adj = n + 3
    p_adj, d_adj = (promoters + 0.75) / n_adj, (detractors + 0.75) / n_adj
    centre = p_adj - d_adj
    half = Z95 * math.sqrt((p_adj + d_adj - centre**2) / n_adj)
    return NPSResult(
        score=100 * (p - d), promoters=promoters, passives=passives, detractors=detractors,
        promoters_pct=100 * p, passives_pct=100 * passives / n, detractors_pct=100 * d,
        n=n, unanswered=unanswered,
        ci_low=max(-100.0, min(100 * (p - d), 100 * (centre - half))),
        ci_high=min(100.0, max(100 * (p - d), 100 * (centre + half))),
    )


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion, as fractions 0..1."""
    if n <= 0:
        raise ValueError("the Wilson interval needs n >= 1")
    p = successes / n
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return max(0.0, centre - half), min(1.0, centre + half)


def t_interval(values: FloatArray, level: float = 0.95) -> tuple[float, float] | tuple[None, None]:
    """Student t interval for the mean of ``values``; (None, None) with fewer than two values."""
    from scipy.special import stdtrit  # the t quantile; lighter to import than scipy.stats

    n = len(values)
    if n < 2:
        return None, None
    mean = float(np.mean(values))
    half = float(stdtrit(n - 1, 0.5 + level / 2)) * float(np.std(values, ddof=1)) / math.sqrt(n)
    return mean - half, mean + half


def csat_from_values(values: FloatArray, unanswered: int = 0) -> CSATResult:
    """CSAT from valid 1..5 answers."""
    n = len(values)
    if n == 0:
        return CSATResult(None, None, 0, unanswered, None, None)
    top2 = int(np.sum(values >= 4))
    low, high = wilson_interval(top2, n)
    return CSATResult(100 * top2 / n, float(np.mean(values)), n, unanswered, 100 * low, 100 * high)


def ces_from_values(values: FloatArray, unanswered: int = 0) -> CESResult:
    """CES from valid 1..7 answers."""
    n = len(values)
    if n == 0:
        return CESResult(None, None, 0, unanswered, None, None)
    low, high = t_interval(values)
    return CESResult(float(np.mean(values)), 100 * int(np.sum(values >= 5)) / n, n, unanswered, low, high)


def nps_from_values(values: FloatArray, unanswered: int = 0) -> NPSResult:
    """NPS from valid 0..10 answers."""
    return nps_from_counts(int(np.sum(values >= 9)), int(np.sum((values >= 7) & (values <= 8))),
                           int(np.sum(values <= 6)), unanswered)


COMPUTE: dict[str, Any] = {"nps": nps_from_values, "csat": csat_from_values, "ces": ces_from_values}
HEADLINE = {"nps": "score", "csat": "top2_pct", "ces": "mean"}
