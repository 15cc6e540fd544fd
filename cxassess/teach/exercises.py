"""Exercises for the teaching notebook: ``check_...()`` helpers and the worked solutions.

A check never raises on a wrong or missing answer: it returns :class:`Feedback`, which says
whether the answer is right and, when it is not, the most likely reason (the classic slips:
a share instead of percent points, blanks counted as detractors, 7-8 counted as promoters...).
Expected answers always come from the package itself (``cxassess.metrics.summary``, ``cxassess.scoring.score``),
so the exercise and the tool can never disagree.

Solutions are ordinary functions (``solution_*``); :func:`show_solution` prints a solution's own
source and its result, and only when the notebook's ``show_solutions`` parameter is true.
"""

from __future__ import annotations

import datetime as dt
import inspect
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import pandas as pd

from cxassess._util.paths import DEMO_DIR
from cxassess.demo.customers import SAMPLE_SURVEY
from cxassess.errors import CxError
from cxassess.metrics.summary import summarise
from cxassess.questionnaire.model import Questionnaire, load_questionnaire
from cxassess.scoring import MIN_GROUP_SIZE
from cxassess.scoring.score import Scores

DEMO_ORGANISATION = "harbour-health-clinics"
GAP_HIGH, GAP_LOW = "leadership", "front line"  # the two roles compared in the perception-gap exercise
VAGUE_OWNERS = {"", "everyone", "all", "all staff", "the team", "team", "we", "us", "tbd", "tbc", "n/a", "nobody"}
TOLERANCE = 0.05  # percent points: answers rounded to one decimal are right
ROUNDED = 0.5  # answers rounded to a whole number are right too


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: ``ok`` and the reasons. Truthy when right; renders as Markdown."""

    ok: bool
    summary: str
    details: tuple[str, ...] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        head = ("Right: " if self.ok else "Not yet: ") + self.summary
        return "\n".join([head, *(f"  - {d}" for d in self.details)])

    def _repr_markdown_(self) -> str:
        head = ("**✅ Right.** " if self.ok else "**❌ Not yet.** ") + self.summary
        return "\n".join([head, "", *(f"- {d}" for d in self.details)])


def _number(answer: Any) -> float | None:
    if answer is None or isinstance(answer, bool):
        return None
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _missing(what: str, example: str) -> Feedback:
    return Feedback(False, f"no answer yet: set {what} to a number, for example `{example}`.")


# --------------------------------------------------------------------------------------
# data for the exercises
# --------------------------------------------------------------------------------------
def load_sample_survey(path: str | Path = SAMPLE_SURVEY) -> pd.DataFrame:
    """The bundled customer survey as pandas reads it by default (blanks become NaN)."""
    return pd.read_csv(path)


def demo_culture_scores(organisation: str = DEMO_ORGANISATION, group_by: Iterable[str] = ("role", "department"),
                        min_group_size: int = MIN_GROUP_SIZE) -> Scores:
    """Score a demo organisation's culture survey (``data/demo/<organisation>.csv``) by role and department."""
    from cxassess.scoring.score import score_file

    path = DEMO_DIR / f"{organisation}.csv"
    if not path.exists():
        have = ", ".join(sorted(p.stem for p in DEMO_DIR.glob("*.csv") if p.stem != "manifest")) or "none"
        raise CxError(f"no demo organisation '{organisation}' in {DEMO_DIR} (available: {have})")
    return score_file(path, group_by=tuple(group_by), min_group_size=min_group_size)


def questionnaire_overview(q: Questionnaire | None = None) -> pd.DataFrame:
    """One row per dimension: its name, what it looks at, how many statements, and a first example."""
    q = q or load_questionnaire()
    rows = [{"dimension": d.name, "looks at": d.description, "statements": len(q.items_of(d.id)),
             "example statement": q.items_of(d.id)[0].text} for d in q.dimensions]
    return pd.DataFrame(rows, index=[d.id for d in q.dimensions])


def default_self_assessment_file(participant: str = "me") -> Path:
    """Where the notebook keeps a learner's self-assessment: in the home folder, never in the project."""
    from cxassess._util.safe import slugify

    return Path.home() / ".cxassess" / f"teaching-self-assessment-{slugify(participant)}.sqlite"


# --------------------------------------------------------------------------------------
# exercise 1: NPS and CSAT by hand
# --------------------------------------------------------------------------------------
def _column(survey: pd.DataFrame | None, column: str) -> tuple[pd.DataFrame, pd.Series]:
    survey = load_sample_survey() if survey is None else survey
    if column not in survey.columns:
        raise CxError(f"the survey has no column '{column}' (columns: {', '.join(map(str, survey.columns))})")
    return survey, pd.to_numeric(survey[column], errors="coerce")


def check_nps_groups(promoters: Any, passives: Any, detractors: Any, survey: pd.DataFrame | None = None,
                     column: str = "nps") -> Feedback:
    """Check the three head counts of the NPS exercise."""
    survey, _ = _column(survey, column)
    r = summarise(survey, nps=column).nps
    given = {"promoters": _number(promoters), "passives": _number(passives), "detractors": _number(detractors)}
    if any(v is None for v in given.values()):
        return _missing("all three counts", "my_promoters = (answered >= 9).sum()")
    want = {"promoters": r.promoters, "passives": r.passives, "detractors": r.detractors}
    if given == want:
        return Feedback(True, f"{r.promoters} promoters, {r.passives} passives and {r.detractors} detractors "
                              f"among {r.n} customers who answered ({r.unanswered} left it blank).")
    details = [f"{k}: you have {given[k]:g}, expected {v}" for k, v in want.items() if given[k] != v]
    if given["detractors"] == r.detractors + r.unanswered:
        details.append(f"Your detractors include the {r.unanswered} blank answers. A blank is not a score of 0: "
                       "drop missing answers first (`survey['nps'].dropna()`).")
    if given["promoters"] == r.promoters + r.passives:
        details.append("Promoters are 9 and 10 only; 7 and 8 are passives.")
    if given["detractors"] + given["passives"] + given["promoters"] != r.n:
        details.append(f"The three groups should add up to the {r.n} customers who answered.")
    return Feedback(False, "the counts do not match.", tuple(details))


def _known_slip(value: float, slips: list[tuple[float, str]], headline: str, package: str) -> Feedback | None:
    """Feedback for the first known mistake that ``value`` matches (within TOLERANCE), else None."""
    for wrong, why in slips:
        if abs(value - wrong) <= TOLERANCE:
            return Feedback(False, headline, (why, package))
    return None


def check_nps(answer: Any, survey: pd.DataFrame | None = None, column: str = "nps") -> Feedback:
    """Check a hand-computed NPS (in points, -100..100) against :func:`cxassess.metrics.summary.summarise`."""
    survey, values = _column(survey, column)
    r = summarise(survey, nps=column).nps
    value = _number(answer)
    if value is None:
        return _missing("`my_nps`", "my_nps = 12.5")
    target = r.score
    package = f"`cxassess.metrics.summary` gives {target:.1f} (95% CI {r.ci_low:.1f} to {r.ci_high:.1f}, n = {r.n})."
    if abs(value - target) <= TOLERANCE:
        return Feedback(True, f"NPS = {r.promoters_pct:.1f}% promoters - {r.detractors_pct:.1f}% detractors "
                              f"= {target:.1f}.", (package,))
    answered = values.dropna()
    everyone = len(answered) + r.unanswered
    slips = [
        (target / 100, "That is a share, not a score: NPS is quoted in points, so multiply by 100."),
        (-target, "The sign is reversed: it is promoters minus detractors."),
        (100 * ((answered >= 7).mean() - (answered <= 6).mean()),
         "You counted 7s and 8s as promoters. Only 9 and 10 promote; 7-8 are passives."),
        (100 * ((answered >= 9).mean() - (answered <= 5).mean()),
         "Detractors are 0 to 6 inclusive; you seem to have stopped at 5."),
        (100 * (r.promoters - r.detractors) / everyone,
         f"You divided by all {everyone} rows. Blank answers are unanswered, not part of the base: divide by the "
         f"{r.n} who answered."),
        (100 * (r.promoters - r.detractors - r.unanswered) / everyone,
         "Blank answers were counted as detractors (pandas fills nothing in, but `fillna(0)` would)."),
        (r.promoters_pct, "That is the promoter share alone; subtract the detractor share."),
        (float(answered.mean()), "That is the average rating. NPS ignores the average: it counts 9-10 and 0-6."),
        (10 * float(answered.mean()), "That is the average rating times 10, not the net share of promoters."),
    ]
    slip = _known_slip(value, slips, f"{value:g} is not the NPS.", package)
    if slip is not None:
        return slip
    if abs(value - target) <= ROUNDED:
        return Feedback(True, f"{value:g} is the NPS rounded to a whole number ({target:.1f}).", (package,))
    if not -100 <= value <= 100:
        return Feedback(False, f"{value:g} cannot be an NPS: it always lies between -100 and 100.")
    return Feedback(False, f"{value:g} is not the NPS.", (
        "Keep the answered rows, compute the % with 9-10 and the % with 0-6, and subtract.",
        "Compare your promoter and detractor counts with `check_nps_groups`.",
    ))


def check_csat(answer: Any, survey: pd.DataFrame | None = None, column: str = "csat") -> Feedback:
    """Check a hand-computed CSAT top-2-box percentage (answers 4-5 of 1..5)."""
    survey, values = _column(survey, column)
    r = summarise(survey, csat=column).csat
    value = _number(answer)
    if value is None:
        return _missing("`my_csat`", "my_csat = 70.0")
    package = f"`cxassess.metrics.summary` gives {r.top2_pct:.1f}% (Wilson 95% CI {r.ci_low:.1f} to {r.ci_high:.1f}, n = {r.n})."
    if abs(value - r.top2_pct) <= TOLERANCE:
        return Feedback(True, f"{r.top2_pct:.1f}% of the customers who answered gave 4 or 5.", (package,))
    answered = values.dropna()
    slips = [
        (r.top2_pct / 100, "That is a share: CSAT is reported as a percentage, so multiply by 100."),
        (100 * (answered == 5).mean(), "Top-2-box counts 4 as well as 5."),
        (100 * (answered >= 3).mean(), "3 is the neutral middle of the scale; the top two boxes are 4 and 5."),
        (100 * (answered >= 4).sum() / (len(answered) + r.unanswered),
         "Blank answers are not dissatisfied customers: leave them out of the base."),
        (r.mean, "That is the mean rating; the exercise asks for the share answering 4 or 5."),
    ]
    slip = _known_slip(value, slips, f"{value:g} is not the top-2-box share.", package)
    if slip is not None:
        return slip
    if abs(value - r.top2_pct) <= ROUNDED:
        return Feedback(True, f"{value:g}% is the share rounded to a whole number ({r.top2_pct:.1f}%).", (package,))
    return Feedback(False, f"{value:g} is not the top-2-box share.",
                    ("Keep the answered rows and take the % that answered 4 or 5.",))


def solution_nps_groups(survey: pd.DataFrame, column: str = "nps") -> tuple[int, int, int]:
    answered = survey[column].dropna()  # blanks are unanswered, not zeros
    promoters = int((answered >= 9).sum())
    passives = int(answered.between(7, 8).sum())
    detractors = int((answered <= 6).sum())
    return promoters, passives, detractors


def solution_nps(survey: pd.DataFrame, column: str = "nps") -> float:
    answered = survey[column].dropna()
    promoter_share = (answered >= 9).mean() * 100
    detractor_share = (answered <= 6).mean() * 100
    return float(promoter_share - detractor_share)


def solution_csat(survey: pd.DataFrame, column: str = "csat") -> float:
    answered = survey[column].dropna()
    return float((answered >= 4).mean() * 100)


# --------------------------------------------------------------------------------------
# exercise 2: reading the perception-gap heatmap
# --------------------------------------------------------------------------------------
def _dimension_id(answer: Any, q: Questionnaire) -> str | None:
    text = str(answer or "").strip().lower()
    for d in q.dimensions:
        if text in (d.id.lower(), d.name.lower()):
            return d.id
    return None


def _gaps(scores: Scores, column: str, high: str, low: str, digits: int | None = None) -> pd.Series:
    """``high`` minus ``low`` per dimension, widest first; ``digits`` rounds each group's score first."""
    if column not in scores.groups:
        raise CxError(f"the scores have no breakdown by '{column}' (have: {', '.join(scores.groups) or 'none'})")
    table = scores.groups[column]
    for g in (high, low):
        if g not in table.index:
            raise CxError(f"no '{g}' group in the breakdown by {column} (groups: {', '.join(map(str, table.index))})")
        if table.loc[g, "suppressed"]:
            raise CxError(f"the '{g}' group is suppressed (too few respondents), so its gap cannot be read")
    dims = scores.questionnaire.dimension_ids
    rows = table.loc[[high, low], dims].astype(float)
    if digits is not None:
        rows = rows.round(digits)
    return (rows.loc[high] - rows.loc[low]).sort_values(ascending=False)


def check_weakest_dimension(answer: Any, scores: Scores) -> Feedback:
    """Check which dimension the learner reads as the weakest overall."""
    q = scores.questionnaire
    ranked = scores.dimensions["score"].dropna().sort_values()
    pick = _dimension_id(answer, q)
    if answer in (None, ""):
        return Feedback(False, "no answer yet: give a dimension id (e.g. `'silos'`) or its full name.")
    if pick is None:
        return Feedback(False, f"'{answer}' is not a dimension.", (f"Choose one of: {', '.join(q.dimension_ids)}.",))
    weakest = ranked.index[0]
    if pick == weakest or math.isclose(ranked[pick], ranked.iloc[0], abs_tol=0.005):
        return Feedback(True, f"{q.dimension(pick).name} scores lowest ({ranked[pick]:.2f}).")
    return Feedback(False, f"{q.dimension(pick).name} scores {ranked[pick]:.2f}; one dimension is lower.", (
        "Read the overall scores (the dimension table or `dimension_bars`), not one group's row of the heatmap.",
    ))


def check_widest_gap(answer: Any, scores: Scores, column: str = "role", high: str = GAP_HIGH, low: str = GAP_LOW) -> Feedback:
    """Check which dimension shows the widest gap between two groups (``high`` minus ``low``)."""
    q = scores.questionnaire
    gaps = _gaps(scores, column, high, low)
    if answer in (None, ""):
        return Feedback(False, "no answer yet: give a dimension id (e.g. `'feedback'`) or its full name.")
    pick = _dimension_id(answer, q)
    if pick is None:
        return Feedback(False, f"'{answer}' is not a dimension.", (f"Choose one of: {', '.join(q.dimension_ids)}.",))
    widest = gaps.index[0]
    lesson = ("A gap like this usually means leaders see policies that the front line does not yet feel; "
              "ask both groups what they see before deciding who is right.")
    if pick == widest or math.isclose(gaps[pick], gaps.iloc[0], abs_tol=0.005):
        return Feedback(True, f"{q.dimension(pick).name}: {high} rate it {gaps[pick]:.2f} points higher than {low}.",
                        (lesson,))
    shown = _gaps(scores, column, high, low, digits=1)  # what the heatmap's one-decimal cells show
    if math.isclose(shown[pick], shown.max(), abs_tol=1e-9):
        return Feedback(True, f"on the heatmap's rounded figures, {q.dimension(pick).name} ties for the widest gap "
                              f"({shown[pick]:.1f}).", (
            f"Unrounded, {q.dimension(widest).name} is a little wider ({gaps.iloc[0]:.2f} against {gaps[pick]:.2f}); "
            "a difference that small is not worth arguing about.", lesson))
    return Feedback(False, f"the {high}-{low} gap on {q.dimension(pick).name} is {gaps[pick]:.2f}; another is wider.", (
        f"Subtract the '{low}' row from the '{high}' row, column by column, and look for the largest difference.",
        "The lowest cell is not necessarily the widest gap.",
    ))


def solution_weakest_dimension(scores: Scores) -> str:
    return str(scores.dimensions["score"].idxmin())


def solution_gaps(scores: Scores, column: str = "role", high: str = GAP_HIGH, low: str = GAP_LOW) -> pd.Series:
    table = scores.groups[column]
    dims = scores.questionnaire.dimension_ids
    gaps = table.loc[high, dims].astype(float) - table.loc[low, dims].astype(float)
    return gaps.sort_values(ascending=False)


# --------------------------------------------------------------------------------------
# exercise 3: an action plan
# --------------------------------------------------------------------------------------
PLAN_COLUMNS = ("dimension", "action", "owner", "due", "measure")
EXAMPLE_ACTIONS = {
    "leadership": ("Write a one-page customer promise with the leadership team and review every major decision against it",
                   "Chief executive", "customer promise published; share of board papers with a customer-impact section"),
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
        dim = _dimension_id(row.dimension, q)
        if dim is None:
            problems.append(f"Action {i}: '{row.dimension}' is not a dimension ({', '.join(q.dimension_ids)}).")
        else:
            dims.append(dim)
        if len(re.findall(r"\w+", row.action)) < 6:
            problems.append(f"Action {i}: say concretely what will be done (at least six words), not just a theme.")
        if row.owner.lower() in VAGUE_OWNERS:
            problems.append(f"Action {i}: give one named owner (a person or role); '{row.owner or 'nobody'}' owns nothing.")
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
        widest = _gaps(scores, column, high, low).index[0]
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
    for months, dim in zip((3, 6, 9), focus):
        action, owner, measure = EXAMPLE_ACTIONS[dim]
        due = today + dt.timedelta(days=30 * months)
        rows.append({"dimension": dim, "action": action, "owner": owner, "due": due.isoformat(), "measure": measure})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------
# showing solutions
# --------------------------------------------------------------------------------------
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
        return Markdown("*The solution is hidden. Run the notebook with the parameter `show_solutions=True` to see it.*")
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
]
