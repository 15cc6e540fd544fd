"""Live results of a session: counts, scores, radar and heatmap, as the facilitator shows them.

One mechanism for the notebook's facilitator panel and the served projector page: re-read the
session (answers from every kernel, thread and process), score it with the report's rules and its
minimum group size, and keep the result until something new is stored. Nothing is shown until
``min_group_size`` participants have usable answers: with fewer, the "overall" would be one or two
people's own answers. Groups under the minimum are suppressed by :func:`cxassess.scoring.score.score`
exactly as in the report.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from cxassess.errors import CxError
from cxassess.scoring import MIN_GROUP_SIZE
from cxassess.workshop.store import SessionStore

_DRAWING = threading.Lock()  # matplotlib's text and font caches are not thread-safe


@dataclass(frozen=True)
class Snapshot:
    """What the session holds now. ``scores`` is None while results are held back (``note`` says why)."""

    key: tuple[Any, ...]
    counts: dict[str, int]
    scores: Any
    included: int
    group_by: str | None
    note: str
    error: str = ""
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def held_back(self) -> bool:
        return self.scores is None

    def overall_text(self) -> str:
        """``overall 3.12 (Emerging)``, or ``no overall score yet``."""
        o = self.scores.overall if self.scores is not None else None
        if o is None or o["score"] != o["score"]:
            return "no overall score yet"
        return f"overall {o['score']:.2f} ({o['stage_name']})"


def hold_back_text(min_group_size: int, included: int, include_partial: bool) -> str:
    """Why no results are shown yet, and when they will be."""
    who = "participants have answered" if include_partial else "participants have submitted"
    return (f"Results appear once {min_group_size} {who} (so far {included}), so that no one's own "
            "answers can be seen.")


class LiveResults:
    """Scores a session for live display; re-scores only when something new was stored.

    Safe to call from several threads (the projector page may be open on two screens): one scoring
    runs at a time, and callers asking for the same state get the same :class:`Snapshot`.
    """

    def __init__(self, store: SessionStore, *, min_group_size: int = MIN_GROUP_SIZE) -> None:
        self.store = store
        self.min_group_size = min_group_size
        self._lock = threading.Lock()
        self._last: Snapshot | None = None

    def snapshot(self, *, include_partial: bool = False, group_by: str | None = None, force: bool = False) -> Snapshot:
        """The results now; the previous snapshot when nothing was stored since (unless ``force``)."""
        from cxassess.scoring.score import score

        with self._lock:
            t0 = time.perf_counter()
            names = self.store.attribute_names()
            column = group_by if group_by in names else None
            key = (self.store.data_version(), include_partial, column, self.min_group_size)
            last = self._last
            if not force and last is not None and last.key == key:
                return last
            counts = self.store.counts()
            try:
                responses = self.store.to_responses(include_partial=include_partial)
            except CxError as exc:  # nobody with a usable answer yet; the message without the file's path
                text = str(exc).removeprefix(f"{self.store.path}: ")
                snap = Snapshot(key, counts, None, 0, column, f"Waiting for results: {text}.")
                self._last = snap
                return snap
            included = int((responses.answers.groupby("respondent_id")["value"].count() > 0).sum())
            if included < self.min_group_size:
                snap = Snapshot(key, counts, None, included, column,
                                hold_back_text(self.min_group_size, included, include_partial))
                self._last = snap
                return snap
            t1 = time.perf_counter()
            grouping = column if column in responses.attributes.columns else None
            try:
                # every grouping at once, though one is shown: the anonymity rule then keeps a group that the
                # facilitator could switch to (manager) from giving away one person against another (Sales)
                scores = score(responses, self.store.questionnaire, group_by=list(responses.attributes.columns),
                               min_group_size=self.min_group_size)
            except CxError as exc:  # keep the last good results, say why they were not updated
                if last is not None and last.scores is not None:
                    return Snapshot(last.key, counts, last.scores, last.included, last.group_by, last.note,
                                    error=f"Results not updated: {exc}")
                return Snapshot(key, counts, None, included, grouping, f"Results not updated: {exc}", error=str(exc))
            t2 = time.perf_counter()
            who = ("participant(s), including those still answering" if include_partial
                   else "submitted participant(s)")
            snap = Snapshot(key, counts, scores, included, grouping, f"Results from {scores.respondents} {who}",
                            timings={"read": t1 - t0, "score": t2 - t1})
            self._last = snap
            return snap


def warm_up() -> None:
    """Load scoring, pandas and matplotlib and draw the charts once, before the first participant
    arrives: done lazily, the first projector refresh would stall every request for about a second."""
    from cxassess.report import charts

    with _DRAWING:
        charts.warm_up()


def radar_svg(snapshot: Snapshot) -> str:
    """The radar of the current scores as SVG text ('' while held back)."""
    from cxassess.report import charts

    if snapshot.scores is None:
        return ""
    with _DRAWING:
        return charts.svg_text(charts.radar(snapshot.scores, show_target=False))


def heatmap_svg(snapshot: Snapshot) -> str:
    """The group heatmap as SVG text ('' while held back or without a grouping)."""
    from cxassess.report import charts

    if snapshot.scores is None or snapshot.group_by is None or snapshot.group_by not in snapshot.scores.groups:
        return ""
    with _DRAWING:
        return charts.svg_text(charts.group_heatmap(snapshot.scores, snapshot.group_by))


def heatmap_html(snapshot: Snapshot) -> str:
    """The group heatmap as the report's coloured table (suppressed groups say so; '' when none)."""
    from cxassess.report.narrative import heatmap_table

    if snapshot.scores is None or snapshot.group_by is None or snapshot.group_by not in snapshot.scores.groups:
        return ""
    return heatmap_table(snapshot.scores, snapshot.group_by)


def dimension_table(scores: Any) -> str:
    """The radar's numbers as a small HTML table (readable without the picture)."""
    from cxassess._util.safe import escape_html

    rows = []
    for _, d in scores.dimensions.iterrows():
        value = "no score" if d["score"] != d["score"] else f"{d['score']:.2f}"
        stage = escape_html(d["stage_name"]) if isinstance(d["stage_name"], str) else ""
        rows.append(f"<tr><td>{escape_html(d['name'])}</td><td style='text-align:right'>{value}</td>"
                    f"<td>{stage}</td><td style='text-align:right'>{int(d['n'])}</td></tr>")
    return ("<table class='cx-dimensions'><tr><th>Dimension</th><th>Score</th><th>Stage</th><th>n</th></tr>"
            + "".join(rows) + "</table>")


__all__ = ["warm_up", "LiveResults", "Snapshot", "MIN_GROUP_SIZE", "radar_svg", "heatmap_svg", "heatmap_html",
           "dimension_table", "hold_back_text"]
