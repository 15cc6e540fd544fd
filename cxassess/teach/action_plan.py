"""Exercise 3: an action plan (3-5 specific actions, owned, dated and measurable), and a worked solution."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd

from cxassess.errors import CxError
from cxassess.scoring.score import Scores
from cxassess.teach.feedback import Feedback
from cxassess.teach.heatmap import (
    GAP_HIGH,
    GAP_LOW,
    dimension_id,
    gaps_between,
    solution_gaps,
    solution_weakest_dimension,
)

VAGUE_OWNERS = {"", "everyone", "all", "all staff", "the team", "team", "we", "us", "tbd", "tbc", "n/a", "nobody"}
PLAN_COLUMNS = ("dimension", "action", "owner", "due", "measure")
EXAMPLE_ACTIONS = {
    "leadership": ("Write a one-page customer promise with the leadership team and review every major decision "
                   "against it", "Chief executive",
                   "customer promise published; share of board papers with a customer-impact section"),
    "employees": ("Give front-line staff a small budget and clear permission to fix a customer's problem on the spot",
                  "Head of operations", "issues solved at first contact; staff survey item on trust"),
    "silos": ("Hold a monthly cross-department review of the three journeys with the most complaints",
              "Chief operating officer", "complaints passed between departments; time to resolution"),
    "feedback": ("Close the loop: every detractor comment gets a reply within five working days and a named owner",
                 "Customer experience lead", "share of detractors contacted; repeat NPS of contacted customers"),
    "insight": ("Bring customer history from billing, bookings and complaints into one view the front desk can see",
                "Head of data", "share of contacts where staff can see the full history"),
    "journeys": ("Map the booking-to-follow-up journey with staff and customers and fix the two worst handovers",
                 "Service design lead", "customer effort score at the two handovers"),
    "design": ("Set three service standards for every channel and check them monthly with mystery visits",
               "Head of customer service", "standards met in mystery visits; CSAT by channel"),
    "measurement": ("Report NPS, CSAT and effort next to retention and cost-to-serve in the monthly management pack",
                    "Finance director", "metrics in the pack every month; retention by NPS group"),
}


def _as_plan(plan: Any) -> pd.DataFrame:
    if isinstance(plan, pd.DataFrame):
        frame = plan.copy()
    elif isinstance(plan, (list, tuple)) and all(isinstance(r, dict) for r in plan):
        frame = pd.DataFrame(list(plan))
    else:
        raise CxError("the plan must be a DataFrame or a list of dicts with the columns " + ", ".join(PLAN_COLUMNS))
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in PLAN_COLUMNS if c not in frame.columns]
    if missing:
        raise CxError(f"the plan has no column(s) {', '.join(missing)}; it needs {', '.join(PLAN_COLUMNS)}")
    return frame[list(PLAN_COLUMNS)].fillna("").astype(str).apply(lambda s: s.str.strip())


def check_action_plan(plan: Any, scores: Scores, today: dt.date | None = None, column: str = "role",
                      high: str = GAP_HIGH, low: str = GAP_LOW) -> Feedback:
    """Check an action plan: 3-5 specific actions, each on a dimension, with an owner, a date and a measure,
    covering the weakest dimension and the widest perception gap."""
    try:
        frame = _as_plan(plan)
    except CxError as exc:
        return Feedback(False, str(exc))
    frame = frame.loc[(frame != "").any(axis=1)]
    q = scores.questionnaire
    today = today or dt.date.today()
    problems: list[str] = []
    if not 3 <= len(frame) <= 5:
        problems.append(f"The plan has {len(frame)} action(s); aim for 3 to 5 so the organisation can focus.")
    dims: list[str] = []
    for i, row in enumerate(frame.itertuples(index=False), start=1):
        dim = dimension_id(row.dimension, q)
        if dim is None:
            problems.append(f"Action {i}: '{row.dimension}' is not a dimension ({', '.join(q.dimension_ids)}).")
        else:
            dims.append(dim)
        if len(re.findall(r"\w+", row.action)) < 6:
            problems.append(f"Action {i}: say concretely what will be done (at least six words), not just a theme.")
        if row.owner.lower() in VAGUE_OWNERS:
            problems.append(f"Action {i}: give one named owner (a person or role); "
                            f"'{row.owner or 'nobody'}' owns nothing.")
        due = pd.to_datetime(row.due, errors="coerce", format="ISO8601") if row.due else pd.NaT
        if pd.isna(due):
            problems.append(f"Action {i}: give a due date as YYYY-MM-DD (got '{row.due}').")
        elif not today < due.date() <= today + dt.timedelta(days=366):
            problems.append(f"Action {i}: the due date {due.date()} should fall within the next twelve months.")
        if len(re.findall(r"\w+", row.measure)) < 2:
            problems.append(f"Action {i}: name a measure that will show whether it worked.")
    if frame["action"].str.lower().duplicated().any():
        problems.append("Two actions are the same; merge them.")
    weakest = solution_weakest_dimension(scores)
    if weakest not in dims:
        problems.append(f"Nothing addresses the weakest dimension, {q.dimension(weakest).name}.")
    try:
        widest = gaps_between(scores, column, high, low).index[0]
    except CxError:
        widest = None
    if widest and widest not in dims:
        problems.append(f"Nothing addresses the widest {high}/{low} gap, on {q.dimension(widest).name}.")
    if problems:
        return Feedback(False, f"{len(problems)} thing(s) to improve.", tuple(problems))
    return Feedback(True, f"{len(frame)} focused actions, each owned, dated and measurable, covering the weakest "
                          "dimension and the widest perception gap.")


def solution_action_plan(scores: Scores, today: dt.date | None = None) -> pd.DataFrame:
    today = today or dt.date.today()
    gaps = solution_gaps(scores)
    focus = [solution_weakest_dimension(scores), gaps.index[0]]
    focus += [d for d in scores.dimensions["score"].sort_values().index if d not in focus][:1]
    rows = []
    for months, dim in zip((3, 6, 9), focus, strict=False):
        action, owner, measure = EXAMPLE_ACTIONS[dim]
        due = today + dt.timedelta(days=30 * months)
        rows.append({"dimension": dim, "action": action, "owner": owner, "due": due.isoformat(), "measure": measure})
    return pd.DataFrame(rows)
