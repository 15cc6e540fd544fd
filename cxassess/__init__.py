"""cxassess: assess an organisation's customer-experience maturity and culture.

The flow, one module each: questionnaire -> responses -> scoring -> charts / recommend /
metrics -> report -> batch. The public API is re-exported here lazily, so ``import cxassess``
stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "CxError": "cxassess.errors",
    "Questionnaire": "cxassess.questionnaire",
    "load_questionnaire": "cxassess.questionnaire",
    "Responses": "cxassess.responses",
    "read_responses": "cxassess.responses",
    "responses_from_frame": "cxassess.responses",
    "Scores": "cxassess.scoring",
    "score": "cxassess.scoring",
    "score_file": "cxassess.scoring",
    "import_export": "cxassess.survey_import",
    "action_plan": "cxassess.recommend",
    "summarise": "cxassess.metrics",
    "summarise_file": "cxassess.metrics",
    "lifetime_value": "cxassess.economics",
    "ReportRequest": "cxassess.report",
    "render_report": "cxassess.report",
    "open_session": "cxassess.workshop.store",
    "export_session": "cxassess.workshop.store",
    "self_assessment": "cxassess.workshop",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'cxassess' has no attribute {name!r}")
