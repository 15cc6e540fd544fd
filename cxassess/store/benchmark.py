"""Portfolio benchmark: where a client stands, per dimension, among the other clients' latest waves.

The percentile is the share of the other clients' scores below the client's, ties counted half:
``100 * (below + equal / 2) / contributors``. Only the other clients' latest waves of the same
questionnaire (by id) count, optionally of the same sector, and each only where its dimension
score stood on at least ``min_group_size`` people. No percentile is given for a dimension with
fewer than :data:`MIN_CONTRIBUTORS` contributing clients, and nothing about any other client
(name, score) ever leaves this module: only the percentile and how many contributed.

All the figures come from one query over each client's latest assessment (the ``ix_assessments_latest``
index answers "is there a later one?"), so a report's benchmark takes milliseconds with a
thousand clients in the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select

from cxassess.scoring import MIN_GROUP_SIZE
from cxassess.store.database import Store
from cxassess.store.schema import assessments, clients, scores
from cxassess.store.waves import client_key

__all__ = ["MIN_CONTRIBUTORS", "Benchmark", "Position", "benchmark", "percentile"]

MIN_CONTRIBUTORS = 5
"""The fewest other clients a benchmark is shown against (the ODI Pathway's rule of five)."""


def percentile(value: float, others: np.ndarray) -> float:
    """Mid-rank percentile of ``value`` among ``others``: below count whole, ties half."""
    below = int(np.count_nonzero(others < value))
    equal = int(np.count_nonzero(others == value))
    return 100.0 * (below + equal / 2) / len(others)


@dataclass(frozen=True)
class Position:
    """One dimension: the client's percentile (None when not shown) and how many clients contributed."""

    dimension: str
    name: str
    score: float | None
    percentile: float | None
    contributors: int
    shown: bool
    reason: str = ""


@dataclass
class Benchmark:
    """The client's position per dimension; ``contributors`` is the number of other clients in the comparison."""

    questionnaire: str
    sector: str | None
    contributors: int
    positions: list[Position] = field(default_factory=list)
    min_contributors: int = MIN_CONTRIBUTORS

    @property
    def shown(self) -> bool:
        return any(p.shown for p in self.positions)

    def to_dict(self) -> dict[str, Any]:
        return {"questionnaire": self.questionnaire, "sector": self.sector, "contributors": self.contributors,
                "min_contributors": self.min_contributors,
                "method": "percentile among other clients' latest waves: share below, ties counted half",
                "dimensions": {p.dimension: {k: v for k, v in asdict(p).items() if k != "dimension"}
                               for p in self.positions}}


def _latest_scores(store: Store, questionnaire_id: str, sector: str | None, exclude_key: str) -> Any:
    """One query: every other client's latest wave of this questionnaire, one row per dimension score."""
    newer = assessments.alias("newer")
    later = (select(newer.c.id).where(newer.c.client_id == assessments.c.client_id)
             .where((newer.c.assessed_on > assessments.c.assessed_on)
                    | ((newer.c.assessed_on == assessments.c.assessed_on) & (newer.c.id > assessments.c.id))))
    query = (select(assessments.c.client_id, scores.c.dimension_id, scores.c.score, scores.c.n)
             .join(clients, clients.c.id == assessments.c.client_id)
             .join(scores, scores.c.assessment_id == assessments.c.id)
             .where(~later.exists(), assessments.c.questionnaire_id == questionnaire_id,
                    clients.c.name_key != exclude_key, scores.c.score.is_not(None)))
    if sector:
        query = query.where(clients.c.sector == sector)
    with store.read() as conn:
        return conn.execute(query).all()


def benchmark(store: Store, client: str, dimension_scores: Mapping[str, float | None], questionnaire_id: str,
              *, names: Mapping[str, str] | None = None, sector: str | None = None,
              min_group_size: int = MIN_GROUP_SIZE, min_contributors: int = MIN_CONTRIBUTORS) -> Benchmark:
    """The client's percentile per dimension among the other clients (``client`` itself is never counted)."""
    rows = _latest_scores(store, questionnaire_id, sector, client_key(client))
    by_dim: dict[str, list[float]] = {}
    contributing: set[int] = set()
    for client_id, dim, value, n in rows:
        if n >= min_group_size:
            by_dim.setdefault(dim, []).append(float(value))
            contributing.add(client_id)
    names = names or {}
    positions = []
    for dim, own in dimension_scores.items():
        others = np.array(by_dim.get(dim, []), dtype=float)
        name = names.get(dim, dim)
        if own is None or own != own:
            positions.append(Position(dim, name, None, None, len(others), False, "no score for this dimension"))
        elif len(others) < min_contributors:
            positions.append(Position(dim, name, float(own), None, len(others), False,
                                      f"fewer than {min_contributors} other clients to compare with"))
        else:
            positions.append(Position(dim, name, float(own), round(percentile(float(own), others), 1), len(others),
                                      True))
    return Benchmark(questionnaire_id, sector, len(contributing), positions, min_contributors)
