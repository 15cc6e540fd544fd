"""Reliability and agreement: Cronbach's alpha, McDonald's omega, ``rwg`` and the low-consensus flag.

Alpha is computed on complete cases; ``rwg = 1 - sd^2 / ((A^2 - 1) / 12)`` clamped to 0..1 for an
``A``-point scale; a dimension has low consensus when its sd is at least :data:`LOW_CONSENSUS_SD`.

Omega is McDonald's omega total of a one-factor model: loadings ``λ`` fitted by minres (unweighted
least squares on the off-diagonal of the inter-item correlation matrix of complete cases, as
``psych::fa(fm="minres")`` does; solved by iterated principal axes), uniquenesses ``ψ = 1 - λ²``, and
``ω = (Σλ)² / ((Σλ)² + Σψ)``: the reliability of the standardised item sum. Unlike alpha it does not
assume every item loads equally (tau-equivalence). Fitted here with numpy/scipy (no new dependency).
"""

from __future__ import annotations

import numpy as np

__all__ = ["LOW_CONSENSUS_SD", "cronbach_alpha", "mcdonald_omega", "mcdonald_omegas", "omega_from_loadings",
           "one_factor_loadings", "rwg"]

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


def one_factor_loadings(r: np.ndarray, tol: float = 1e-8, max_iter: int = 2000) -> np.ndarray:
    """Minres loadings of one factor for a correlation matrix ``r`` (or a stack ``(m, k, k)`` of them):
    ``argmin Σ_{i≠j} (r_ij - λ_i λ_j)²``.

    Solved by iterated principal axes: put the communalities ``λ²`` on the diagonal, take the first
    eigenvector scaled by the root of its eigenvalue, repeat; its fixed point is the least-squares
    (minres) solution. Communalities are kept at most 1 (no Heywood case); loadings are signed
    so that their sum is positive. A stack is solved together (one batched eigh per step), each matrix
    leaving the stack when it has converged: its loadings are those it has fitted alone, and the steps
    left cost only what the matrices still moving need (items that share no factor converge slowly).
    """
    stack = np.asarray(r, dtype=float)
    single = stack.ndim == 2
    work = stack[None].copy(order="C") if single else stack.copy(order="C")  # C order: the diagonal view below
    k = work.shape[-1]
    h = np.clip(1 - 1 / np.diagonal(np.linalg.pinv(work), axis1=-2, axis2=-1), 0.0, 1.0)  # squared multiple r
    lam = np.sqrt(h)
    fitted = lam.copy()
    moving = np.arange(len(work))  # the matrices of the stack not converged yet
    diagonal = work.reshape(len(work), k * k)[:, ::k + 1]  # a view: the communalities are written through it
    size = np.abs(lam)
    for _ in range(max_iter):  # a step costs ~17 µs, half of it eigh: the rest is written with few temporaries
        np.minimum(h, 1.0, out=diagonal)  # h = λ² is never negative
        values, vectors = np.linalg.eigh(work)
        new = vectors[..., -1] * np.sqrt(np.maximum(values[:, -1:], 0.0))
        new_size = np.abs(new)
        done = np.abs(new_size - size).max(axis=-1) < tol
        lam, h, size = new, new * new, new_size
        if done.any():
            fitted[moving[done]] = new[done]
            going = ~done
            moving, work, lam, h, size = moving[going], work[going], lam[going], h[going], size[going]
            diagonal = work.reshape(len(work), k * k)[:, ::k + 1]
            if not len(moving):
                break
    fitted[moving] = lam  # those still moving after max_iter steps: their last step
    lam = np.where(fitted.sum(axis=-1, keepdims=True) < 0, -fitted, fitted)
    result: np.ndarray = lam[0] if single else lam
    return result


def omega_from_loadings(lam: np.ndarray) -> np.ndarray | float:
    """``(Σλ)² / ((Σλ)² + Σ(1 - λ²))`` over the last axis."""
    common = lam.sum(axis=-1) ** 2
    return common / (common + (1 - lam**2).sum(axis=-1))  # type: ignore[no-any-return]


def _omega_corr(x: np.ndarray) -> np.ndarray | None:
    """The inter-item correlations omega is fitted on (complete cases), or None when it is not defined."""
    k = x.shape[1]
    complete = x[~np.isnan(x).any(axis=1)]
    if k < 3 or complete.shape[0] < 3 or (complete.std(axis=0) == 0).any():
        return None
    result: np.ndarray = np.corrcoef(complete, rowvar=False)
    return result


def mcdonald_omega(x: np.ndarray) -> float:
    """Omega total of a one-factor minres model on the items (columns) of ``x``, complete cases only.

    NaN with fewer than 3 items (one factor is not identified from two), fewer than 3 complete
    cases, or an item that does not vary.
    """
    r = _omega_corr(x)
    return float("nan") if r is None else float(omega_from_loadings(one_factor_loadings(r)))


def mcdonald_omegas(blocks: list[np.ndarray]) -> list[float]:
    """:func:`mcdonald_omega` of several item blocks, those with the same number of items fitted together."""
    corrs = [_omega_corr(x) for x in blocks]
    out = [float("nan")] * len(blocks)
    sizes = {c.shape[0] for c in corrs if c is not None}
    for size in sizes:
        which = [n for n, c in enumerate(corrs) if c is not None and c.shape[0] == size]
        stacked = np.array([corrs[n] for n in which])
        for n, w in zip(which, np.atleast_1d(omega_from_loadings(one_factor_loadings(stacked))), strict=True):
            out[n] = float(w)
    return out
