"""Feedback on a learner's answer: right or not, and the most likely reason when it is not."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

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


_NUMBER_TEXT = re.compile(r"^\s*([+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+))\s*(%|points?|pts?)?\s*$", re.IGNORECASE)


def number(answer: Any) -> float | None:
    """A learner's answer as a number: ``12.5``, ``"12.5"``, ``"3.2%"``, ``"3,2 %"``, ``"-12 points"``;
    anything else (text, a bool, NaN) is no number."""
    if answer is None or isinstance(answer, bool):
        return None
    if isinstance(answer, str):
        match = _NUMBER_TEXT.match(answer.replace("\u2212", "-"))
        if not match:
            return None
        answer = match.group(1).replace(",", ".")
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def missing(what: str, example: str, *details: str) -> Feedback:
    return Feedback(False, f"no answer yet: set {what} to a number, for example `{example}`.", details)


def known_slip(value: float, slips: Sequence[tuple[float | None, str]], headline: str,
               package: str) -> Feedback | None:
    """Feedback for the first known mistake that ``value`` matches (within TOLERANCE), else None.
    A slip whose wrong value cannot be computed (None: no answers to compute it from) never matches."""
    for wrong, why in slips:
        if wrong is not None and abs(value - wrong) <= TOLERANCE:
            return Feedback(False, headline, (why, package))
    return None
