"""The facilitator's panel in ipywidgets: counts and live results, refreshed on demand or by itself."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from cxassess._util.safe import escape_html
from cxassess.scoring import MIN_GROUP_SIZE
from cxassess.workshop.live import LiveResults, dimension_table, heatmap_svg, hold_back_text, radar_svg
from cxassess.workshop.participant_view import Displayable
from cxassess.workshop.store import SessionStore

_log = logging.getLogger(__name__)


class FacilitatorPanel(Displayable):
    """Client and session, participants started / finished, and live results on demand or every few seconds.

    ``refresh()`` (or the button) re-reads the session file through :class:`~cxassess.workshop.live.LiveResults`,
    so answers written by other kernels and by the served app appear too: a radar of the current scores
    and a heatmap by the chosen attribute, with groups smaller than ``min_group_size`` suppressed.
    Nothing is shown until at least ``min_group_size`` participants are included. Ticking
    **Refresh every few seconds** (``auto_refresh``) refreshes on a background thread while ticked.
    ``scores`` holds the last result shown (None while held back); ``held_back`` how many
    participants were included when results were last held back (None when shown); ``timings``
    how long each step of the last refresh took (seconds).
    """

    def __init__(self, store: SessionStore, *, min_group_size: int = MIN_GROUP_SIZE,
                 refresh_seconds: float = 5.0) -> None:
        import ipywidgets as w

        self.store = store
        self.min_group_size = min_group_size
        self.live = LiveResults(store, min_group_size=min_group_size)
        self.refresh_seconds = refresh_seconds
        q = store.questionnaire
        self.header = w.HTML(
            f"<h3>Workshop: {escape_html(store.client_name or '(no client name)')}</h3>"
            f"<p>Session file <code>{escape_html(store.path)}</code> &middot; {escape_html(q.title)} "
            f"({len(q.item_ids)} statements in {len(q.dimensions)} sections)</p>")
        self.counts = w.HTML()
        self.include_partial = w.Checkbox(value=False, description="Include participants still answering", indent=False)
        names = store.attribute_names()
        self.group_by = w.Dropdown(options=names, value=names[0] if names else None, description="Heatmap by",
                                   disabled=not names)
        self.refresh_button = w.Button(description="Refresh results", button_style="primary", icon="refresh")
        self.refresh_button.on_click(lambda _: self.refresh())
        self.auto_refresh = w.Checkbox(value=False, description=f"Refresh every {refresh_seconds:g} seconds",
                                       indent=False)
        self.auto_refresh.observe(lambda ch: self._auto(ch["new"]), names="value")
        self.message = w.HTML()
        self.radar_image = w.Image(format="svg+xml")
        self.heatmap_image = w.Image(format="svg+xml")
        self.scores: Any = None
        self.held_back: int | None = None
        self._shown: Any = None
        self.timings: dict[str, float] = {}
        self._refreshing = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self.widget = w.VBox([self.header, self.counts,
                              w.HBox([self.refresh_button, self.auto_refresh, self.include_partial, self.group_by]),
                              self.message, self.radar_image, self.heatmap_image])
        self.update_counts()

    def update_counts(self, counts: dict[str, int] | None = None) -> dict[str, int]:
        c = counts or self.store.counts()
        self.counts.value = (f"<p><b>{c['started']}</b> participant(s) started &middot; <b>{c['submitted']}</b> "
                             f"submitted &middot; <b>{c['in_progress']}</b> still answering &middot; "
                             f"{c['answers']} answers stored</p>")
        return c

    def refresh(self, force: bool = False) -> Any:
        """Re-read the session, rescore, redraw; returns the new Scores (None when there is nothing yet).

        When nothing was stored since the last refresh (same answers, same options) the charts
        are kept as they are, unless ``force``.
        """
        with self._refreshing:  # the button and the auto-refresh thread never draw at once
            return self._refresh(force)

    def _refresh(self, force: bool) -> Any:
        t0 = time.perf_counter()
        names = self.store.attribute_names()
        if list(self.group_by.options) != names:
            current = self.group_by.value
            self.group_by.options = names
            self.group_by.value = current if current in names else (names[0] if names else None)
            self.group_by.disabled = not names
        snap = self.live.snapshot(include_partial=self.include_partial.value, group_by=self.group_by.value,
                                  force=force)
        self.update_counts(snap.counts)
        if not force and self.scores is not None and snap is self._shown:
            self.timings = {"total": time.perf_counter() - t0, "unchanged": 1.0}
            self.message.value = f"<p>No new answers since the last refresh. Checked {time.strftime('%H:%M:%S')}.</p>"
            return self.scores
        if snap.error and snap.scores is not None:  # keep the last good charts, say why they were not updated
            self.message.value = f"<p style='color:#b00020'>{escape_html(snap.error)}</p>"
            return self.scores
        if snap.scores is None:
            self._clear()
            self.held_back = snap.included
            self.message.value = f"<p>{escape_html(snap.note)}</p>"
            return None
        t2 = time.perf_counter()
        radar, heat = radar_svg(snap).encode("utf-8"), heatmap_svg(snap).encode("utf-8")
        t3 = time.perf_counter()
        self.radar_image.value = radar
        self.radar_image.layout.display = None
        self.heatmap_image.value = heat
        self.heatmap_image.layout.display = None if heat else "none"
        t4 = time.perf_counter()
        self.scores = snap.scores
        self.held_back = None
        self._shown = snap
        read = snap.timings.get("read", 0.0)
        self.timings = {"read": read, "score": snap.timings.get("score", 0.0), "figures": t3 - t2,
                        "render": t4 - t3, "total": t4 - t0}
        self.message.value = (f"<p>{escape_html(snap.note)}: {escape_html(snap.overall_text())}. "
                              f"Updated {time.strftime('%H:%M:%S')}.</p>{dimension_table(snap.scores)}")
        return snap.scores

    def hold_back_text(self) -> str:
        """Why no results are shown yet, and when they will be."""
        return hold_back_text(self.min_group_size, self.held_back or 0, self.include_partial.value)

    def _auto(self, on: bool) -> None:
        """Start or stop refreshing every ``refresh_seconds`` on a background thread."""
        if not on:
            self._stop.set()
            return
        if self._ticker is not None and self._ticker.is_alive():
            return
        self._stop = threading.Event()
        stop = self._stop

        def tick() -> None:
            while not stop.wait(self.refresh_seconds):
                try:
                    self.refresh()
                except Exception as exc:  # keep ticking; say what went wrong on the panel
                    _log.exception("auto-refresh failed")
                    self.message.value = f"<p style='color:#b00020'>Refresh failed: {escape_html(exc)}</p>"

        self._ticker = threading.Thread(target=tick, name="cxassess-facilitator-refresh", daemon=True)
        self._ticker.start()

    def _clear(self) -> None:
        """Take every result off the panel (charts and numbers)."""
        self.scores = None
        self._shown = None
        self.radar_image.value = self.heatmap_image.value = b""
        self.radar_image.layout.display = self.heatmap_image.layout.display = "none"

__all__ = ["FacilitatorPanel"]
