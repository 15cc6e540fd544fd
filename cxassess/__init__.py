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
    "Questionnaire": "cxassess.questionnaire.model",
    "load_questionnaire": "cxassess.questionnaire.model",
    "Responses": "cxassess.io.responses",
    "read_responses": "cxassess.io.responses",
    "responses_from_frame": "cxassess.io.responses",
    "Scores": "cxassess.scoring.score",
    "score": "cxassess.scoring.score",
    "score_file": "cxassess.scoring.score",
    "import_export": "cxassess.io.survey_import",
    "action_plan": "cxassess.report.actions",
    "summarise": "cxassess.metrics.summary",
    "summarise_file": "cxassess.metrics.summary",
    "lifetime_value": "cxassess.teach.economics",
    "ReportRequest": "cxassess.report.render",
    "render_report": "cxassess.report.render",
    "open_session": "cxassess.workshop.store",
    "export_session": "cxassess.workshop.store",
    "self_assessment": "cxassess.workshop",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'cxassess' has no attribute {name!r}")
