"""Reliability and agreement: Cronbach's alpha, within-group agreement ``rwg`` and the low-consensus flag.

Alpha is computed on complete cases; ``rwg = 1 - sd^2 / ((A^2 - 1) / 12)`` clamped to 0..1 for an
``A``-point scale; a dimension has low consensus when its sd is at least :data:`LOW_CONSENSUS_SD`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["LOW_CONSENSUS_SD", "cronbach_alpha", "rwg"]

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
