"""A class's pooled self-assessments: the spread of the class, from one shared session.

Learners answer into one session (a file everybody's kernel can reach, or the served workshop app);
the trainer shows the class's scores and how many learners put each dimension at each stage. Nothing
is shown until ``min_group_size`` learners have submitted, as in the live workshop.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cxassess.errors import CxError
from cxassess.scoring import MIN_GROUP_SIZE


@dataclass
class ClassResults:
    """The class's scores (None while held back) and the learners per stage for each dimension."""

    note: str
    scores: Any = None
    stages: pd.DataFrame | None = None

    def _repr_html_(self) -> str:
        from cxassess.report import charts
        from cxassess.report.figure import svg_text

        if self.scores is None or self.stages is None:
            return f"<p>{_escape(self.note)}</p>"
        bars = svg_text(charts.dimension_bars(self.scores))
        return (f"<p>{_escape(self.note)}</p>{bars}<p>Learners per stage, for each dimension:</p>"
                + self.stages.to_html(escape=True))


def _escape(text: str) -> str:
    from cxassess._util.safe import escape_html

    return escape_html(text)


def stage_counts(scores: Any) -> pd.DataFrame:
    """How many respondents' own dimension score falls in each maturity stage (rows: dimensions)."""
    q = scores.questionnaire
    stages = sorted(q.stages, key=lambda s: s.min_score)
    per_person = scores.respondent_scores[q.dimension_ids]
    rows = {}
    for dim in q.dimension_ids:
        values = per_person[dim].dropna()
        counts = {s.name: 0 for s in stages}
        for value in values:
            counts[[s.name for s in stages if value >= s.min_score][-1]] += 1
        rows[q.dimension(dim).name] = counts
    return pd.DataFrame.from_dict(rows, orient="index")


def class_results(session_file: str | Path, *, min_group_size: int = MIN_GROUP_SIZE) -> ClassResults:
    """The class's results from the shared session (submitted learners only)."""
    from cxassess.workshop.live import LiveResults
    from cxassess.workshop.store import open_session

    path = Path(session_file)
    if not path.is_file():
        raise CxError(f"{path}: no class session file there yet (learners create it when they start)")
    with open_session(path) as store:
        snap = LiveResults(store, min_group_size=min_group_size).snapshot()
    if snap.scores is None:
        return ClassResults(snap.note)
    return ClassResults(f"{snap.note}: {snap.overall_text()}.", snap.scores, stage_counts(snap.scores))


__all__ = ["ClassResults", "class_results", "stage_counts"]
