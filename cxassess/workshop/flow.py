"""One participant's way through the questionnaire, as a plain-Python state machine (no widgets).

The notebook's widgets (:mod:`cxassess.workshop.widgets`) and the served participant app
(:mod:`cxassess.workshop.app`) both drive a :class:`ParticipantFlow`; every answer goes to the
:class:`~cxassess.workshop.store.SessionStore` the moment it is given.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from cxassess.errors import CxError, SessionError
from cxassess.questionnaire.model import OUTCOME_SECTION, Item, OpenQuestion, Questionnaire
from cxassess.workshop.store import DONT_KNOW, MAX_OPEN_TEXT, ParticipantState, SessionStore

ABOUT = "about"
OUTCOMES = ":overall"
"""The page of outcome statements (after the dimensions); a colon, so no dimension id can be the same."""
OPEN = ":words"
"""The page of open questions (before the summary)."""
OPEN_HEADING = "In your own words"
SUMMARY = "summary"
DONE = "done"
NOT_GIVEN = "(prefer not to say)"
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to read aloud


class ParticipantFlow:
    """One participant's way through the questionnaire, page by page; no widgets involved.

    Pages: ``about`` (attributes, only when the session asks for some), one page per dimension id,
    :data:`OUTCOMES` (the outcome statements, when the questionnaire has some), :data:`OPEN` (its open
    questions, optional, when it has some), then ``summary``; ``done`` once submitted. Answers are
    written to ``store`` at once; a flow built for a code that already exists resumes its answers,
    attributes and page.
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
        self.open_answers: dict[str, str] = dict(state.open_answers)
        self.submitted = state.submitted
        q = self.questionnaire
        about = [ABOUT] if self.attribute_choices else []
        outcomes = [OUTCOMES] if q.outcome_ids else []
        words = [OPEN] if q.open_questions else []
        self.pages: list[str] = about + q.dimension_ids + outcomes + words + [SUMMARY]
        self.resumed = bool(state.answers or state.open_answers or state.page)
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

    @property
    def is_statement_page(self) -> bool:
        """A page of statements on the scale: a dimension's, or the outcome statements'."""
        return self.is_dimension_page or self.page == OUTCOMES

    def items_on_page(self) -> list[Item]:
        """The statements shown on the current page (none on about/open/summary/done)."""
        if self.page == OUTCOMES:
            return [i for i in self.questionnaire.items if i.outcome]
        return self.questionnaire.items_of(self.page) if self.is_dimension_page else []

    def open_questions(self) -> list[OpenQuestion]:
        """The open questions (asked on the :data:`OPEN` page; answering them is optional)."""
        return list(self.questionnaire.open_questions)

    def section_name(self, page: str) -> str:
        """What a page of statements is called: the dimension's name, or "Overall views"."""
        return OUTCOME_SECTION if page == OUTCOMES else self.questionnaire.dimension(page).name

    @property
    def total(self) -> int:
        """Statements to answer: every dimension's and the outcome statements (open questions are optional)."""
        return len(self.questionnaire.items)

    @property
    def answered(self) -> int:
        """Statements with an answer, "don't know" included (it is a choice)."""
        return sum(1 for i in self.questionnaire.items if i.id in self.answers)

    def unanswered(self) -> dict[str, list[Item]]:
        """Page (dimension id, or :data:`OUTCOMES`) -> statements not answered yet (pages with none left omitted)."""
        out: dict[str, list[Item]] = {}
        for item in self.questionnaire.items:
            if item.id not in self.answers:
                out.setdefault(OUTCOMES if item.outcome else item.dimension, []).append(item)
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

    def answer_open(self, question_id: str, text: str | None) -> str:
        """Give (or with "" / None, clear) the words for an open question; at most :data:`MAX_OPEN_TEXT`
        characters, refused (never cut) when longer. Stored before returning; returns the text as stored."""
        stored = self.store.record_open_answer(self.code, question_id, text)
        if stored:
            self.open_answers[question_id] = stored
        else:
            self.open_answers.pop(question_id, None)
        return stored

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


__all__ = ["ABOUT", "DONE", "MAX_OPEN_TEXT", "NOT_GIVEN", "OPEN", "OPEN_HEADING", "OUTCOMES", "SUMMARY",
           "ParticipantFlow", "new_code"]


def new_code(store: SessionStore | None = None, prefix: str = "P-") -> str:
    """A random, easy-to-read participant code not yet used in ``store``."""
    taken = set(store.participant_codes()) if store is not None else set()
    while True:
        code = prefix + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(5))
        if code not in taken:
            return code

