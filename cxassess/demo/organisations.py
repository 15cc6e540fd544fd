"""Synthetic, realistic demo responses for fictional organisations (deterministic for a seed).

Each organisation has its own maturity profile per dimension; leaders rate themselves higher
than the front line (the perception gap every real culture survey shows), and a few answers are
blank or "don't know".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cxassess._util.safe import write_csv
from cxassess.demo.comments import add_comments
from cxassess.questionnaire.model import Questionnaire, as_questionnaire


@dataclass(frozen=True)
class DemoOrganisation:
    name: str
    slug: str
    respondents: int
    profile: dict[str, float]  # latent level per dimension on the 1..5 scale
    departments: tuple[str, ...]
    sites: tuple[str, ...]


ORGANISATIONS = (
    DemoOrganisation(
        "Northwind Outfitters", "northwind-outfitters", 64,
        {"leadership": 4.2, "employees": 4.0, "silos": 3.6, "feedback": 4.1, "insight": 3.7,
         "journeys": 3.9, "design": 3.8, "measurement": 3.5},
        ("Stores", "Online", "Customer care", "Operations"), ("Leeds", "Bristol"),
    ),
    DemoOrganisation(
        "Harbour Health Clinics", "harbour-health-clinics", 42,
        {"leadership": 3.6, "employees": 2.6, "silos": 2.2, "feedback": 3.0, "insight": 2.4,
         "journeys": 2.9, "design": 3.1, "measurement": 2.7},
        ("Reception", "Clinical", "Billing", "Management"), ("North", "South", "East"),
    ),
    DemoOrganisation(
        "Acme Utilities", "acme-utilities", 28,
        {"leadership": 2.3, "employees": 2.0, "silos": 1.8, "feedback": 1.7, "insight": 2.5,
         "journeys": 2.0, "design": 1.9, "measurement": 2.6},
        ("Billing", "Field service", "Contact centre"), ("Head office",),
    ),
)

#: how strongly each dimension moves the outcome statements (recommending the organisation, its offer,
#: its ease of dealing): what the key-driver analysis should find, not equal, so drivers mean something
OUTCOME_DRIVERS = {"leadership": 0.30, "employees": 0.45, "silos": 0.05, "feedback": 0.10, "insight": 0.0,
                   "journeys": 0.05, "design": 0.30, "measurement": 0.0}
ROLE_SHARES = {"leadership": 0.12, "manager": 0.23, "front line": 0.65}
ROLE_OFFSET = {"leadership": 0.7, "manager": 0.25, "front line": -0.25}
BLANK_RATE, DONT_KNOW_RATE = 0.03, 0.04


MANAGEMENT = "Management"  # a department of that name is where the leadership team works


def staffed_by_role(departments: np.ndarray, roles: np.ndarray, org: DemoOrganisation) -> np.ndarray:
    """Departments that fit the roles: leaders sit in Management (when the organisation has one), and
    managers and front-line staff in the teams that serve customers, never in Management.

    Moves are drawn from a stream of their own, so every answer stays as it was before.
    """
    if MANAGEMENT not in org.departments:
        return departments
    teams = [d for d in org.departments if d != MANAGEMENT]
    rng = np.random.default_rng([sum(map(ord, org.slug)), 3])
    out = departments.copy()
    for i, role in enumerate(roles):
        if role == "leadership":
            out[i] = MANAGEMENT
        elif out[i] == MANAGEMENT:
            out[i] = rng.choice(teams)
    return out


def generate_organisation(org: DemoOrganisation, q: Questionnaire, rng: np.random.Generator,
                          outcome_rng: np.random.Generator | None = None) -> pd.DataFrame:
    """Wide responses (one row per respondent) for one organisation.

    Outcome statements are answered last, from the respondent's own dimension answers weighted by
    :data:`OUTCOME_DRIVERS`, with ``outcome_rng`` (a stream of their own, so the other answers stay
    as they were before outcomes existed).
    """
    n = org.respondents
    roles = rng.choice(list(ROLE_SHARES), size=n, p=list(ROLE_SHARES.values()))
    roles[:3] = ["leadership", "manager", "front line"]  # every role present
    departments = staffed_by_role(rng.choice(org.departments, size=n), roles, org)
    sites = rng.choice(org.sites, size=n)
    person = rng.normal(0, 0.5, size=n) + np.array([ROLE_OFFSET[r] for r in roles])
    lo, hi = q.scale.min, q.scale.max
    data: dict[str, object] = {
        "respondent_id": [f"{org.slug[:3].upper()}-{i + 1:03d}" for i in range(n)],
        "role": roles, "department": departments, "site": sites,
    }
    felt: dict[str, list[np.ndarray]] = {}  # dimension -> the levels its statements were answered from
    for item in (i for i in q.items if not i.outcome):
        level = org.profile.get(item.dimension, 3.0) + person + rng.normal(0, 0.65, size=n)
        felt.setdefault(item.dimension, []).append(level)
        data[item.id] = _cells(level, item.reverse, lo, hi, rng)
    outcome_rng = outcome_rng or np.random.default_rng(sum(map(ord, org.slug)))
    # what a respondent sees of a dimension beyond their general mood (person), weighted by its pull
    drive = sum((w * (np.mean(felt[d], axis=0) - org.profile.get(d, 3.0) - person)
                 for d, w in OUTCOME_DRIVERS.items() if d in felt), np.zeros(n))
    base = float(np.mean(list(org.profile.values()))) if org.profile else 3.0
    for item in (i for i in q.items if i.outcome):
        level = base + 2.5 * drive + 0.5 * person + outcome_rng.normal(0, 0.5, size=n)
        data[item.id] = _cells(level, item.reverse, lo, hi, outcome_rng)
    return pd.DataFrame(data)


#: how many people each demo organisation asked to answer (the response rate), and for one of them
#: the counts per role (written to a file of its own, as a client would give them)
INVITED = {"northwind-outfitters": 80, "harbour-health-clinics": 60, "acme-utilities": 40}
INVITED_BY_ROLE = {"harbour-health-clinics": {"leadership": 9, "manager": 13, "front line": 38}}
#: demo organisations whose report shows customer metrics (a survey written beside their responses)
WITH_CUSTOMER_SURVEY = ("northwind-outfitters",)


def extras(org: DemoOrganisation, out: Path, frame: pd.DataFrame, written: list[Path]) -> dict[str, object]:
    """The manifest's optional fields for a demo organisation: invited count (or file) and customer survey."""
    from cxassess.demo.customers import write_customer_survey

    fields: dict[str, object] = {"invited": INVITED.get(org.slug, ""), "customer_metrics": ""}
    if org.slug in INVITED_BY_ROLE:
        path = out / f"{org.slug}-invited.yaml"
        roles = "".join(f"  {role}: {n}\n" for role, n in INVITED_BY_ROLE[org.slug].items())
        path.write_text(f"# How many people were asked to answer, in total and per role.\ntotal: {INVITED[org.slug]}\n"
                        f"role:\n{roles}", encoding="utf-8")
        written.append(path)
        fields["invited"] = path.name
    if org.slug in WITH_CUSTOMER_SURVEY:
        path = write_customer_survey(out / f"{org.slug}-customers.csv", n=320, seed=len(frame))
        written.append(path)
        fields["customer_metrics"] = path.name
    return fields


def _cells(level: np.ndarray, reverse: bool, lo: int, hi: int, rng: np.random.Generator) -> np.ndarray:
    """Answers from latent levels: rounded to the scale, reversed when worded the other way, a few blank or DK."""
    n = len(level)
    value = np.clip(np.rint(level), lo, hi).astype(int)
    if reverse:
        value = lo + hi - value  # a reverse-worded statement is answered the other way round
    cells = value.astype(object)
    u = rng.random(n)
    cells[u < BLANK_RATE] = ""
    cells[(u >= BLANK_RATE) & (u < BLANK_RATE + DONT_KNOW_RATE)] = "Don't know"
    return cells


def write_demo_data(out: str | Path, seed: int = 7,
                    questionnaire: Questionnaire | str | Path | None = None) -> list[Path]:
    """Write one wide CSV per demo organisation, a targets file and a batch manifest; return the paths."""
    q = as_questionnaire(questionnaire)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    outcome_rng = np.random.default_rng([seed, 1])  # outcome answers: a stream apart from the rest
    comment_rng = np.random.default_rng([seed, 2])  # open-text answers: another stream of their own
    written: list[Path] = []
    manifest = []
    for org in ORGANISATIONS:
        path = out / f"{org.slug}.csv"
        frame = add_comments(generate_organisation(org, q, rng, outcome_rng), org.profile, q, comment_rng)
        write_csv(frame, path)
        written.append(path)
        manifest.append({"client": org.name, "responses": path.name, "targets": "targets.yaml",
                         "group_by": "role;department", "consultant": "Demo Consulting",
                         **extras(org, out, frame, written)})
    targets = out / "targets.yaml"
    targets.write_text(
        "# Target maturity per dimension: a score on the 1..5 scale, or a stage ('stage 4' or its name).\n"
        "# set_by says who agreed them; the report names it beside every 'below target'.\n"
        "set_by: the client's leadership team, with Demo Consulting\n"
        "targets:\n  default: stage 4\n  feedback: 4.2\n  leadership: Customer-led\n",
        encoding="utf-8",
    )
    written.append(targets)
    manifest_path = out / "manifest.csv"
    pd.DataFrame(manifest).pipe(write_csv, manifest_path)
    written.append(manifest_path)
    return written
