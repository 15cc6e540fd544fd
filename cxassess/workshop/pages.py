"""What each participant page of the served app shows: its template, its context, its address, and how a
tapped answer reads back from the form. Pure functions of a :class:`~cxassess.workshop.flow.ParticipantFlow`."""

from __future__ import annotations

from typing import Any

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
)
from cxassess.workshop.store import DONT_KNOW

DONT_KNOW_FORM = "dk"
"""How a "don't know" answer travels in forms and in the JSON API."""
OPEN_FIELD = "open:"
"""Form fields of open answers: ``open:<question id>``."""
OUTCOME_LEAD = "To finish, a few statements about the organisation as a whole."

TEMPLATES = {ABOUT: "about.html.j2", OPEN: "open.html.j2", SUMMARY: "summary.html.j2", DONE: "done.html.j2"}
DIMENSION_TEMPLATE = "page.html.j2"


def template(flow: ParticipantFlow) -> str:
    return TEMPLATES.get(flow.page, DIMENSION_TEMPLATE)


def page_url(flow: ParticipantFlow, anchor: str = "") -> str:
    """``/p/<n>`` (the page's place in the flow), ``/p/done`` once submitted."""
    where = "done" if flow.page == DONE else str(flow.page_index)
    return f"/p/{where}" + (f"#{anchor}" if anchor else "")


def page_number(text: str) -> bool:
    """Plain digits 0-9 (``str.isdigit`` also takes '²' and '٣', which ``int`` reads or refuses)."""
    return text.isascii() and text.isdigit()


def parse_answer(text: str) -> tuple[str, Any]:
    """``"LEAD1=4"`` -> ``("LEAD1", 4)``; ``"LEAD1=dk"`` -> ``("LEAD1", DONT_KNOW)``."""
    item, _, value = str(text).rpartition("=")
    if value == DONT_KNOW_FORM:
        return item, DONT_KNOW
    try:
        return item, int(value)
    except ValueError:
        raise CxError(f"'{value[:20]}' is not an answer") from None


def form_value(stored: Any) -> str | None:
    """A stored answer as the form value of its button (None when unanswered)."""
    if stored is None:
        return None
    return DONT_KNOW_FORM if stored == DONT_KNOW else str(int(stored))


def open_fields(form: dict[str, Any]) -> dict[str, str]:
    """Question id -> the words posted for it (the ``open:<id>`` fields of a form)."""
    return {k[len(OPEN_FIELD):]: v for k, v in form.items() if k.startswith(OPEN_FIELD) and isinstance(v, str)}


def context(flow: ParticipantFlow, error: str = "", drafts: dict[str, str] | None = None) -> dict[str, Any]:
    """Everything the page's template needs; nothing of any other participant. ``drafts``: words that were
    refused (too long), shown again in their boxes so nothing typed is lost."""
    q = flow.questionnaire
    out: dict[str, Any] = {
        "flow": flow, "error": error, "total": flow.total, "answered": flow.answered,
        "percent": round(100 * flow.answered / max(flow.total, 1)), "number": flow.page_index,
        "pages": len(flow.pages), "options": [(v, q.scale.labels[v]) for v in range(q.scale.min, q.scale.max + 1)],
        "dont_know": q.scale.dont_know, "dk": DONT_KNOW_FORM, "not_given": NOT_GIVEN, "back": flow.page_index > 0,
    }
    if flow.is_statement_page:
        outcome = flow.page == OUTCOMES
        out.update(heading=flow.section_name(flow.page),
                   description=OUTCOME_LEAD if outcome else q.dimension(flow.page).description,
                   section=None if outcome else q.dimension_ids.index(flow.page) + 1, sections=len(q.dimensions),
                   items=[(n, item, form_value(flow.answers.get(item.id)))
                          for n, item in enumerate(flow.items_on_page())])
    elif flow.page == OPEN:
        texts = {**flow.open_answers, **(drafts or {})}
        out.update(heading=OPEN_HEADING, max_chars=MAX_OPEN_TEXT, field=OPEN_FIELD,
                   questions=[(n, oq, texts.get(oq.id, "")) for n, oq in enumerate(flow.open_questions())])
    elif flow.page == SUMMARY:
        missing = flow.unanswered()
        out.update(missing=[(flow.pages.index(d), flow.section_name(d), items) for d, items in missing.items()],
                   missing_count=sum(len(v) for v in missing.values()),
                   open_given=len(flow.open_answers), open_count=len(flow.open_questions()),
                   open_page=flow.pages.index(OPEN) if OPEN in flow.pages else None)
    elif flow.page == ABOUT:
        out.update(attributes=[(name, name.replace("_", " ").capitalize(), choices, flow.attributes.get(name))
                               for name, choices in flow.attribute_choices.items()])
    return out


__all__ = ["DONT_KNOW_FORM", "OPEN_FIELD", "open_fields",
           "template", "page_url", "page_number", "parse_answer", "form_value", "context"]
