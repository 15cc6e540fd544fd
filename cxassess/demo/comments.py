"""Open-text answers for the demo organisations: what staff might write, deterministic for a seed.

Each open question of the questionnaire gets answers from about a third of the respondents,
drawn from short pools by topic; an organisation's weakest dimensions are written about most.
A few comments carry an e-mail address or phone number (fictional: example.com, the UK's drama
range 01632 960xxx), so the report's redaction is seen at work.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxassess.questionnaire.model import Questionnaire

ANSWER_RATE = {"CHANGE": 0.38, "PROUD": 0.22}

#: things to change, by the dimension they speak to
CHANGE = {
    "leadership": ("Managers say customers come first, then judge us on how many calls we close.",
                   "I would like senior people to sit with the front line for a day each quarter."),
    "employees": ("Let us sort out a refund under fifty pounds without waiting for approval.",
                  "More training before we are put in front of customers, and time to take it."),
    "silos": ("Stop passing customers between departments; someone should own the problem to the end.",
              "Customers have to repeat their story to every team they are transferred to."),
    "feedback": ("We run surveys but never hear what happened to the complaints.",
                 "Tell customers what we changed after their feedback, even if it is small."),
    "insight": ("Our systems do not show the customer's history, so we ask the same questions again.",
                "One screen with everything about the customer would save so much time."),
    "journeys": ("Waiting times on the phone are far too long, people give up on hold.",
                 "Replies to letters take weeks; that delay is what customers remember."),
    "design": ("Service depends on who you get; we need the same standard on every channel.",
               "The website and the phone line give different answers to the same question."),
    "measurement": ("We track call length but not whether the customer's problem was solved.",
                    "Measure repeat contacts and show the business case for fixing the causes."),
}
PROUD = (
    "A colleague stayed late to make sure an elderly customer got home safely.",
    "We rang back a customer the next day to check the fix had worked, and she thanked us.",
    "Our team went the extra mile to replace a broken order before the weekend.",
    "A customer wrote to thank us because we remembered her name and her last visit.",
    "When the system was down we kept customers informed every hour; nobody complained.",
)
WITH_CONTACT = (
    "Happy to talk more about the backlog: write to sam.rivers@example.com.",
    "Call me on 01632 960 417 if you want examples of customers being passed around.",
)


def add_comments(frame: pd.DataFrame, profile: dict[str, float], q: Questionnaire,
                 rng: np.random.Generator) -> pd.DataFrame:
    """``frame`` with one column per open question of ``q`` (blank for those who wrote nothing)."""
    n = len(frame)
    out = frame.copy()
    weakest = sorted(CHANGE, key=lambda d: profile.get(d, 3.0))
    weights = np.array([4.0 if k < 3 else 1.0 for k in range(len(weakest))])
    for question in q.open_question_ids:
        writes = rng.random(n) < ANSWER_RATE.get(question, 0.25)
        cells = np.full(n, "", dtype=object)
        for i in np.flatnonzero(writes):
            if question == "PROUD":
                cells[i] = str(rng.choice(PROUD))
            else:
                dim = weakest[int(rng.choice(len(weakest), p=weights / weights.sum()))]
                cells[i] = str(rng.choice(CHANGE[dim]))
        if question == "CHANGE" and writes.sum() >= 2:
            first, second = np.flatnonzero(writes)[:2]
            cells[first], cells[second] = WITH_CONTACT
        out[question] = cells
    return out
