"""The live workshop: participants answer, every answer is saved at once, the facilitator watches.

- :mod:`~cxassess.workshop.store`: the session file (SQLite, one fsync'd transaction per answer),
  safe from any thread and any number of processes;
- :mod:`~cxassess.workshop.flow`: one participant's pages as a plain-Python state machine;
- :mod:`~cxassess.workshop.live`: the live results (counts, radar, heatmap), suppressed as in the report;
- :mod:`~cxassess.workshop.widgets`: the notebook's ipywidgets (shared laptop, self-assessment);
- :mod:`~cxassess.workshop.app` and :mod:`~cxassess.workshop.serve`: the participant web app that
  phones join by a link or QR code, and the projector page (Starlette + uvicorn).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from cxassess.errors import SessionError
from cxassess.workshop.flow import ABOUT, DONE, SUMMARY, ParticipantFlow, new_code
from cxassess.workshop.store import DONT_KNOW, SUBMITTED, SessionStore, export_session, open_session
from cxassess.workshop.widgets import (
    FacilitatorPanel,
    ParticipantEntry,
    ParticipantView,
    WorkshopApp,
    default_session_file,
    open_app,
    self_assessment,
    workshop,
)

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
