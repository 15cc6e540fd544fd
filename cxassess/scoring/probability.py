"""Student's t and F distributions for the gap and ICC tests, in numpy: scoring imports no scipy.

``scipy.special`` takes about 0.1 s to import (its array-API layer loads ``numpy.f2py`` and
``numpy.testing``), a tenth of the one second that scoring a million answers from the command line
may take; the tests need three functions of one special function, written out here:

* :func:`betainc`, the regularised incomplete beta function ``I_x(a, b)``, by its continued fraction
  (modified Lentz; the symmetry ``I_x(a, b) = 1 - I_{1-x}(b, a)`` keeps it on the side where the
  fraction converges fast), with ``1 - x`` passed in exactly so that no tail is lost to rounding;
* Student's t: :func:`t_two_sided` ``P(|T| > |t|) = I_{df/(df+t²)}(df/2, 1/2)`` and its quantile
  :func:`t_quantile` (Newton's method on the upper tail, which is convex: from a start below the
  root it never overshoots);
* the F distribution's upper tail :func:`f_sf`, ``I_{d2/(d2+d1 f)}(d2/2, d1/2)``.

They agree with scipy's to about 1e-12 relative (``tests/test_probability.py`` compares them over
the range of sizes a survey gives); ``scores.json`` rounds to 6 decimals.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["betainc", "f_sf", "t_quantile", "t_two_sided"]

_EPS = 1e-15
_TINY = 1e-300
_MAX_STEPS = 10_000
_BLOCK = 8

Array = np.ndarray[Any, np.dtype[np.float64]]


def _lgamma(v: Array) -> Array:
    return np.array([math.lgamma(float(x)) for x in v.ravel()], dtype=float).reshape(v.shape)


def _stirling_correction(x: Array) -> Array:
    """``lgamma(x) - ((x - 1/2) ln x - x + ln(2 pi) / 2)`` for ``x >= 15`` (its asymptotic series)."""
    r = 1.0 / (x * x)
    result: Array = (1 / 12 - r * (1 / 360 - r * (1 / 1260 - r / 1680))) / x
    return result


def _lbeta(a: Array, b: Array) -> Array:
    """``ln B(a, b)``; for a large argument by Stirling's series of ``lgamma(big) - lgamma(big + small)``,
    which subtracts no two large numbers (``lgamma`` of 12,500 is ~105,000: subtracting two such values
    would leave ~1e-11 of their rounding in every tail probability)."""
    big, small = np.maximum(a, b), np.minimum(a, b)
    out = _lgamma(a) + _lgamma(b) - _lgamma(a + b)
    large = big >= 15
    if large.any():
        x, y = big[large], small[large]
        diff = (-(x - 0.5) * np.log1p(y / x) - y * np.log(x + y) + y
                + _stirling_correction(x) - _stirling_correction(x + y))
        out[large] = _lgamma(y) + diff
    return out


def _fraction(a: Array, b: Array, x: Array, guard: bool = False) -> Array:
    """The continued fraction of ``I_x(a, b)`` (Numerical Recipes' betacf, modified Lentz), element-wise.

    The coefficients come a block of steps at a time as arrays, so a step is seven array operations
    per half (a survey's few hundred tests cost about a millisecond); ``guard`` keeps the divisors off
    zero as betacf does, and is used only for the rare elements that came out not finite without it.
    """
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = np.ones_like(x)
    d = 1.0 - qab * x / qap
    d = 1.0 / (np.where(np.abs(d) < _TINY, _TINY, d) if guard else d)
    h = d.copy()
    going = np.ones(x.shape, dtype=bool)  # an element stops at its first step within _EPS of 1, as betacf does
    for first in range(1, _MAX_STEPS + 1, _BLOCK):
        m = np.arange(first, first + _BLOCK, dtype=float)[:, None]
        m2 = 2.0 * m
        odd = m * (b - m) * x / ((qam + m2) * (a + m2))
        even = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        for k in range(_BLOCK):
            for aa in (odd[k], even[k]):
                d = 1.0 + aa * d
                c = 1.0 + aa / c
                if guard:
                    d = np.where(np.abs(d) < _TINY, _TINY, d)
                    c = np.where(np.abs(c) < _TINY, _TINY, c)
                d = 1.0 / d
                step = d * c
                h = np.where(going, h * step, h)
            going &= np.abs(step - 1.0) > _EPS  # NaN stops too: the guarded run redoes it
        if not going.any():
            break
    return h


def betainc(a: Any, b: Any, x: Any, y: Any = None) -> Array:
    """Regularised incomplete beta ``I_x(a, b)`` for ``a, b > 0`` and ``0 <= x <= 1``; ``y`` is ``1 - x``
    when the caller knows it more exactly than by subtracting. Broadcasts; NaN in, NaN out."""
    a, b, x = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float), np.asarray(x, dtype=float))
    y = 1.0 - x if y is None else np.broadcast_to(np.asarray(y, dtype=float), x.shape)
    out = np.full(x.shape, np.nan)
    inside = (x > 0) & (y > 0) & (a > 0) & (b > 0)
    out[(x <= 0) & (y >= 1)] = 0.0
    out[(y <= 0) & (x >= 1)] = 1.0
    if not inside.any():
        return out
    a, b, x, y = a[inside], b[inside], x[inside], y[inside]
    swap = x > (a + 1.0) / (a + b + 2.0)  # the fraction converges fast below the mean; above it, by symmetry
    a_, b_ = np.where(swap, b, a), np.where(swap, a, b)
    x_, y_ = np.where(swap, y, x), np.where(swap, x, y)
    # ln x as log1p(-y) near 1: b ln x with b ~ 12,500 would multiply the rounding of x itself
    with np.errstate(divide="ignore"):  # the branch not taken may be log(0)
        log_x = np.where(x_ > 0.5, np.log1p(-y_), np.log(x_))
        log_y = np.where(y_ > 0.5, np.log1p(-x_), np.log(y_))
    log_front = a_ * log_x + b_ * log_y - _lbeta(a_, b_)
    with np.errstate(all="ignore"):
        fraction = _fraction(a_, b_, x_)
    odd = ~np.isfinite(fraction)
    if odd.any():  # a divisor met zero: again, with betacf's guard, for those only
        fraction[odd] = _fraction(a_[odd], b_[odd], x_[odd], guard=True)
    part = np.exp(log_front) * fraction / a_
    out[inside] = np.where(swap, 1.0 - part, part)
    return out


def t_two_sided(df: Any, t: Any) -> Array:
    """``P(|T| >= |t|)`` for Student's t with ``df`` degrees of freedom (any positive real)."""
    df, t = np.broadcast_arrays(np.asarray(df, dtype=float), np.asarray(t, dtype=float))
    t2 = t * t
    return betainc(df / 2.0, 0.5, df / (df + t2), t2 / (df + t2))


def _t_density(df: Array, t: Array) -> Array:
    log_c = _lgamma((df + 1.0) / 2.0) - _lgamma(df / 2.0) - 0.5 * np.log(df * math.pi)
    result: Array = np.exp(log_c - (df + 1.0) / 2.0 * np.log1p(t * t / df))
    return result


def t_quantile(df: Any, p: float) -> Array:
    """The ``p`` quantile of Student's t (``0.5 < p < 1``), per element of ``df``.

    Newton's method on the upper tail ``P(T > t) = 1 - p``, from the Cornish-Fisher expansion in
    ``1/df`` (Abramowitz and Stegun 26.7.5), kept at or above the normal quantile, which lies below
    every t quantile: the tail is convex there, so a step never overshoots into the other tail. It
    stops after a step below 1e-6 of the quantile: Newton's error after it is about the square of
    that step (times ``t``), ~1e-12, as close as the tail's own rounding allows.
    """
    shape = np.shape(df)
    df = np.asarray(df, dtype=float).ravel()
    tail = 1.0 - p
    z = _normal_quantile(p)
    v = 1.0 / df
    start = z + v * ((z**3 + z) / 4 + v * ((5 * z**5 + 16 * z**3 + 3 * z) / 96 + v * (
        (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384 + v * (
            79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160)))
    t = np.maximum(start, z)
    going = np.ones(df.shape, dtype=bool)
    for _ in range(100):
        at = np.flatnonzero(going)
        step = (t_two_sided(df[at], t[at]) / 2.0 - tail) / _t_density(df[at], t[at])
        t[at] = np.maximum(t[at] + step, z)
        going[at[~(np.abs(step) > 1e-6 * t[at])]] = False  # converging quadratically: the next step is ~1e-12
        if not going.any():
            break
    result: Array = t.reshape(shape)
    return result


def _normal_quantile(p: float) -> float:
    """The standard normal quantile, by bisection on ``erfc`` (called once per interval level)."""
    lo, hi = 0.0, 40.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if 0.5 * math.erfc(mid / math.sqrt(2)) > 1 - p:
            lo = mid
        else:
            hi = mid
    return lo


def f_sf(d1: Any, d2: Any, f: Any) -> Array:
    """``P(F > f)`` for the F distribution with ``d1, d2`` degrees of freedom (``f >= 0``)."""
    d1, d2, f = np.broadcast_arrays(np.asarray(d1, dtype=float), np.asarray(d2, dtype=float),
                                    np.asarray(f, dtype=float))
    scaled = d1 * f
    return betainc(d2 / 2.0, d1 / 2.0, d2 / (d2 + scaled), scaled / (d2 + scaled))
