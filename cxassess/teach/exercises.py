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

Solutions are ordinary functions (``solution_*``); :func:`show_solution` prints a solution's own
source and its result, and only when the notebook's ``show_solutions`` parameter is true.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pandas as pd

from cxassess.errors import CxError
from cxassess.teach.action_plan import (
    EXAMPLE_ACTIONS,
    PLAN_COLUMNS,
    VAGUE_OWNERS,
    check_action_plan,
    solution_action_plan,
)
from cxassess.teach.customer_measures import (
    check_csat,
    check_nps,
    check_nps_groups,
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
    load_sample_survey,
    questionnaire_overview,
)

SOLUTIONS: dict[str, tuple[Callable[..., Any], ...]] = {
    "nps": (solution_nps_groups, solution_nps),
    "csat": (solution_csat,),
    "heatmap": (solution_weakest_dimension, solution_gaps),
    "action_plan": (solution_action_plan,),
}


def show_solution(name: str, show: bool, *args: Any, **kwargs: Any) -> Any:
    """The solution to exercise ``name`` (its code and its result), or a note that solutions are hidden.

    ``args``/``kwargs`` are passed to each solution function (the survey, or the culture scores).
    Returns an IPython Markdown object, so the notebook cell displays it.
    """
    from IPython.display import Markdown

    if name not in SOLUTIONS:
        raise CxError(f"no solution called '{name}' (have: {', '.join(SOLUTIONS)})")
    if not show:
        return Markdown("*The solution is hidden. Run the notebook with the parameter `show_solutions=True` "
                        "to see it.*")
    parts = []
    for func in SOLUTIONS[name]:
        result = func(*args, **kwargs)
        shown = result.round(2).to_string() if isinstance(result, (pd.Series, pd.DataFrame)) else repr(_tidy(result))
        parts.append(f"```python\n{inspect.getsource(func).rstrip()}\n```\n\nResult:\n\n```\n{shown}\n```")
    return Markdown("\n\n".join(parts))


def _tidy(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 2)
    if isinstance(value, tuple):
        return tuple(_tidy(v) for v in value)
    return value


__all__ = [
    "Feedback", "load_sample_survey", "demo_culture_scores", "questionnaire_overview", "default_self_assessment_file",
    "check_nps_groups", "check_nps", "check_csat", "check_weakest_dimension", "check_widest_gap", "check_action_plan",
    "solution_nps_groups", "solution_nps", "solution_csat", "solution_weakest_dimension", "solution_gaps",
    "solution_action_plan", "show_solution",
    # constants of the exercises
    "DEMO_ORGANISATION", "GAP_HIGH", "GAP_LOW", "VAGUE_OWNERS", "TOLERANCE", "ROUNDED", "PLAN_COLUMNS",
    "EXAMPLE_ACTIONS",
]
