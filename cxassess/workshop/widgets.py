"""The workshop notebook's app, for a shared laptop: the facilitator panel above the participant pages.

:func:`workshop` builds both panels for a client's session; :func:`self_assessment` is the
single-assessor mode (one person answering for the organisation), which ends with that person's
own radar; :func:`open_app` is what ``notebooks/workshop.ipynb`` calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from cxassess._util.safe import slugify
from cxassess.errors import CxError
from cxassess.questionnaire.model import Questionnaire
from cxassess.scoring import MIN_GROUP_SIZE
from cxassess.workshop.facilitator_panel import FacilitatorPanel
from cxassess.workshop.flow import ParticipantFlow
from cxassess.workshop.participant_view import Displayable, ParticipantEntry, ParticipantView
from cxassess.workshop.store import SessionStore, check_code


class WorkshopApp(Displayable):
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


__all__ = ["open_app", "WorkshopApp",
           "workshop", "self_assessment", "default_session_file", "MODES"]
