"""The live workshop: participants answer, every answer is saved at once, the facilitator watches.

- :mod:`~cxassess.workshop.store`: the session file (SQLite, one fsync'd transaction per answer),
  safe from any thread and any number of processes;
- :mod:`~cxassess.workshop.flow`: one participant's pages as a plain-Python state machine;
- :mod:`~cxassess.workshop.live`: the live results (counts, radar, heatmap), suppressed as in the report;
- :mod:`~cxassess.workshop.widgets` (with ``participant_view`` and ``facilitator_panel``): the notebook's
  ipywidgets, for a shared laptop or a self-assessment;
- :mod:`~cxassess.workshop.app` and :mod:`~cxassess.workshop.serve`: the participant web app that
  phones join by a link or QR code, and the projector page (Starlette + uvicorn).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from cxassess.errors import SessionError
from cxassess.workshop.facilitator_panel import FacilitatorPanel
from cxassess.workshop.flow import ABOUT, DONE, SUMMARY, ParticipantFlow, new_code
from cxassess.workshop.participant_view import ParticipantEntry, ParticipantView
from cxassess.workshop.store import DONT_KNOW, SUBMITTED, SessionStore, export_session, open_session
from cxassess.workshop.widgets import WorkshopApp, default_session_file, open_app, self_assessment, workshop

_LAZY = {"serve": "cxassess.workshop.serve", "WorkshopServer": "cxassess.workshop.serve"}

__all__ = [
    "ABOUT", "DONE", "DONT_KNOW", "SUBMITTED", "SUMMARY",
    "FacilitatorPanel", "ParticipantEntry", "ParticipantFlow", "ParticipantView", "SessionError", "SessionStore",
    "WorkshopApp", "WorkshopServer", "default_session_file", "export_session", "new_code", "open_app",
    "open_session", "self_assessment", "serve", "workshop",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:  # the web stack is imported only when a server is started
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'cxassess.workshop' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
