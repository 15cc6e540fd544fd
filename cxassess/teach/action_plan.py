"""Exercise 3: an action plan (3-5 specific actions, owned, dated and measurable), and a worked solution."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from cxassess._util.paths import TEMPLATES_DIR
from cxassess._util.yamlfile import read_yaml
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
PLAN_RULES = TEMPLATES_DIR / "teach" / "action_plan.yaml"


@dataclass(frozen=True)
class PlanWords:
    """The word lists of ``templates/teach/action_plan.yaml``: what makes an action vague or concrete,
    an owner a role, a measure measurable."""

    vague: tuple[str, ...]
    concrete: tuple[str, ...]
    roles: tuple[str, ...]
    metrics: tuple[str, ...]


@functools.lru_cache(maxsize=1)
def plan_words() -> PlanWords:
    data = read_yaml(PLAN_RULES, "action-plan rules", lambda source, problems: CxError(f"{source}: {problems[0]}"))
    try:
        return PlanWords(*(tuple(str(w).casefold() for w in data[key])
                           for key in ("vague", "concrete", "roles", "metrics")))
    except (KeyError, TypeError) as exc:
        raise CxError(f"{PLAN_RULES}: needs the lists vague, concrete, roles and metrics ({exc})") from None


def _found(text: str, phrases: tuple[str, ...]) -> list[str]:
    """The phrases that occur in ``text`` as whole words."""
    words = " " + " ".join(re.findall(r"[\w-]+", text.casefold())) + " "
    return [p for p in phrases if f" {p} " in words]


def action_problem(action: str) -> str | None:
    """Why an action is not concrete yet, or None: six words or more, nothing vague, and something visible."""
    rules = plan_words()
    if len(re.findall(r"\w+", action)) < 6:
        return "say concretely what will be done (at least six words), not just a theme"
    vague = _found(action, rules.vague)
    if vague:
        return (f"'{vague[0]}' is too vague to act on; say what will happen, how often or by when, "
                "e.g. 'review the three worst journeys with every department each month'")
    if not (re.search(r"\d", action) or _found(action, rules.concrete)):
        return ("name something that will visibly happen (a review, a training, a budget, a standard) "
                "or how often (weekly, every customer)")
    return None


def owner_problem(owner: str) -> str | None:
    """Why an owner is not one accountable role, or None."""
    if owner.casefold() in VAGUE_OWNERS:
        return f"give one named owner role; '{owner or 'nobody'}' owns nothing"
    if not _found(owner, plan_words().roles):
        return (f"name the owner's role, not only a person ('Head of service' or 'Head of service ({owner})'): "
                "a role stays when a person moves on")
    return None


def measure_problem(measure: str) -> str | None:
    """Why a measure would not show whether the action worked, or None: a number (a target) or a named metric."""
    if re.search(r"\d", measure) or _found(measure, plan_words().metrics):
        return None
    return ("name a measure that will show whether it worked: a metric you can count (NPS, complaints, "
            "time to resolve) or a target with a number ('detractors contacted within 5 days: 90%')")
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
        for problem in (action_problem(row.action), owner_problem(row.owner)):
            if problem:
                problems.append(f"Action {i}: {problem}.")
        due = pd.to_datetime(row.due, errors="coerce", format="ISO8601") if row.due else pd.NaT
        if pd.isna(due):
            problems.append(f"Action {i}: give a due date as YYYY-MM-DD (got '{row.due}').")
        elif not today < due.date() <= today + dt.timedelta(days=366):
            problems.append(f"Action {i}: the due date {due.date()} should fall within the next twelve months.")
        problem = measure_problem(row.measure)
        if problem:
            problems.append(f"Action {i}: {problem}.")
    if frame["action"].str.lower().duplicated().any():
        problems.append("Two actions are the same; merge them.")
    # The dimensions to cover are Exercise 2's answers: named only once the plan has actions, so that
    # running every cell of an untouched notebook does not give Exercise 2 away.
    if len(frame):
        weakest = solution_weakest_dimension(scores)
        if weakest not in dims:
            problems.append("Nothing addresses the weakest dimension you found in Exercise 2 (a).")
        try:
            widest = gaps_between(scores, column, high, low).index[0]
        except CxError:
            widest = None
        if widest and widest not in dims:
            problems.append(f"Nothing addresses the widest {high}/{low} gap you found in Exercise 2 (b).")
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
