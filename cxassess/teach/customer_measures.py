"""Exercise 1: NPS and CSAT by hand, checked against :mod:`cxassess.metrics.summary`, and the solutions.

A check never raises on a wrong or missing answer: it returns :class:`~cxassess.teach.feedback.Feedback`
naming the classic slips (a share instead of percent points, blanks counted as detractors, 7-8
counted as promoters...).
"""

from __future__ import annotations

import math
from typing import Any, TypeVar

import pandas as pd

from cxassess.errors import CxError
from cxassess.metrics.stats import Z95, nps_from_values
from cxassess.metrics.summary import summarise
from cxassess.scoring import MIN_GROUP_SIZE
from cxassess.teach.feedback import ROUNDED, TOLERANCE, Feedback, known_slip, missing, number
from cxassess.teach.samples import load_sample_survey

T = TypeVar("T")
#: The answer scales of the bundled survey's measures: NPS 0-10, CSAT 1-5, CES 1-7 (7 = very easy).
SCALES = {"nps": range(0, 11), "csat": range(1, 6), "ces": range(1, 8)}


def _column(survey: pd.DataFrame | None, column: str) -> tuple[pd.DataFrame, pd.Series]:
    survey = load_sample_survey() if survey is None else survey
    if column not in survey.columns:
        raise CxError(f"the survey has no column '{column}' (columns: {', '.join(map(str, survey.columns))})")
    return survey, pd.to_numeric(survey[column], errors="coerce")


def _measured(value: T | None, column: str) -> T:
    """A measure of the column the exercise asked about; a survey with no usable answers in it has none."""
    if value is None:
        raise CxError(f"the survey has no usable answers in '{column}', so there is nothing to check against")
    return value


def check_nps_groups(promoters: Any, passives: Any, detractors: Any, survey: pd.DataFrame | None = None,
                     column: str = "nps") -> Feedback:
    """Check the three head counts of the NPS exercise."""
    survey, _ = _column(survey, column)
    r = _measured(summarise(survey, nps=column).nps, column)
    counts = number(promoters), number(passives), number(detractors)
    if counts[0] is None or counts[1] is None or counts[2] is None:
        return missing("all three counts", "my_promoters = 120",
                       "Add them up from `ex.answer_counts(survey)`, or count with pandas, e.g. "
                       "`(survey['nps'] == 10).sum()` counts the 10s.")
    given = {"promoters": counts[0], "passives": counts[1], "detractors": counts[2]}
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


def check_nps(answer: Any, survey: pd.DataFrame | None = None, column: str = "nps") -> Feedback:
    """Check a hand-computed NPS (in points, -100..100) against :func:`cxassess.metrics.summary.summarise`."""
    survey, values = _column(survey, column)
    r = _measured(summarise(survey, nps=column).nps, column)
    value = number(answer)
    if value is None:
        return missing("`my_nps`", "my_nps = 12.5")
    target = _measured(r.score, column)
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
    slip = known_slip(value, slips, f"{value:g} is not the NPS.", package)
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
    r = _measured(summarise(survey, csat=column).csat, column)
    value = number(answer)
    if value is None:
        return missing("`my_csat`", "my_csat = 70.0")
    top2 = _measured(r.top2_pct, column)
    package = (f"`cxassess.metrics.summary` gives {top2:.1f}% "
               f"(Wilson 95% CI {r.ci_low:.1f} to {r.ci_high:.1f}, n = {r.n}).")
    if abs(value - top2) <= TOLERANCE:
        return Feedback(True, f"{top2:.1f}% of the customers who answered gave 4 or 5.", (package,))
    answered = values.dropna()
    slips = [
        (top2 / 100, "That is a share: CSAT is reported as a percentage, so multiply by 100."),
        (100 * (answered == 5).mean(), "Top-2-box counts 4 as well as 5."),
        (100 * (answered >= 3).mean(), "3 is the neutral middle of the scale; the top two boxes are 4 and 5."),
        (100 * (answered >= 4).sum() / (len(answered) + r.unanswered),
         "Blank answers are not dissatisfied customers: leave them out of the base."),
        (r.mean, "That is the mean rating; the exercise asks for the share answering 4 or 5."),
    ]
    slip = known_slip(value, slips, f"{value:g} is not the top-2-box share.", package)
    if slip is not None:
        return slip
    if abs(value - top2) <= ROUNDED:
        return Feedback(True, f"{value:g}% is the share rounded to a whole number ({top2:.1f}%).", (package,))
    return Feedback(False, f"{value:g} is not the top-2-box share.",
                    ("Keep the answered rows and take the % that answered 4 or 5.",))


def answer_counts(survey: pd.DataFrame | None = None, column: str = "nps") -> pd.DataFrame:
    """The no-code route: how many customers gave each answer (and how many left it blank), one row per
    answer, so a learner can add up promoters, passives and detractors (or the top two boxes) by hand."""
    survey, values = _column(survey, column)
    counts = values.value_counts().sort_index()
    scale = SCALES.get(column)
    if scale is not None and counts.index.isin(scale).all():
        counts = counts.reindex(scale, fill_value=0)  # answers nobody gave show as 0
    counts.index = [f"{v:g}" for v in counts.index]
    frame = pd.concat([counts, pd.Series({"blank": int(values.isna().sum())})]).rename("customers").to_frame()
    frame.index.name = f"{column} answer"
    return frame


def nps_by(survey: pd.DataFrame | None = None, by: str = "touchpoint", column: str = "nps",
           min_group_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """NPS per group with its 95% interval (adjusted Wald), for the discussion of whether two groups differ.

    Groups are shown exactly when the package's own breakdown shows their NPS (the same suppression).
    """
    survey, values = _column(survey, column)
    if by not in survey.columns:
        raise CxError(f"the survey has no column '{by}' (columns: {', '.join(map(str, survey.columns))})")
    shown = _measured(summarise(survey, nps=column, by=by, min_group_size=min_group_size).breakdown, by)
    segment = survey[by].astype(str)
    rows: dict[Any, dict[str, float | int | None]] = {}
    for group, row in shown.iterrows():
        if row["suppressed"] or pd.isna(row["nps"]):
            rows[group] = {"n": None, "nps": None, "95% CI from": None, "to": None}
            continue
        own = values[segment == str(group)].dropna().to_numpy()
        r = nps_from_values(own)
        rows[group] = {"n": r.n, "nps": r.score, "95% CI from": r.ci_low, "to": r.ci_high}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(by)


def nps_margin(n: int, survey: pd.DataFrame | None = None, column: str = "nps") -> float:
    """Half the width of the 95% interval of an NPS on ``n`` answers, in points, at the survey's own mix of
    promoters and detractors: how far an NPS can move from chance alone."""
    survey, _ = _column(survey, column)
    r = _measured(summarise(survey, nps=column).nps, column)
    p, d = r.promoters / r.n, r.detractors / r.n
    return float(100 * Z95 * math.sqrt((p + d - (p - d) ** 2) / max(int(n), 1)))


def sample_comments(survey: pd.DataFrame | None = None, *, nps_at_most: int = 10, n: int = 8, seed: int = 7,
                    column: str = "comment") -> pd.DataFrame:
    """A few customers' comments (those with an NPS of at most ``nps_at_most``), chosen at random but the
    same every run, with the touchpoint and score beside them."""
    survey, scores = _column(survey, "nps")
    if column not in survey.columns:
        raise CxError(f"the survey has no column '{column}' (columns: {', '.join(map(str, survey.columns))})")
    text = survey[column].fillna("").astype(str).str.strip()
    chosen = survey.loc[(text != "") & (scores <= nps_at_most)].drop_duplicates(column)
    chosen = chosen.sample(n=min(n, len(chosen)), random_state=seed) if len(chosen) else chosen
    keep = [c for c in ("touchpoint", "nps", column) if c in chosen.columns]
    return chosen[keep].sort_values("nps").reset_index(drop=True)


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
