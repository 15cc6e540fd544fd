"""cxassess: assess an organisation's customer-experience maturity and culture.

The flow, one subpackage each (see ``ls cxassess/``): questionnaire -> io (read answers) ->
scoring, metrics -> report -> run (one client or a batch); beside it the workshop (live, on
phones or a shared laptop), teach and demo. This module is the public API the notebooks and the
CLI use. Names are imported on first use, so ``import cxassess`` stays fast (no pandas).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

__all__ = [
    "__version__",
    # errors
    "CxError", "Problem",
    # the questionnaire
    "Questionnaire", "load_questionnaire",
    # reading answers
    "Responses", "read_responses", "responses_from_frame", "import_export", "read_targets",
    # scoring and customer metrics
    "MIN_GROUP_SIZE", "Scores", "score", "score_file", "summarise", "summarise_file",
    # the report
    "action_plan", "charts", "narrative", "ReportRequest", "render_report", "batch",
    # assessment history: trends between waves, a portfolio benchmark
    "open_store", "add_assessment", "client_history", "report_history", "history_html",
    # the workshop
    "SessionStore", "open_session", "export_session", "open_app", "self_assessment", "serve_workshop",
    # teaching and demo data
    "exercises", "economics", "lifetime_value", "DEMO_DIR",
]

_FROM = {  # public name -> (module, attribute); attribute None: the module itself
    "CxError": ("cxassess.errors", "CxError"),
    "Problem": ("cxassess.errors", "Problem"),
    "Questionnaire": ("cxassess.questionnaire.model", "Questionnaire"),
    "load_questionnaire": ("cxassess.questionnaire.model", "load_questionnaire"),
    "Responses": ("cxassess.io.responses", "Responses"),
    "read_responses": ("cxassess.io.read", "read_responses"),
    "responses_from_frame": ("cxassess.io.responses", "responses_from_frame"),
    "import_export": ("cxassess.io.survey_import", "import_export"),
    "read_targets": ("cxassess.io.targets", "read_targets"),
    "MIN_GROUP_SIZE": ("cxassess.scoring", "MIN_GROUP_SIZE"),
    "Scores": ("cxassess.scoring.score", "Scores"),
    "score": ("cxassess.scoring.score", "score"),
    "score_file": ("cxassess.scoring.score", "score_file"),
    "summarise": ("cxassess.metrics.summary", "summarise"),
    "summarise_file": ("cxassess.metrics.summary", "summarise_file"),
    "action_plan": ("cxassess.report.actions", "action_plan"),
    "charts": ("cxassess.report.charts", None),
    "narrative": ("cxassess.report.narrative", None),
    "ReportRequest": ("cxassess.report.request", "ReportRequest"),
    "render_report": ("cxassess.run.renderer", "render_report"),
    "batch": ("cxassess.run.batch", "batch"),
    "open_store": ("cxassess.store.database", "open_store"),
    "add_assessment": ("cxassess.store.api", "add_assessment"),
    "client_history": ("cxassess.store.api", "client_history"),
    "report_history": ("cxassess.report.history", "report_history"),
    "history_html": ("cxassess.report.history", "history_html"),
    "SessionStore": ("cxassess.workshop.store", "SessionStore"),
    "open_session": ("cxassess.workshop.store", "open_session"),
    "export_session": ("cxassess.workshop.store", "export_session"),
    "open_app": ("cxassess.workshop.widgets", "open_app"),
    "self_assessment": ("cxassess.workshop.widgets", "self_assessment"),
    "serve_workshop": ("cxassess.workshop.serve", "serve"),
    "exercises": ("cxassess.teach.exercises", None),
    "economics": ("cxassess.teach.economics", None),
    "lifetime_value": ("cxassess.teach.economics", "lifetime_value"),
    "DEMO_DIR": ("cxassess._util.paths", "DEMO_DIR"),
}


def __getattr__(name: str) -> Any:
    if name in _FROM:
        module, attribute = _FROM[name]
        value = import_module(module)
        return value if attribute is None else getattr(value, attribute)
    raise AttributeError(f"module 'cxassess' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
