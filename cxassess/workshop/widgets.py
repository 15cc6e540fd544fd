"""The workshop in ipywidgets: participant pages and the facilitator panel, for a shared laptop.

Thin views over :class:`~cxassess.workshop.flow.ParticipantFlow`; tests set ``.value`` and call
``.click()`` on their widgets, and a browser test drives them in JupyterLab. :func:`workshop`
builds both panels for the notebook; :func:`self_assessment` is the single-assessor mode (one
person answering for the organisation), which ends with that person's own radar.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from cxassess._util.safe import escape_html, slugify
from cxassess.errors import CxError
from cxassess.questionnaire.model import Questionnaire
from cxassess.workshop.flow import ABOUT, DONE, NOT_GIVEN, SUMMARY, ParticipantFlow, new_code
from cxassess.workshop.live import (
    MIN_GROUP_SIZE,
    LiveResults,
    dimension_table,
    heatmap_svg,
    hold_back_text,
    radar_svg,
)
from cxassess.workshop.store import DONT_KNOW, SessionStore, check_code

_log = logging.getLogger(__name__)


class _Displayable:
    """Shows ``self.widget`` when the object is displayed in a notebook."""

    widget: Any

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def _close_tree(widget: Any) -> None:
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()


def _svg(fig: Any) -> bytes:
    """A chart for an ``Image(format="svg+xml")`` widget: the report's SVG (text kept as text),
    about half the drawing time of a PNG on matplotlib 3.11, so a refresh stays quick."""
    from cxassess.report.charts import svg_text

    return svg_text(fig).encode("utf-8")


class ParticipantView(_Displayable):
    """The pages of a :class:`ParticipantFlow` as widgets.

    For tests and scripting, the live widgets of the current page are attributes:
    ``choices`` (item id -> ToggleButtons), ``attribute_inputs`` (name -> Dropdown),
    ``back_button``, ``next_button``, ``progress``, ``message``, and on the summary page
    ``goto_buttons`` (dimension id -> Button), ``confirm_incomplete`` and ``submit_button``.
    """

    def __init__(self, flow: ParticipantFlow, *, show_own_radar: bool = False,
                 on_finish: Callable[["ParticipantView"], None] | None = None) -> None:
        import ipywidgets as w

        self.flow = flow
        self.show_own_radar = show_own_radar
        self.on_finish = on_finish
        q = flow.questionnaire
        self.progress = w.IntProgress(value=0, min=0, max=flow.total, description="Progress",
                                      layout=w.Layout(width="60%"))
        self.progress_text = w.HTML()
        self.title = w.HTML()
        self.body = w.VBox()
        self.message = w.HTML()
        self.back_button = w.Button(description="Back", icon="arrow-left")
        self.next_button = w.Button(description="Next", icon="arrow-right", button_style="primary")
        self.back_button.on_click(lambda _: self._move(self.flow.back))
        self.next_button.on_click(lambda _: self._move(self.flow.next))
        self.nav = w.HBox([self.back_button, self.next_button])
        header = w.HTML(f"<b>Participant {escape_html(flow.code)}</b> &middot; {escape_html(q.title)}")
        self.widget = w.VBox([header, w.HBox([self.progress, self.progress_text]), self.title, self.body,
                              self.nav, self.message])
        self.choices: dict[str, Any] = {}
        self.attribute_inputs: dict[str, Any] = {}
        self.goto_buttons: dict[str, Any] = {}
        self.confirm_incomplete: Any = None
        self.submit_button: Any = None
        self.own_radar: Any = None
        if flow.resumed and not flow.submitted:
            self.message.value = (f"Welcome back: {flow.answered} of {flow.total} statements were already answered "
                                  "and are kept. Carry on where you stopped.")
        self.render()

    # --- drawing pages ------------------------------------------------------------------
    def render(self) -> None:
        """Rebuild the widgets of the current page from the flow's state."""
        flow = self.flow
        old_page = list(self.body.children)
        self.choices, self.attribute_inputs, self.goto_buttons = {}, {}, {}
        self.confirm_incomplete = self.submit_button = None
        self._update_progress()
        self.back_button.disabled = flow.page == DONE or flow.page_index == 0
        self.next_button.disabled = flow.page in (SUMMARY, DONE)
        self.nav.layout.display = "none" if flow.page == DONE else None
        if flow.page == ABOUT:
            self._render_about()
        elif flow.page == SUMMARY:
            self._render_summary()
        elif flow.page == DONE:
            self._render_done()
        else:
            self._render_dimension(flow.page)
        for widget in old_page:  # free the previous page's widgets in the kernel and the browser
            _close_tree(widget)

    def _render_about(self) -> None:
        import ipywidgets as w

        self.title.value = "<h3>About you</h3><p>These answers only group results; no names are asked for.</p>"
        rows = []
        for name, options in self.flow.attribute_choices.items():
            # "" rather than None for "prefer not to say": a None value shows as an empty box in the browser
            dd = w.Dropdown(options=[(NOT_GIVEN, ""), *[(o, o) for o in options]],
                            value=self.flow.attributes.get(name) if self.flow.attributes.get(name) in options else "",
                            description=name.replace("_", " ").capitalize(), style={"description_width": "120px"})
            dd.observe(self._attribute_changed(name), names="value")
            self.attribute_inputs[name] = dd
            rows.append(dd)
        self.body.children = rows

    def _attribute_changed(self, name: str) -> Callable[[dict], None]:
        def handler(change: dict) -> None:
            self._guard(lambda: self.flow.set_attribute(name, change["new"] or None), "saved")
        return handler

    def _render_dimension(self, dim_id: str) -> None:
        import ipywidgets as w

        q = self.flow.questionnaire
        dim = q.dimension(dim_id)
        number = q.dimension_ids.index(dim_id) + 1
        about = f"<p style='color:#555'>{escape_html(dim.description)}</p>" if dim.description else ""
        self.title.value = f"<h3>{number}. {escape_html(dim.name)}</h3>{about}"
        options = [(q.scale.labels[v], v) for v in range(q.scale.min, q.scale.max + 1)]
        options.append((q.scale.dont_know, DONT_KNOW))
        rows = []
        for item in self.flow.items_on_page():
            stored = self.flow.answers.get(item.id)
            value = stored if stored == DONT_KNOW or stored is None else int(stored)  # type: ignore[arg-type]
            toggle = w.ToggleButtons(options=options, value=value, style={"button_width": "auto"})
            toggle.observe(self._answer_changed(item.id), names="value")
            self.choices[item.id] = toggle
            rows.append(w.VBox([w.HTML(f"<p><b>{escape_html(item.text)}</b></p>"), toggle],
                               layout=w.Layout(margin="0 0 10px 0")))
        self.body.children = rows

    def _answer_changed(self, item_id: str) -> Callable[[dict], None]:
        def handler(change: dict) -> None:
            if change["new"] is None:
                return
            ok = self._guard(lambda: self.flow.answer(item_id, change["new"]), "saved")
            if not ok:  # show what is really stored, never a value that was not saved
                stored = self.flow.answers.get(item_id)
                toggle = self.choices.get(item_id)
                if toggle is not None:
                    toggle.unobserve_all("value")
                    toggle.value = stored if stored in (None, DONT_KNOW) else int(stored)  # type: ignore[arg-type]
                    toggle.observe(self._answer_changed(item_id), names="value")
            self._update_progress()
        return handler

    def _render_summary(self) -> None:
        import ipywidgets as w

        q = self.flow.questionnaire
        missing = self.flow.unanswered()
        count = sum(len(v) for v in missing.values())
        self.title.value = "<h3>Summary</h3>"
        rows: list[Any] = []
        if not count:
            rows.append(w.HTML(f"<p>All {self.flow.total} statements are answered. You can still go back and "
                               "change any answer; once you submit, your answers are final.</p>"))
        else:
            rows.append(w.HTML(f"<p><b>{count} of {self.flow.total} statements are still unanswered.</b> "
                               "Open a section to answer them, or submit without them.</p>"))
            for dim_id, items in missing.items():
                listing = "".join(f"<li>{escape_html(i.text)}</li>" for i in items)
                button = w.Button(description=f"Open: {q.dimension(dim_id).name}"[:60], icon="pencil",
                                  layout=w.Layout(width="auto"))
                button.on_click(lambda _, d=dim_id: self._move(lambda: self.flow.go_to(d)))
                self.goto_buttons[dim_id] = button
                rows += [button, w.HTML(f"<ul>{listing}</ul>")]
        self.confirm_incomplete = w.Checkbox(value=False, description="Submit with these statements unanswered",
                                             indent=False, layout=w.Layout(display=None if count else "none",
                                                                           width="auto"))
        self.submit_button = w.Button(description="Submit my answers", button_style="success", icon="check",
                                      disabled=bool(count), layout=w.Layout(width="auto"))
        self.confirm_incomplete.observe(lambda ch: setattr(self.submit_button, "disabled", not ch["new"]), names="value")
        self.submit_button.on_click(lambda _: self._submit())
        rows += [self.confirm_incomplete, self.submit_button]
        self.body.children = rows

    def _render_done(self) -> None:
        import ipywidgets as w

        self.title.value = "<h3>Thank you</h3>"
        rows: list[Any] = [w.HTML(f"<p>Your answers are submitted ({self.flow.answered} of {self.flow.total} "
                                  "statements answered). They can no longer be changed.</p>")]
        if self.show_own_radar:
            self.own_radar = w.Image(format="svg+xml")
            try:
                from cxassess.report import charts

                self.own_radar.value = _svg(charts.radar(self.flow.own_scores(), show_target=False))
                rows.append(self.own_radar)
            except CxError as exc:
                rows.append(w.HTML(f"<p>No radar: {escape_html(exc)}</p>"))
        self.body.children = rows

    # --- actions ------------------------------------------------------------------------
    def _guard(self, action: Callable[[], Any], done: str) -> bool:
        """Run a step; say on the page what went wrong instead of leaving it in a hidden log."""
        try:
            action()
        except CxError as exc:
            self.message.value = f"<span style='color:#b00020'>{escape_html(exc)}</span>"
            return False
        except Exception as exc:  # a bug, not bad input: still never silent on the participant's screen
            _log.exception("workshop step failed")
            self.message.value = (f"<span style='color:#b00020'>Not saved: {escape_html(type(exc).__name__)}: "
                                  f"{escape_html(str(exc).rstrip('.'))}. Tell the facilitator.</span>")
            return False
        self.message.value = f"<span style='color:#2e7d32'>{escape_html(done)} {time.strftime('%H:%M:%S')}</span>"
        return True

    def _move(self, step: Callable[[], Any]) -> None:
        if self._guard(step, "position saved"):
            self.message.value = ""
        self.render()

    def _submit(self) -> None:
        confirm = bool(self.confirm_incomplete and self.confirm_incomplete.value)
        if self._guard(lambda: self.flow.submit(confirm_incomplete=confirm), "submitted"):
            self.render()
            if self.on_finish:
                self.on_finish(self)

    def _update_progress(self) -> None:
        self.progress.value = self.flow.answered
        self.progress_text.value = f"&nbsp;{self.flow.answered} of {self.flow.total} answered"


class ParticipantEntry(_Displayable):
    """Pick or type a participant code (or get a new one), then answer; "next participant" starts over."""

    def __init__(self, store: SessionStore) -> None:
        import ipywidgets as w

        self.store = store
        # continuous_update=False: the whole code reaches the kernel in one message before a click on
        # Start (ipywidgets holds back keystroke updates while one is in flight; a click is not held)
        self.code = w.Combobox(placeholder="e.g. P-7K3QM", options=(), ensure_option=False, continuous_update=False,
                               description="Your code", style={"description_width": "90px"})
        self.start_button = w.Button(description="Start / resume", button_style="primary", icon="play")
        self.new_code_button = w.Button(description="Give me a new code", icon="plus", layout=w.Layout(width="auto"))
        self.start_button.on_click(lambda _: self.start())
        self.new_code_button.on_click(lambda _: setattr(self.code, "value", new_code(self.store)))
        self.message = w.HTML()
        self.next_participant_button = w.Button(description="Next participant", icon="user")
        self.next_participant_button.on_click(lambda _: self.reset())
        self.view: ParticipantView | None = None
        self._entry = w.VBox([
            w.HTML("<p>Type the code you were given or pick yours to come back to your answers. "
                   "A code is all we need: no names.</p>"),
            w.HBox([self.code, self.start_button, self.new_code_button]), self.message])
        self.widget = w.VBox([self._entry])
        self.reset()

    def reset(self) -> None:
        """Back to the code entry (the previous participant's answers are all saved already)."""
        if self.view is not None:
            _close_tree(self.view.widget)
        self.view = None
        self.code.value = ""
        self.code.options = tuple(self.store.participant_codes())
        self.message.value = ""
        self.widget.children = [self._entry]

    def start(self) -> ParticipantView | None:
        """Open the flow for the code typed or picked (resuming if it exists)."""
        try:
            code = check_code(self.code.value)
            flow = ParticipantFlow(self.store, code)
        except CxError as exc:
            self.message.value = f"<span style='color:#b00020'>{escape_html(exc)}</span>"
            return None
        if self.view is not None:
            _close_tree(self.view.widget)
        self.view = ParticipantView(flow)
        self.widget.children = [self.view.widget, self.next_participant_button]
        return self.view


class FacilitatorPanel(_Displayable):
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


class WorkshopApp(_Displayable):
    """What the notebook shows: the facilitator panel and the participant entry (or, in
    single-assessor mode, one participant's pages). ``store`` is the open session."""

    def __init__(self, store: SessionStore, *, facilitator: FacilitatorPanel | None,
                 participant: ParticipantEntry | ParticipantView) -> None:
        import ipywidgets as w

        self.store = store
        self.facilitator = facilitator
        self.participant = participant
        parts = ([facilitator.widget] if facilitator else []) + [participant.widget]
        self.widget = w.VBox(parts) if len(parts) > 1 else parts[0]

    def status_text(self) -> str:
        """One plain line for logs and headless runs: who has started, submitted, and the overall score."""
        c = self.store.counts()
        name = self.store.client_name or "Workshop"
        line = (f"{name}: {c['started']} participant(s) started, {c['submitted']} submitted, "
                f"{c['in_progress']} still answering, {c['answers']} answers stored")
        scores = self.facilitator.scores if self.facilitator else None
        if self.facilitator and self.facilitator.held_back is not None:
            line += "; " + self.facilitator.hold_back_text()
        elif scores is not None and scores.overall["score"] == scores.overall["score"]:
            line += f"; overall {scores.overall['score']:.2f} ({scores.overall['stage_name']})"
        return line


def default_session_file(client_name: str, folder: str | Path = "sessions") -> Path:
    """Where a client's workshop session is kept when no file is given: ``sessions/<client slug>.sqlite``
    (the slug carries a short hash of the exact name, so two clients never share a file)."""
    return Path(folder) / f"{slugify(client_name or 'workshop')}.sqlite"


def workshop(client_name: str, questionnaire: Questionnaire | str | Path | None = None,
             session_file: str | Path | None = None, attributes: Mapping[str, Iterable[str]] | None = None,
             min_group_size: int = MIN_GROUP_SIZE) -> WorkshopApp:
    """Open (or create) a client's workshop session and build the facilitator and participant panels.

    Re-running it after a kernel restart reloads everything from ``session_file``.
    """
    path = Path(session_file) if session_file else default_session_file(client_name)
    store = SessionStore(path, questionnaire or None, client_name=client_name or None, attributes=attributes)
    return WorkshopApp(store, facilitator=FacilitatorPanel(store, min_group_size=min_group_size),
                       participant=ParticipantEntry(store))


def self_assessment(questionnaire: Questionnaire | str | Path | None = None, session_file: str | Path | None = None,
                    participant: str = "me") -> WorkshopApp:
    """Single-assessor mode: one person answers for the organisation and sees their own radar at the end.

    Answers are saved in ``session_file`` (default ``sessions/self-assessment-<participant slug>.sqlite``)
    as they are given, so the person can stop and resume later.
    """
    code = check_code(participant)
    path = Path(session_file) if session_file else Path("sessions") / f"self-assessment-{slugify(code)}.sqlite"
    store = SessionStore(path, questionnaire)
    view = ParticipantView(ParticipantFlow(store, code, attribute_choices={}), show_own_radar=True)
    return WorkshopApp(store, facilitator=None, participant=view)


MODES = ("workshop", "self-assessment")


def open_app(mode: str = "workshop", *, client_name: str = "", questionnaire: Questionnaire | str | Path | None = None,
             session_file: str | Path | None = None, attributes: Mapping[str, Iterable[str]] | None = None,
             min_group_size: int = MIN_GROUP_SIZE, participant: str = "me") -> WorkshopApp:
    """What the workshop notebook calls: :func:`workshop` or :func:`self_assessment` by ``mode``."""
    if mode == "workshop":
        return workshop(client_name, questionnaire, session_file, attributes, min_group_size)
    if mode == "self-assessment":
        return self_assessment(questionnaire, session_file, participant)
    raise CxError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")


__all__ = ["open_app", "ParticipantView", "ParticipantEntry", "FacilitatorPanel", "WorkshopApp",
           "workshop", "self_assessment", "default_session_file", "MODES"]
