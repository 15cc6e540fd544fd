"""Reliability and agreement: Cronbach's alpha, McDonald's omega, ``rwg`` and the low-consensus flag.

Alpha is computed on complete cases; ``rwg = 1 - sd^2 / ((A^2 - 1) / 12)`` clamped to 0..1 for an
``A``-point scale; a dimension has low consensus when its sd is at least :data:`LOW_CONSENSUS_SD`.

Omega is McDonald's omega total of a one-factor model: loadings ``λ`` fitted by minres (unweighted
least squares on the off-diagonal of the inter-item correlation matrix of complete cases, as
``psych::omega``/``fa(fm="minres")`` do), uniquenesses ``ψ = 1 - λ²``, and
``ω = (Σλ)² / ((Σλ)² + Σψ)``: the reliability of the standardised item sum. Unlike alpha it does not
assume every item loads equally (tau-equivalence). Fitted here with numpy/scipy (no new dependency).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

__all__ = ["LOW_CONSENSUS_SD", "cronbach_alpha", "mcdonald_omega", "one_factor_loadings", "rwg"]

LOW_CONSENSUS_SD = 1.0


def cronbach_alpha(x: np.ndarray) -> float:
    """Alpha on respondents who answered every item (rows of ``x``); NaN when it is not defined."""
    k = x.shape[1]
    complete = x[~np.isnan(x).any(axis=1)]
    if k < 2 or complete.shape[0] < 3:
        return float("nan")
    total_var = complete.sum(axis=1).var(ddof=1)
    if total_var <= 0:
        return float("nan")
    return float(k / (k - 1) * (1 - complete.var(axis=0, ddof=1).sum() / total_var))


def rwg(sd: np.ndarray | float, points: int) -> np.ndarray:
    """Within-group agreement ``1 - sd^2 / ((A^2 - 1) / 12)``, clamped to 0..1 (NaN when sd is)."""
    expected = (points**2 - 1) / 12
    return np.clip(1 - np.asarray(sd, dtype=float) ** 2 / expected, 0.0, 1.0)


def one_factor_loadings(r: np.ndarray) -> np.ndarray:
    """Minres loadings of one factor for the correlation matrix ``r``: ``argmin Σ_{i≠j} (r_ij - λ_i λ_j)²``.

    Started from the first principal axis; loadings are kept within -1..1 (no Heywood case) and
    signed so that their sum is positive.
    """
    k = r.shape[0]
    off = ~np.eye(k, dtype=bool)
    values, vectors = np.linalg.eigh(r)
    start = np.clip(vectors[:, -1] * np.sqrt(max(values[-1], 0.0)), -0.99, 0.99)

    def loss(lam: np.ndarray) -> tuple[float, np.ndarray]:
        resid = np.where(off, r - np.outer(lam, lam), 0.0)
        return float((resid**2).sum()), -4 * resid @ lam

    fit = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=[(-1.0, 1.0)] * k,
                   options={"ftol": 1e-14, "gtol": 1e-10, "maxiter": 500})
    lam: np.ndarray = fit.x
    return -lam if lam.sum() < 0 else lam


def mcdonald_omega(x: np.ndarray) -> float:
    """Omega total of a one-factor minres model on the items (columns) of ``x``, complete cases only.

    NaN with fewer than 3 items (one factor is not identified from two), fewer than 3 complete
    cases, or an item that does not vary.
    """
    k = x.shape[1]
    complete = x[~np.isnan(x).any(axis=1)]
    if k < 3 or complete.shape[0] < 3 or (complete.std(axis=0) == 0).any():
        return float("nan")
    lam = one_factor_loadings(np.corrcoef(complete, rowvar=False))
    common = lam.sum() ** 2
    return float(common / (common + (1 - lam**2).sum()))
