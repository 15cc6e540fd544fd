"""The data the exercises work on: the bundled customer survey, a demo organisation's culture scores,
the questionnaire at a glance, and where a learner's self-assessment is kept."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from cxassess._util.paths import DEMO_DIR
from cxassess.demo.customers import SAMPLE_SURVEY
from cxassess.errors import CxError
from cxassess.questionnaire.model import Questionnaire, load_questionnaire
from cxassess.scoring import MIN_GROUP_SIZE
from cxassess.scoring.score import Scores

DEMO_ORGANISATION = "harbour-health-clinics"
#: The teaching notebook's ``learner`` when nobody changed it.
DEFAULT_LEARNER = "me"


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


def learner_code(learner: str = DEFAULT_LEARNER, class_session: str | Path = "") -> str:
    """Who answers the self-assessment: ``learner``, or on JupyterHub (left at "me") the hub's user name.

    In a class session every learner must answer under a name of their own: left at "me" off a hub,
    they would all overwrite one participant's answers, so that is refused with what to change.
    """
    import os

    name = str(learner or "").strip()
    if name in ("", DEFAULT_LEARNER):
        hub_user = os.environ.get("JUPYTERHUB_USER", "").strip()
        if hub_user:
            return hub_user
        if class_session:
            raise CxError("this notebook answers into the class session: set learner (in the parameters cell) to "
                          "your own name or code first, so your answers are not mixed with another learner's")
        return DEFAULT_LEARNER
    return name
