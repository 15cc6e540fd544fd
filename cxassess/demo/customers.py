"""A synthetic but realistic customer survey (NPS 0-10, CSAT 1-5, CES 1-7), deterministic for a seed.

Used by the teaching notebook and the tests. Each respondent has one latent feeling about the
company; the three answers follow it with their own noise, so they agree on the whole but not
always. Touchpoints differ (the phone line is the sore spot, the shop the bright one), a few
answers are blank (effort is asked last, so it is skipped most) and a handful of customers leave
a comment. The "Public sector" segment is deliberately tiny, so breakdowns show suppression.

Regenerate the bundled file with ``python -m cxassess.demo.customers``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cxassess._util.paths import PROJECT_DIR
from cxassess._util.safe import write_csv

SAMPLES_DIR = PROJECT_DIR / "data" / "samples"
SAMPLE_SURVEY = SAMPLES_DIR / "customer_survey.csv"
DEFAULT_SEED = 2026
DEFAULT_SIZE = 480

SEGMENTS = {"Consumer": (0.62, 0.1), "Small business": (0.26, 0.0), "Enterprise": (0.12, -0.35)}
SMALL_SEGMENT = "Public sector"  # exactly two respondents: always suppressed in breakdowns
TOUCHPOINTS = {"Website": (0.24, 0.15), "Mobile app": (0.18, 0.3), "Phone": (0.22, -0.75),
               "Store": (0.20, 0.55), "Delivery": (0.16, -0.2)}
BLANK_RATE = {"nps": 0.03, "csat": 0.05, "ces": 0.09}
COMMENT_RATE = 0.22
COMMENTS = {
    "low": (
        "Waited forty minutes on hold and then got cut off.",
        "I had to explain my problem three times to three different people.",
        "The parcel came late and nobody told me why.",
        "Cancelling was far harder than signing up, which says a lot.",
        "Staff were polite but could not actually fix anything.",
    ),
    "mid": (
        "Fine overall, nothing special.",
        "The app works, but finding my invoices takes too many taps.",
        "Good product; the follow-up email felt automated.",
        "Delivery was on time, the tracking page was confusing.",
    ),
    "high": (
        "The person in the shop remembered me and my last order.",
        "Sorted in one call, and they rang back to check. Impressed.",
        "Easiest returns process I have used.",
        "I have already recommended you to two colleagues.",
        "Quick, friendly, and they explained the options clearly.",
    ),
}


def _pick(rng: np.random.Generator, options: dict[str, tuple[float, float]], n: int) -> np.ndarray:
    names = list(options)
    share = np.array([options[k][0] for k in names])
    return rng.choice(names, size=n, p=share / share.sum())


def generate_customer_survey(n: int = DEFAULT_SIZE, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """One row per respondent: response_id, date, segment, touchpoint, nps, csat, ces, comment (blanks as "")."""
    rng = np.random.default_rng(seed)
    segment = _pick(rng, SEGMENTS, n).astype(object)
    segment[:2] = SMALL_SEGMENT
    touchpoint = _pick(rng, TOUCHPOINTS, n)
    feeling = (rng.normal(0, 1, n) + np.array([SEGMENTS.get(s, (0, 0.0))[1] for s in segment])
               + np.array([TOUCHPOINTS[t][1] for t in touchpoint]))
    phone = touchpoint == "Phone"
    answers = {
        "nps": np.clip(np.rint(7.9 + 1.9 * feeling + rng.normal(0, 0.9, n)), 0, 10),
        "csat": np.clip(np.rint(4.0 + 0.85 * feeling + rng.normal(0, 0.5, n)), 1, 5),
        "ces": np.clip(np.rint(5.0 + 1.0 * feeling - 0.5 * phone + rng.normal(0, 0.7, n)), 1, 7),
    }
    start = np.datetime64("2026-03-02")
    dates = start + rng.integers(0, 91, n).astype("timedelta64[D]")
    frame = pd.DataFrame({
        "response_id": [f"C-{i + 1:04d}" for i in range(n)],
        "date": np.sort(dates).astype(str),
        "segment": segment,
        "touchpoint": touchpoint,
    })
    for col, vals in answers.items():
        cells = vals.astype(int).astype(object)
        cells[rng.random(n) < BLANK_RATE[col]] = ""
        frame[col] = cells
    mood = np.where(answers["nps"] <= 6, "low", np.where(answers["nps"] <= 8, "mid", "high"))
    has_comment = rng.random(n) < COMMENT_RATE
    frame["comment"] = [str(rng.choice(COMMENTS[m])) if c else "" for m, c in zip(mood, has_comment, strict=True)]
    return frame


def write_customer_survey(path: str | Path = SAMPLE_SURVEY, n: int = DEFAULT_SIZE, seed: int = DEFAULT_SEED) -> Path:
    """Write the survey as CSV (UTF-8, blanks as empty cells) and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(generate_customer_survey(n, seed), path, lineterminator="\n")
    return path


if __name__ == "__main__":  # pragma: no cover
    print(write_customer_survey())
