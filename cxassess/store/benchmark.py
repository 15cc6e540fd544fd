"""Portfolio benchmark: where a client stands, per dimension, among the other clients' latest waves.

The percentile is the share of the other clients' scores below the client's, ties counted half:
``100 * (below + equal / 2) / contributors``. Only the other clients' latest waves of the same
questionnaire (by id) count, optionally of the same sector, and each only where its dimension
score stood on at least ``min_group_size`` people. No percentile is given for a dimension with
fewer than :data:`MIN_CONTRIBUTORS` contributing clients, and nothing about any other client
(name, score) ever leaves this module: only the percentile and how many contributed.

The database does the counting: one statement over each client's latest assessment (the
``ix_assessments_latest`` index answers "is there a later one?", gathered once as a materialised
CTE) returns, per dimension, how many other clients scored below, equal and in all, and how many
contributed at all, so no other client's score leaves the database and a report's benchmark is
one round trip; the statement is built once per set of dimensions (its values are parameters).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from sqlalchemy import Float, Integer, String, bindparam, case, cast, func, null, select, union_all

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


def _others(by_sector: bool) -> Any:
    """The other clients' latest waves of one questionnaire: their dimension scores shown on enough people.

    Parameters: ``questionnaire``, ``exclude`` (the client's name key), ``min_n`` and, ``by_sector``, ``sector``.
    """
    newer = assessments.alias("newer")
    later = (select(newer.c.id).where(newer.c.client_id == assessments.c.client_id)
             .where((newer.c.assessed_on > assessments.c.assessed_on)
                    | ((newer.c.assessed_on == assessments.c.assessed_on) & (newer.c.id > assessments.c.id))))
    query = (select(assessments.c.client_id, scores.c.dimension_id, scores.c.score)
             .join(clients, clients.c.id == assessments.c.client_id)
             .join(scores, scores.c.assessment_id == assessments.c.id)
             .where(~later.exists(), assessments.c.questionnaire_id == bindparam("questionnaire"),
                    clients.c.name_key != bindparam("exclude"), scores.c.score.is_not(None),
                    scores.c.n >= bindparam("min_n", type_=Integer)))
    if by_sector:
        query = query.where(clients.c.sector == bindparam("sector"))
    return query


@lru_cache(maxsize=64)
def _count_query(dimensions: tuple[str, ...], by_sector: bool) -> Any:
    """Per dimension (dimension, below, equal, contributors), then one row (NULL, NULL, NULL, clients contributing):
    one statement, built once per set of dimensions, over the latest waves gathered once (a materialised CTE)."""
    others = _others(by_sector).cte("others").prefix_with("MATERIALIZED")
    mine: Any = (case({d: bindparam(f"own_{k}", type_=Float) for k, d in enumerate(dimensions)},
                      value=others.c.dimension_id, else_=None) if dimensions else cast(null(), Float))
    per_dim = (select(others.c.dimension_id, func.sum(case((others.c.score < mine, 1), else_=0)),
                      func.sum(case((others.c.score == mine, 1), else_=0)), func.count())
               .group_by(others.c.dimension_id))
    everyone = select(cast(null(), String), cast(null(), Integer), cast(null(), Integer),
                      func.count(func.distinct(others.c.client_id)))
    return union_all(per_dim, everyone)


def _counts(store: Store, own: Mapping[str, float], questionnaire_id: str, sector: str | None, exclude_key: str,
            min_group_size: int) -> tuple[dict[str, tuple[int, int, int]], int]:
    """Per dimension (below, equal, contributors) and the clients contributing at all, counted by the database:
    one query over every client's latest wave, and no other client's score ever leaves it."""
    dimensions = tuple(own)
    params: dict[str, Any] = {"questionnaire": questionnaire_id, "exclude": exclude_key, "min_n": min_group_size,
                              **{f"own_{k}": own[d] for k, d in enumerate(dimensions)}}
    if sector:
        params["sector"] = sector
    counts: dict[str, tuple[int, int, int]] = {}
    clients_in = 0
    with store.read() as conn:
        for d, b, e, n in conn.execute(_count_query(dimensions, bool(sector)), params):
            if d is None:
                clients_in = int(n)
            else:
                counts[str(d)] = (int(b or 0), int(e or 0), int(n))
    return counts, clients_in


def benchmark(store: Store, client: str, dimension_scores: Mapping[str, float | None], questionnaire_id: str,
              *, names: Mapping[str, str] | None = None, sector: str | None = None,
              min_group_size: int = MIN_GROUP_SIZE, min_contributors: int = MIN_CONTRIBUTORS) -> Benchmark:
    """The client's percentile per dimension among the other clients (``client`` itself is never counted)."""
    own = {d: float(v) for d, v in dimension_scores.items() if v is not None and v == v}
    counts, contributing = _counts(store, own, questionnaire_id, sector, client_key(client), min_group_size)
    names = names or {}
    positions = []
    for dim in dimension_scores:
        below, equal, n = counts.get(dim, (0, 0, 0))
        name = names.get(dim, dim)
        if dim not in own:
            positions.append(Position(dim, name, None, None, n, False, "no score for this dimension"))
        elif n < min_contributors:
            positions.append(Position(dim, name, own[dim], None, n, False,
                                      f"fewer than {min_contributors} other clients to compare with"))
        else:
            positions.append(Position(dim, name, own[dim], round(100.0 * (below + equal / 2) / n, 1), n, True))
    return Benchmark(questionnaire_id, sector, contributing, positions, min_contributors)
