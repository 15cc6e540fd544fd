"""The participant's pages in ipywidgets: code entry, about you, one page per dimension, overall views
(outcome statements), open questions, summary.

Thin views over :class:`~cxassess.workshop.flow.ParticipantFlow` (the state machine); tests set
``.value`` and call ``.click()`` on their widgets, and a browser test drives them in JupyterLab.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from cxassess._util.safe import escape_html
from cxassess.errors import CxError
from cxassess.workshop.flow import (
    ABOUT,
    DONE,
    MAX_OPEN_TEXT,
    NOT_GIVEN,
    OPEN,
    OPEN_HEADING,
    OUTCOMES,
    SUMMARY,
    ParticipantFlow,
    new_code,
)
from cxassess.workshop.pages import OUTCOME_LEAD
from cxassess.workshop.store import DONT_KNOW, SessionStore, check_code

_log = logging.getLogger(__name__)


class Displayable:
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


class ParticipantView(Displayable):
    """The pages of a :class:`ParticipantFlow` as widgets.

    For tests and scripting, the live widgets of the current page are attributes:
    ``choices`` (item id -> ToggleButtons), ``attribute_inputs`` (name -> Dropdown),
    ``open_inputs`` (open question id -> Textarea, saved when it loses focus), ``open_counts``
    (id -> HTML), ``back_button``, ``next_button``, ``progress``, ``message``, and on the summary
    page ``goto_buttons`` (page -> Button), ``confirm_incomplete`` and ``submit_button``.
    """

    def __init__(self, flow: ParticipantFlow, *, show_own_radar: bool = False,
                 on_finish: Callable[[ParticipantView], None] | None = None) -> None:
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
        self.open_inputs: dict[str, Any] = {}
        self.open_counts: dict[str, Any] = {}
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
        self.open_inputs, self.open_counts = {}, {}
        self.confirm_incomplete = self.submit_button = None
        self._update_progress()
        self.back_button.disabled = flow.page == DONE or flow.page_index == 0
        self.next_button.disabled = flow.page in (SUMMARY, DONE)
        self.nav.layout.display = "none" if flow.page == DONE else None
        if flow.page == ABOUT:
            self._render_about()
        elif flow.page == OPEN:
            self._render_open()
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
        if dim_id == OUTCOMES:
            name, description = self.flow.section_name(dim_id), OUTCOME_LEAD
        else:
            dim = q.dimension(dim_id)
            name, description = f"{q.dimension_ids.index(dim_id) + 1}. {dim.name}", dim.description
        about = f"<p style='color:#555'>{escape_html(description)}</p>" if description else ""
        self.title.value = f"<h3>{escape_html(name)}</h3>{about}"
        options: list[tuple[str, int | str]] = [(q.scale.labels[v], v) for v in range(q.scale.min, q.scale.max + 1)]
        options.append((q.scale.dont_know, DONT_KNOW))
        rows = []
        for item in self.flow.items_on_page():
            stored = self.flow.answers.get(item.id)
            value = stored if stored == DONT_KNOW or stored is None else int(stored)
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
                    toggle.value = stored if stored is None or stored == DONT_KNOW else int(stored)
                    toggle.observe(self._answer_changed(item_id), names="value")
            self._update_progress()
        return handler

    def _render_open(self) -> None:
        import ipywidgets as w

        self.title.value = (f"<h3>{escape_html(OPEN_HEADING)}</h3><p style='color:#555'>Optional: answer any, all or "
                            f"none, in at most {MAX_OPEN_TEXT:,} characters each. Your words are read only in groups "
                            "of ten or more and never shown live.</p>")
        rows = []
        for oq in self.flow.open_questions():
            box = w.Textarea(value=self.flow.open_answers.get(oq.id, ""), continuous_update=False,
                             placeholder="Optional", layout=w.Layout(width="95%", height="7em"))
            count = w.HTML(self._count_text(box.value))
            box.observe(self._open_changed(oq.id), names="value")
            self.open_inputs[oq.id], self.open_counts[oq.id] = box, count
            rows.append(w.VBox([w.HTML(f"<p><b>{escape_html(oq.text)}</b></p>"), box, count],
                               layout=w.Layout(margin="0 0 10px 0")))
        self.body.children = rows

    @staticmethod
    def _count_text(text: str) -> str:
        n = len(text.replace("\r\n", "\n").strip())
        colour = "#b00020" if n > MAX_OPEN_TEXT else "#555"
        return f"<span style='color:{colour}'>{n:,} of {MAX_OPEN_TEXT:,} characters at most</span>"

    def _open_changed(self, question_id: str) -> Callable[[dict], None]:
        def handler(change: dict) -> None:
            self.open_counts[question_id].value = self._count_text(change["new"] or "")
            # a refused text (too long) stays in the box, with the reason below it, so it can be shortened
            self._guard(lambda: self.flow.answer_open(question_id, change["new"]), "saved")
        return handler

    def _render_summary(self) -> None:
        import ipywidgets as w

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
                button = w.Button(description=f"Open: {self.flow.section_name(dim_id)}"[:60], icon="pencil",
                                  layout=w.Layout(width="auto"))
                button.on_click(lambda _, d=dim_id: self._move(lambda: self.flow.go_to(d)))
                self.goto_buttons[dim_id] = button
                rows += [button, w.HTML(f"<ul>{listing}</ul>")]
        if self.flow.open_questions():
            given, asked = len(self.flow.open_answers), len(self.flow.open_questions())
            rows.append(w.HTML(f"<p>Your own words: {given} of {asked} open question(s) answered (optional).</p>"))
            button = w.Button(description=f"Open: {OPEN_HEADING}", icon="pencil", layout=w.Layout(width="auto"))
            button.on_click(lambda _: self._move(lambda: self.flow.go_to(OPEN)))
            self.goto_buttons[OPEN] = button
            rows.append(button)
        self.confirm_incomplete = w.Checkbox(value=False, description="Submit with these statements unanswered",
                                             indent=False, layout=w.Layout(display=None if count else "none",
                                                                           width="auto"))
        self.submit_button = w.Button(description="Submit my answers", button_style="success", icon="check",
                                      disabled=bool(count), layout=w.Layout(width="auto"))
        self.confirm_incomplete.observe(lambda ch: setattr(self.submit_button, "disabled", not ch["new"]),
                                        names="value")
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


class ParticipantEntry(Displayable):
    """Pick or type a participant code (or get a new one), then answer; "next participant" starts over."""

    def __init__(self, store: SessionStore) -> None:
        import ipywidgets as w

        self.store = store
        self.code = w.Combobox(placeholder="e.g. P-7K3QM", options=(), ensure_option=False,
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

__all__ = ["ParticipantView", "ParticipantEntry", "Displayable"]
