"""The statistics of issue 13 in one call, for :func:`cxassess.scoring.compute.compute_scores`.

How sure (:mod:`~cxassess.scoring.uncertainty`), whether groups may be compared and agree
(:mod:`~cxassess.scoring.agreement`), group gaps (:mod:`~cxassess.scoring.gaps`), key drivers
(:mod:`~cxassess.scoring.drivers`) and answer shares (:mod:`~cxassess.scoring.distribution`).
Group figures use the ``suppressed`` flags of the group tables only: a hidden group gets nothing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from cxassess.questionnaire.model import Questionnaire
from cxassess.scoring.agreement import ICC2_MEANINGFUL, dimension_agreement, grouping_agreement
from cxassess.scoring.distribution import answer_shares, group_answer_shares
from cxassess.scoring.drivers import DRIVERS_BOOTSTRAP, DRIVERS_MIN_RESPONDENTS, key_drivers, outcome_scores
from cxassess.scoring.gaps import FDR, group_gaps
from cxassess.scoring.matrix import mean_n_sd, weighted_overall
from cxassess.scoring.reliability import mcdonald_omegas
from cxassess.scoring.uncertainty import (
    DEFAULT_BOOTSTRAP,
    Bootstrap,
    bootstrap_counts,
    bootstrap_intervals,
    resamples_needed,
)

__all__ = ["dimension_diagnostics", "outcome_table", "statistics"]


def dimension_diagnostics(matrix: np.ndarray, q: Questionnaire) -> pd.DataFrame:
    """Per dimension over all respondents: omega, rwg(j), r*wg(j), awg (columns of ``Scores.dimensions``)."""
    frame = dimension_agreement(matrix, q)
    item_dims = np.array([i.dimension for i in q.items])
    frame.insert(0, "omega", mcdonald_omegas([matrix[:, item_dims == d] for d in q.dimension_ids]))
    return frame


def outcome_table(matrix: np.ndarray, q: Questionnaire) -> pd.DataFrame:
    """Outcome statements: text, reverse, mean, n, sd of the scored values (empty without any)."""
    cols = [n for n, i in enumerate(q.items) if i.outcome]
    mean, n, sd = mean_n_sd(matrix[:, cols])
    items = [q.items[c] for c in cols]
    return pd.DataFrame({"text": [i.text for i in items], "reverse": [i.reverse for i in items],
                         "mean": mean, "n": n, "sd": sd}, index=pd.Index([i.id for i in items], name="item"))


def statistics(matrix: np.ndarray, rs: pd.DataFrame, attrs: pd.DataFrame, groups: dict[str, pd.DataFrame],
               q: Questionnaire, dim_scores: np.ndarray, min_group_size: int,
               boot: Bootstrap = DEFAULT_BOOTSTRAP) -> dict[str, Any]:
    """The statistics fields of :class:`~cxassess.scoring.result.Scores`, by field name.

    ``matrix`` is respondents x items (scored), ``rs`` respondents x dimensions, ``attrs`` the
    respondents' attributes (same rows), ``groups`` the group tables with their ``suppressed`` flags.
    """
    rscores = rs.to_numpy()
    weights = np.array([d.weight for d in q.dimensions])
    overall = weighted_overall(rscores, weights)
    gaps, icc, within, shares = [], [], [], []
    for col, table in groups.items():
        labels = attrs[col].astype("object").where(attrs[col].notna(), "(not given)").astype(str)
        labels.name = col
        shown = [str(g) for g in table.index[~table["suppressed"].astype(bool)]]
        gaps.append(group_gaps(rs, overall, labels, shown))
        i, w = grouping_agreement(matrix, rs, overall, labels, shown, q)
        icc.append(i)
        within.append(w)
        shares.append(group_answer_shares(matrix, labels, shown, q, min_group_size))
    # one draw of resample counts for the intervals and the drivers, as many as make the bootstrap's
    # own error negligible (uncertainty.resamples_needed; the count used is written to scores.json)
    boot = replace(boot, resamples=resamples_needed(rscores, q, boot.resamples))
    counts = bootstrap_counts(rscores.shape[0], boot.resamples, boot.seed)
    drivers_boot = replace(DRIVERS_BOOTSTRAP, resamples=min(DRIVERS_BOOTSTRAP.resamples, boot.resamples),
                           seed=boot.seed)
    drivers, drivers_info = key_drivers(rscores, outcome_scores(matrix, q), q, dim_scores, drivers_boot, counts)
    return {
        "outcomes": outcome_table(matrix, q),
        "intervals": bootstrap_intervals(rscores, q, boot, counts),
        "gaps": _concat(gaps),
        "agreement": _concat(icc),
        "group_agreement": _concat(within),
        "drivers": drivers,
        "drivers_info": drivers_info,
        "distribution": answer_shares(matrix, q, min_group_size),
        "group_distribution": _concat(shares),
        "statistics": {
            "bootstrap": boot.as_dict(),
            "gaps": {"test": "Welch's t test, group against the rest of the organisation",
                     "effect_size": "Hedges' g", "adjustment": "Benjamini-Hochberg within each grouping",
                     "false_discovery_rate": FDR},
            "icc2_meaningful": ICC2_MEANINGFUL,
            "omega": "omega total, one-factor minres fit on the inter-item correlations (complete cases)",
            "drivers_min_respondents": DRIVERS_MIN_RESPONDENTS,
            "favourable": f"scored answer above the scale midpoint {(q.scale.min + q.scale.max) / 2:g}",
        },
    }


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
