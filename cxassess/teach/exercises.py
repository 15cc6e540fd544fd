"""Exercises for the teaching notebook: ``check_...()`` helpers and the worked solutions.

A check never raises on a wrong or missing answer: it returns :class:`Feedback`, which says
whether the answer is right and, when it is not, the most likely reason (the classic slips:
a share instead of percent points, blanks counted as detractors, 7-8 counted as promoters...).
Expected answers always come from the package itself (``cxassess.metrics.summary``, ``cxassess.scoring.score``),
so the exercise and the tool can never disagree.

The notebook calls this module (``ex.*``); the exercises live by topic: the data they use
(:mod:`cxassess.teach.samples`), the feedback (:mod:`cxassess.teach.feedback`), NPS and CSAT
(:mod:`cxassess.teach.customer_measures`), the heatmap (:mod:`cxassess.teach.heatmap`) and the
action plan (:mod:`cxassess.teach.action_plan`).

Worked answers are shown as a learner would type them: the snippets of ``templates/teach/solutions.yaml``,
run on the notebook's own data, with their values and the no-code route (:func:`show_solution`, only
when the notebook's ``show_solutions`` parameter is true). The ``solution_*`` functions compute the
same answers for the checks and tests.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cxassess._util.paths import TEMPLATES_DIR
from cxassess._util.yamlfile import read_yaml
from cxassess.errors import CxError
from cxassess.scoring.score import Scores
from cxassess.teach.action_plan import (
    EXAMPLE_ACTIONS,
    PLAN_COLUMNS,
    VAGUE_OWNERS,
    check_action_plan,
    solution_action_plan,
)
from cxassess.teach.class_results import ClassResults, class_results
from cxassess.teach.customer_measures import (
    answer_counts,
    check_csat,
    check_nps,
    check_nps_groups,
    nps_by,
    nps_margin,
    sample_comments,
    solution_csat,
    solution_nps,
    solution_nps_groups,
)
from cxassess.teach.feedback import ROUNDED, TOLERANCE, Feedback
from cxassess.teach.heatmap import (
    GAP_HIGH,
    GAP_LOW,
    check_weakest_dimension,
    check_widest_gap,
    solution_gaps,
    solution_weakest_dimension,
)
from cxassess.teach.samples import (
    DEMO_ORGANISATION,
    default_self_assessment_file,
    demo_culture_scores,
    learner_code,
    load_sample_survey,
    questionnaire_overview,
)

SOLUTIONS_FILE = TEMPLATES_DIR / "teach" / "solutions.yaml"
#: The exercises with a worked answer: the snippets of ``templates/teach/solutions.yaml`` and the action plan.
SOLUTIONS = ("nps", "csat", "heatmap", "action_plan")


@dataclass(frozen=True)
class WorkedStep:
    """One step of a worked answer: the code a learner would type, and the values it gives."""

    step: str
    code: str
    values: dict[str, Any]
    by_hand: str = ""

    def to_markdown(self) -> str:
        parts = [f"**{self.step}**", f"```python\n{self.code.rstrip()}\n```"]
        if self.values:
            parts.append("```\n" + "\n".join(f"{k} = {_shown(v)}" for k, v in self.values.items()) + "\n```")
        if self.by_hand:
            parts.append(f"*Without code:* {self.by_hand}")
        return "\n\n".join(parts)


@functools.lru_cache(maxsize=1)
def _snippets() -> dict[str, list[dict[str, Any]]]:
    data = read_yaml(SOLUTIONS_FILE, "worked solutions", lambda source, problems: CxError(f"{source}: {problems[0]}"))
    if not isinstance(data, dict):
        raise CxError(f"{SOLUTIONS_FILE}: expected one list of steps per exercise")
    return data


def worked_solution(name: str, *, survey: pd.DataFrame | None = None, culture: Scores | None = None,
                    today: dt.date | None = None) -> list[WorkedStep]:
    """The worked answer to exercise ``name``, run on the notebook's data (``survey`` or ``culture``)."""
    if name not in SOLUTIONS:
        raise CxError(f"no solution called '{name}' (have: {', '.join(SOLUTIONS)})")
    if name == "action_plan":
        if culture is None:
            raise CxError("the action-plan solution needs the culture scores")
        plan = solution_action_plan(culture, today=today)
        rows = ",\n".join("    {" + ",\n     ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in row.items()) + "}"
                           for row in plan.to_dict("records"))
        code = f"my_plan = pd.DataFrame([\n{rows},\n])"
        return [WorkedStep("A plan that passes the check", code, {},
                           "Start from the weakest dimension and the widest gap of Exercise 2; give each action a "
                           "role as owner, a date within the year and a metric or a number to watch.")]
    namespace: dict[str, Any] = {"pd": pd, "survey": survey, "culture": culture}
    steps = []
    for entry in _snippets()[name]:
        exec(compile(entry["code"], f"{SOLUTIONS_FILE.name}:{name}", "exec"), namespace)  # our own data file
        values = {v: namespace[v] for v in entry.get("show", [])}
        steps.append(WorkedStep(entry["step"], entry["code"], values, " ".join(str(entry.get("by_hand", "")).split())))
    return steps


def show_solution(name: str, show: bool, data: Any = None, *, today: dt.date | None = None) -> Any:
    """The worked answer to exercise ``name`` as Markdown, or a note that solutions are hidden.

    ``data`` is what the exercise works on: the customer ``survey`` (nps, csat) or the ``culture``
    scores (heatmap, action_plan).
    """
    from IPython.display import Markdown

    if name not in SOLUTIONS:
        raise CxError(f"no solution called '{name}' (have: {', '.join(SOLUTIONS)})")
    if not show:
        return Markdown("*The solution is hidden. Run the notebook with the parameter `show_solutions=True` "
                        "to see it.*")
    kind = {"survey": data} if name in ("nps", "csat") else {"culture": data}
    steps = worked_solution(name, today=today, **kind)
    return Markdown("\n\n".join(step.to_markdown() for step in steps))


def _shown(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.2f}"
    if isinstance(value, np.integer):
        return str(int(value))
    return repr(value)


__all__ = [
    "Feedback", "load_sample_survey", "demo_culture_scores", "questionnaire_overview", "default_self_assessment_file",
    "learner_code",
    "check_nps_groups", "check_nps", "check_csat", "check_weakest_dimension", "check_widest_gap", "check_action_plan",
    "solution_nps_groups", "solution_nps", "solution_csat", "solution_weakest_dimension", "solution_gaps",
    "solution_action_plan", "show_solution", "worked_solution", "WorkedStep", "answer_counts", "nps_by", "nps_margin",
    "SOLUTIONS", "sample_comments", "class_results", "ClassResults",
    # constants of the exercises
    "DEMO_ORGANISATION", "GAP_HIGH", "GAP_LOW", "VAGUE_OWNERS", "TOLERANCE", "ROUNDED", "PLAN_COLUMNS",
    "EXAMPLE_ACTIONS",
]
