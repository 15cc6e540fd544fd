"""One participant's way through the questionnaire, as a plain-Python state machine (no widgets).

The notebook's widgets (:mod:`cxassess.workshop.widgets`) and the served participant app
(:mod:`cxassess.workshop.app`) both drive a :class:`ParticipantFlow`; every answer goes to the
:class:`~cxassess.workshop.store.SessionStore` the moment it is given.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from cxassess.errors import CxError, SessionError
from cxassess.questionnaire.model import Item, Questionnaire
from cxassess.workshop.store import DONT_KNOW, ParticipantState, SessionStore

ABOUT = "about"
SUMMARY = "summary"
DONE = "done"
NOT_GIVEN = "(prefer not to say)"
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to read aloud


class ParticipantFlow:
    """One participant's way through the questionnaire, page by page; no widgets involved.

    Pages: ``about`` (attributes, only when the session asks for some), one page per dimension id,
    then ``summary``; ``done`` once submitted. Answers are written to ``store`` at once; a flow
    built for a code that already exists resumes its answers, attributes and page.
    """

    def __init__(self, store: SessionStore, code: str, attribute_choices: Mapping[str, list[str]] | None = None,
                 *, state: ParticipantState | None = None) -> None:
        self.store = store
        self.questionnaire: Questionnaire = store.questionnaire
        self.attribute_choices = dict(store.attribute_choices if attribute_choices is None else attribute_choices)
        if state is None:  # register (or find) the participant; a caller that just read the state passes it
            state = store.start_participant(code)
        self.code = state.code
        self.attributes: dict[str, str] = dict(state.attributes)
        self.answers: dict[str, float | str] = dict(state.answers)
        self.submitted = state.submitted
        about = [ABOUT] if self.attribute_choices else []
        self.pages: list[str] = about + self.questionnaire.dimension_ids + [SUMMARY]
        self.resumed = bool(state.answers or state.page)
        self._stored_page = state.page
        self.page = DONE if self.submitted else (state.page if state.page in self.pages else self.pages[0])

    # --- where we are -------------------------------------------------------------------
    @property
    def page_index(self) -> int:
        """Position of the current page in :attr:`pages` (``len(pages)`` once done)."""
        return len(self.pages) if self.page == DONE else self.pages.index(self.page)

    @property
    def is_dimension_page(self) -> bool:
        return self.page in self.questionnaire.dimension_ids

    def items_on_page(self) -> list[Item]:
        """The statements shown on the current page (none on about/summary/done)."""
        return self.questionnaire.items_of(self.page) if self.is_dimension_page else []

    @property
    def total(self) -> int:
        """Statements on the dimension pages (outcome statements are not asked in a workshop yet)."""
        return sum(1 for i in self.questionnaire.items if not i.outcome)

    @property
    def answered(self) -> int:
        """Statements with an answer, "don't know" included (it is a choice)."""
        return sum(1 for i in self.questionnaire.items if not i.outcome and i.id in self.answers)

    def unanswered(self) -> dict[str, list[Item]]:
        """Dimension id -> statements not answered yet (dimensions with none left are omitted)."""
        out: dict[str, list[Item]] = {}
        for item in self.questionnaire.items:
            if item.id not in self.answers and not item.outcome:
                out.setdefault(item.dimension, []).append(item)
        return out

    # --- moving -------------------------------------------------------------------------
    def go_to(self, page: str) -> str:
        """Open a page (not possible after submitting); the position is saved for resuming."""
        if self.submitted:
            raise SessionError(f"participant '{self.code}' has already submitted")
        if page not in self.pages:
            raise CxError(f"'{page}' is not a page of this questionnaire (pages: {', '.join(self.pages)})")
        if page != self._stored_page:  # a page view that changes nothing writes nothing
            self.store.set_page(self.code, page)
            self._stored_page = page
        self.page = page
        return page

    def next(self) -> str:
        """The next page (stays on the summary, which is the last)."""
        return self.go_to(self.pages[min(self.page_index + 1, len(self.pages) - 1)])

    def back(self) -> str:
        """The previous page (stays on the first)."""
        return self.go_to(self.pages[max(self.page_index - 1, 0)])

    # --- answering ----------------------------------------------------------------------
    def set_attribute(self, name: str, value: str | None) -> None:
        """Choose (or with None, clear) an attribute such as role or department; saved at once."""
        if name not in self.attribute_choices:
            have = ", ".join(self.attribute_choices) or "none"
            raise CxError(f"'{name}' is not an attribute of this session ({have})")
        self.store.set_attributes(self.code, {name: value})
        if value is None:
            self.attributes.pop(name, None)
        else:
            self.attributes[name] = value

    def answer(self, item_id: str, value: int | str | None) -> None:
        """Answer a statement: a scale point, or :data:`DONT_KNOW`; stored (committed) before returning."""
        self.store.record_answer(self.code, item_id, value)
        self.answers[item_id] = DONT_KNOW if value is None or value == DONT_KNOW else float(value)

    def submit(self, confirm_incomplete: bool = False) -> None:
        """Finish. With statements still unanswered, ``confirm_incomplete=True`` is required."""
        missing = sum(len(v) for v in self.unanswered().values())
        if missing and not confirm_incomplete:
            raise CxError(f"{missing} statement(s) are still unanswered: answer them, or confirm that you "
                          "want to submit without them")
        self.store.submit(self.code)
        self.submitted = True
        self.page = DONE

    def own_scores(self):
        """This participant's own scores (what the single-assessor radar shows): their own answers, shown to
        them, so the minimum group size is 1 (the anonymity rule protects people from others, not from themselves)."""
        from cxassess.scoring.score import score

        return score(self.store.to_responses(include_partial=True, participants=[self.code]), self.questionnaire,
                     min_group_size=1)


def new_code(store: SessionStore | None = None, prefix: str = "P-") -> str:
    """A random, easy-to-read participant code not yet used in ``store``."""
    taken = set(store.participant_codes()) if store is not None else set()
    while True:
        code = prefix + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(5))
        if code not in taken:
            return code

