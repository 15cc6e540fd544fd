"""The store's entry points: add an assessment from a responses file, and a client's history for a report.

Responses are read and scored exactly as ``cxassess score`` does (:func:`cxassess.io.read.read_responses`,
then :func:`cxassess.scoring.score.score`), so a file that ``score`` refuses is refused here with
the same message, and what is stored is what the report shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxassess.errors import OnError
from cxassess.io.responses import Responses
from cxassess.questionnaire.model import Questionnaire, as_questionnaire
from cxassess.scoring import MIN_GROUP_SIZE
from cxassess.scoring.result import Scores
from cxassess.store.benchmark import Benchmark, benchmark
from cxassess.store.database import Store, open_store
from cxassess.store.read import client_waves
from cxassess.store.trend import Trend, trend
from cxassess.store.waves import Wave, wave_from_scores
from cxassess.store.write import Added, add_wave

__all__ = ["CURRENT_LABEL", "History", "add_assessment", "client_history"]

CURRENT_LABEL = "this assessment"
"""The label of the report's own wave when the store does not hold it yet."""


def add_assessment(responses: str | Path | Responses, client: str, wave: str, *, db: str | Path | Store | None = None,
                   questionnaire: Questionnaire | str | Path | None = None, sector: str | None = None,
                   size_band: str | None = None, assessed_on: dt.date | str | None = None, replace: bool = False,
                   same_is_ok: bool = False, on_error: OnError = "raise",
                   min_group_size: int = MIN_GROUP_SIZE) -> Added:
    """Read, validate, score and store one assessment wave of ``client`` (one transaction)."""
    from cxassess.io.read import read_responses
    from cxassess.scoring.score import score

    if isinstance(responses, Responses):
        read, q = responses, responses.questionnaire
    else:
        q = as_questionnaire(questionnaire)
        read = read_responses(responses, q, on_error=on_error)
    scores = score(read, q, min_group_size=min_group_size)
    new = wave_from_scores(read, scores, wave, assessed_on)
    store = open_store(db)
    try:
        return add_wave(store, client, new, sector=sector, size_band=size_band, replace=replace,
                        same_is_ok=same_is_ok, min_group_size=min_group_size)
    finally:
        if store is not db:
            store.close()


@dataclass
class History:
    """A client's trend and benchmark for one report (either may be None: nothing to show)."""

    client: str
    trend: Trend | None
    benchmark: Benchmark | None
    waves_stored: int
    store: str

    def to_dict(self) -> dict[str, Any]:
        """For ``scores.json``: ``{"trend": ..., "benchmark": ..., "waves_stored": n}``."""
        return {"trend": self.trend.to_dict() if self.trend else None,
                "benchmark": self.benchmark.to_dict() if self.benchmark else None,
                "waves_stored": self.waves_stored}


def client_history(db: str | Path | Store | None, client: str, *, responses: Responses | None = None,
                   scores: Scores | None = None, same_sector: bool = False,
                   min_group_size: int = MIN_GROUP_SIZE) -> History:
    """The trend over the client's stored waves and the benchmark among the other clients.

    With ``responses`` and ``scores`` (the report's own assessment): when the store already holds
    these answers, the trend runs up to that wave; otherwise they are the latest wave, labelled
    :data:`CURRENT_LABEL`, and the benchmark places them. Without: the latest stored wave is placed.
    """
    store = open_store(db)
    try:
        found, waves = client_waves(store, client, must_exist=False)
        stored = len(waves)
        if responses is not None and scores is not None:
            current = wave_from_scores(responses, scores, CURRENT_LABEL, dt.date.today())
            same = next((k for k, w in enumerate(waves) if w.digest == current.digest), None)
            if same is None:
                current.assessed_on = max([w.assessed_on for w in waves] + [current.assessed_on])
                waves.append(current)
            else:
                waves = waves[:same + 1]
        name = found.name if found is not None else client
        sector = found.sector if (found is not None and same_sector) else None
        shown_trend = trend(name, waves, min_group_size) if len(waves) >= 2 else None
        latest: Wave | None = waves[-1] if waves else None
        bench = None
        if latest is not None:
            own = {d.dimension_id: (d.score if d.n >= min_group_size else None) for d in latest.dimensions}
            bench = benchmark(store, name, own, latest.questionnaire_id,
                              names={d.dimension_id: d.name for d in latest.dimensions}, sector=sector,
                              min_group_size=min_group_size)
        return History(name, shown_trend, bench, stored, store.where)
    finally:
        if store is not db:
            store.close()
