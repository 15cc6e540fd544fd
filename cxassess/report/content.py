"""What the deck and the workbook are built from: the scores behind ``scores.json``, the action plan,
the customer measures and the title facts, gathered once per report.

The HTML report's own functions make all of it (:func:`~cxassess.scoring.score.score_file`,
:func:`~cxassess.report.actions.action_plan`, :mod:`cxassess.report.narrative`), so the derived
formats have no second source of truth: the renderer hands over the kernel's own objects
(:func:`kernel_objects`, pickled after the notebook's last cell). Without them the caller's
:class:`Scores` is used, or the responses are scored again with the same function and inputs; the
figures are checked against the scores document before anything is written.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cxassess.errors import CxError


@dataclass
class ReportContent:
    """One report's facts for the derived formats (``doc`` is exactly what ``scores.json`` holds)."""

    client: str
    consultant: str
    assessment_date: str
    doc: Mapping[str, Any]
    scores: Any  # Scores
    plan: Any  # ActionPlan
    metrics: Any = None  # CustomerMetrics, when the report has a customer survey
    request: Any = None  # the ReportRequest (responses file, grouping) for the optional responses sheet
    #: what the notebook also hands the narrative (targets, invited, ...), built from its own parameters
    extras: dict[str, Any] = field(default_factory=dict)
    #: further results of the notebook (its comment summary), when its kernel handed them over
    sections: dict[str, Any] = field(default_factory=dict)
    _said: dict[Any, str] = field(default_factory=dict, repr=False)

    def narrative(self, name: str, *args: Any, **kwargs: Any) -> str:
        """Call ``cxassess.report.narrative.<name>`` as the report notebook does: with the same
        scores, plan and parameters (only the keyword arguments the function takes)."""
        from cxassess.report import narrative

        key = (name, tuple(id(a) for a in args), tuple(sorted(kwargs.items())))
        if key not in self._said:  # the deck and the workbook both quote the summary: made once
            fn = getattr(narrative, name)
            accepted = inspect.signature(fn).parameters
            offered = {"client_name": self.client, "metrics": self.metrics, "plan": self.plan, **self.extras,
                       **kwargs}
            self._said[key] = str(fn(*args, **{k: v for k, v in offered.items() if k in accepted}))
        return self._said[key]


#: The user expressions the renderer evaluates in the report's kernel after its last cell: the
#: ``scores.json`` figures (:func:`kernel_scores`), and the objects for the deck and workbook.
KERNEL_SCORES = "__import__('cxassess.report.content', fromlist=['kernel_scores']).kernel_scores(globals())"
KERNEL_OBJECTS = "__import__('cxassess.report.content', fromlist=['kernel_objects']).kernel_objects(globals())"
#: The notebook's variables handed to the narrative besides ``scores``, ``plan`` and ``metrics``.
NARRATIVE_INPUTS = ("targets", "invited")
#: The notebook's further results the deck shows when the kernel hands them over.
SECTIONS = ("comments",)


def kernel_objects(namespace: Mapping[str, Any]) -> str:
    """In the report's kernel: its scores, plan, customer measures and narrative inputs, pickled
    (base64 text), so the deck and workbook use the very objects the HTML was made from."""
    import base64
    import pickle

    picked = {"scores": namespace.get("scores"), "plan": namespace.get("plan"), "metrics": namespace.get("metrics"),
              "extras": {k: namespace[k] for k in NARRATIVE_INPUTS if k in namespace},
              "sections": {k: namespace[k] for k in SECTIONS if k in namespace}}
    return base64.b64encode(pickle.dumps(picked, protocol=pickle.HIGHEST_PROTOCOL)).decode("ascii")


def kernel_scores(namespace: Mapping[str, Any]) -> str:
    """In the report's kernel: its ``scores`` as JSON, with the comment summary (``comments``) and the
    trend and benchmark (``history``) the report showed, when it made them: nothing is computed twice."""
    import json

    doc: dict[str, Any] = namespace["scores"].to_dict()
    for key in ("comments", "history"):  # CommentSummary, History: each has to_dict()
        shown: Any = namespace.get(key)
        if hasattr(shown, "to_dict"):
            doc[key] = shown.to_dict()
    return json.dumps(doc, ensure_ascii=False)


def _unpickle(text: str | None) -> dict[str, Any]:
    """What :func:`kernel_objects` handed over (our own kernel, running our own package), or nothing."""
    if not text:
        return {}
    import base64
    import pickle

    try:
        value = pickle.loads(base64.b64decode(text))  # noqa: S301 - written by our kernel for this render
    except Exception:  # noqa: BLE001 - an unreadable hand-over just means scoring again
        return {}
    return value if isinstance(value, dict) else {}


def report_content(doc: Mapping[str, Any], request: Any, scores: Any = None,
                   objects: str | None = None) -> ReportContent:
    """Gather a report's content from its kernel's objects, or its Scores, or by scoring again
    (see the module docstring); the figures are checked against ``doc`` first."""
    from cxassess.report.actions import action_plan

    handed = _unpickle(objects)
    if handed.get("scores") is not None and hasattr(handed["scores"], "dimensions"):
        scores = handed["scores"]
    if scores is None or isinstance(scores, dict):
        from cxassess.scoring.score import score_file

        scores = score_file(request.responses, request.questionnaire, group_by=request.group_by,
                            targets=request.targets, min_group_size=request.min_group_size)
    check_same(scores, doc, request.client)
    metrics = handed.get("metrics")
    if metrics is None and request.customer_metrics:
        from cxassess.report.customer_metrics import load_customer_metrics

        metrics = load_customer_metrics(request.customer_metrics, request.min_group_size)
    plan = handed.get("plan") if handed.get("scores") is scores and handed.get("plan") is not None else None
    params = dict(doc.get("report", {}).get("parameters", {}))
    date = str(params.get("assessment_date") or request.assessment_date or "")
    extras = {**_extras(params), **handed.get("extras", {})} if handed else _extras(params)
    return ReportContent(client=request.client, consultant=str(request.consultant or ""), assessment_date=date,
                         doc=doc, scores=scores, plan=plan if plan is not None else action_plan(scores),
                         metrics=metrics, request=request, extras=extras,
                         sections=dict(handed.get("sections", {})) if handed.get("scores") is scores else {})


def _extras(params: Mapping[str, Any]) -> dict[str, Any]:
    """The notebook's further narrative inputs, from the parameters it was run with."""
    from cxassess.report import narrative

    extras: dict[str, Any] = {"targets": narrative.as_optional(params.get("targets"))}
    load_invited = getattr(narrative, "load_invited", None)
    if load_invited is not None:
        extras["invited"] = load_invited(narrative.as_optional(params.get("invited")))
    return extras


def check_same(scores: Any, doc: Mapping[str, Any], client: str) -> None:
    """Refuse to write a deck or workbook whose figures would differ from ``scores.json``."""
    def close(a: Any, b: Any) -> bool:
        a = None if a is None or (isinstance(a, float) and math.isnan(a)) else float(a)
        return a is b if a is None or b is None else math.isclose(a, float(b), rel_tol=0, abs_tol=1e-6)

    problems = []
    if scores.respondents != doc.get("respondents"):
        problems.append("respondents")
    if not close(scores.overall.get("score"), doc.get("overall", {}).get("score")):
        problems.append("overall score")
    for dim, row in scores.dimensions[["score", "sd"]].iterrows():
        other = doc.get("dimensions", {}).get(dim, {})
        if not close(row["score"], other.get("score")) or not close(row["sd"], other.get("sd")):
            problems.append(f"dimension {dim}")
    if problems:
        raise CxError(f"{client}: the responses changed while the report was rendered ({', '.join(problems[:5])} "
                      "differ from scores.json); render it again")


__all__ = ["ReportContent", "report_content", "check_same", "kernel_objects", "kernel_scores", "KERNEL_OBJECTS",
           "KERNEL_SCORES"]
