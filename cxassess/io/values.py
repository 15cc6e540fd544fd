"""Read answer cells from survey exports as scale points: numbers, the scale's labels, common variants.

Decisions (also listed in :mod:`cxassess.io.survey_import`):

* The scale's own labels match case-insensitively, with spaces, apostrophes and punctuation ignored.
* Labels of the same meaning count as that label ("Neutral" = "Neither agree nor disagree",
  "Completely agree" = "Strongly agree") when exactly one scale label has that meaning.
* "Somewhat agree" / "Tend to agree" / "Mostly agree" / "Slightly agree" count as "Agree" (and the
  same for disagree) because the five-point templates of the survey tools put them there; on a
  scale with its own label for any of them (e.g. seven points) they are not used.
* Whole numbers on the scale pass through; "4 - Agree" or "Agree (4)" are read when number and
  label agree. "Don't know", "N/A", "Not applicable", "Not sure", "Prefer not to say", the
  scale's own don't-know text and the numbers in its ``dont_know_codes`` (e.g. -1, or 6 on a 1-5
  scale) are "don't know" (missing, never a low score).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cxassess.questionnaire.model import Questionnaire

__all__ = ["Reading", "ValueReader", "excerpt", "label_key", "no_answer_kind", "normalise_text", "symbol_key"]

_EXCERPT = 60

# --------------------------------------------------------------------------------------
# text normalisation
# --------------------------------------------------------------------------------------
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})


_NOT_WORD = re.compile(r"[\W_]+")  # Unicode-aware: letters and digits of every script are kept


def _fold_accent(chars: str) -> str:
    """Drop the accents of Latin letters (é -> e), keep the marks other scripts spell with (Devanagari
    vowel signs, Arabic harakat): those are letters of the word, not decoration."""
    out: list[str] = []
    for ch in chars:
        if unicodedata.combining(ch) and out and out[-1] < "\u0250":  # a mark on a Latin letter
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def normalise_text(text: Any) -> str:
    """Compatibility-normalised (NFKC), case-folded, Latin accents folded, apostrophes dropped, other
    punctuation and symbols as spaces, single spaces: letters and digits of any script are kept.

    ``"Don’t  know!"`` -> ``"dont know"``, ``"СОГЛАСЕН"`` -> ``"согласен"``; used to compare statements,
    column names and answer labels. Text of symbols only ("★★★★") gives "" (see :func:`symbol_key`).
    """
    s = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", str(text).translate(_QUOTES)))
    s = _fold_accent(s).casefold().replace("'", "")
    return " ".join(_NOT_WORD.sub(" ", s).split())


def label_key(text: Any) -> str:
    """How an answer label and a cell are compared: :func:`normalise_text`, or :func:`symbol_key` for
    text of symbols only, so that a scale of stars ("★" .. "★★★★★") is read too."""
    return normalise_text(text) or symbol_key(text)


def symbol_key(text: Any) -> str:
    """A label or cell compared when it holds no letter or digit ("★★★", "👍"): NFKC, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", str(text)).casefold().split())


def _only_marks(text: str) -> bool:
    """Nothing but punctuation, ASCII signs and spaces ("-", "?", "..."): no answer. A symbol beyond
    ASCII ("★", "👍", "✓") means something and is never read as blank."""
    return all(ch.isspace() or ch.isascii() or unicodedata.category(ch).startswith("P") for ch in text)


def excerpt(text: str, limit: int = _EXCERPT) -> str:
    """A cell's text as a message shows it: the start of a long text and its length, never all of it
    (one pasted 130,000-character cell must not become a 130,000-character message)."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


# --------------------------------------------------------------------------------------
# answer values
# --------------------------------------------------------------------------------------
_DONT_KNOW = {
    "dont know", "do not know", "dk", "n a", "na", "not applicable", "dont know not applicable",
    "dont know n a", "not sure", "unsure", "cannot say", "cant say", "prefer not to say", "no opinion",
}
_BLANK = {"", "nan", "none", "null", "no answer"}


def no_answer_kind(text: str, dont_know: frozenset[str] | set[str] = frozenset(_DONT_KNOW)) -> str | None:
    """``"blank"``, ``"dont_know"`` or None (an answer, or an error) for one cell's text.

    The one vocabulary for "no answer" in every reader (culture answers, customer measures):
    blank cells, punctuation only ("-", "?"), "none"/"null"/"no answer", and "don't know" in its
    usual spellings ("N/A", "Not applicable", "Not sure", "Prefer not to say", ...), compared
    after :func:`normalise_text`, so case, accents, apostrophes and punctuation do not matter.
    """
    norm = normalise_text(text)
    if not norm:  # nothing but punctuation; a symbol ("★", "👍") is an answer to read, or an error
        return "blank" if _only_marks(str(text)) else None
    if norm in _BLANK:
        return "blank"
    if norm in dont_know:
        return "dont_know"
    return None


# Groups of labels with one meaning. A group applies when exactly one scale label falls in it.
_SAME_MEANING: tuple[tuple[str, ...], ...] = (
    ("strongly disagree", "completely disagree", "totally disagree", "fully disagree", "disagree strongly"),
    ("neither agree nor disagree", "neither agree or disagree", "neither disagree nor agree",
     "neither disagree or agree", "neutral", "undecided", "neither"),
    ("strongly agree", "completely agree", "totally agree", "fully agree", "agree strongly"),
)
# Loose variants: only when the scale has the plain label and no label of its own for these.
_LOOSE: tuple[tuple[str, ...], ...] = (
    ("disagree", "somewhat disagree", "tend to disagree", "mostly disagree", "slightly disagree", "disagree somewhat"),
    ("agree", "somewhat agree", "tend to agree", "mostly agree", "slightly agree", "agree somewhat"),
)


@dataclass(frozen=True)
class Reading:
    """How one answer cell was understood."""

    value: float | None
    status: str  # answered | dont_know | blank | invalid
    how: str  # number | label | variant | numbered label | don't know | blank | message when invalid


class ValueReader:
    """Turn answer cells (numbers, scale labels, common variants) into scale points; cached per text."""

    def __init__(self, q: Questionnaire):
        self.q = q
        self.labels: dict[str, int] = {label_key(v): int(k) for k, v in q.scale.labels.items()}
        self.variants: dict[str, int] = {}
        for group in _SAME_MEANING:
            self._add_group(group, loose=False)
        for group in _LOOSE:
            self._add_group(group, loose=True)
        # a scale whose own point is labelled "Not sure" (or "No opinion") means that point, not "don't know"
        self.dont_know = frozenset((_DONT_KNOW - set(self.labels)) | {normalise_text(q.scale.dont_know)})
        self._cache: dict[str, Reading] = {}

    def _add_group(self, group: Sequence[str], loose: bool) -> None:
        hits = {self.labels[g] for g in group if g in self.labels}
        if loose:
            # the plain label must be on the scale and none of the loose words may be labels
            if group[0] not in self.labels or any(g in self.labels for g in group[1:]):
                return
            hits = {self.labels[group[0]]}
        if len(hits) != 1:
            return
        point = hits.pop()
        for g in group:
            if g not in self.labels:
                self.variants.setdefault(g, point)

    def _label(self, norm: str) -> tuple[int | None, str]:
        if norm in self.labels:
            return self.labels[norm], "label"
        if norm in self.variants:
            return self.variants[norm], "variant"
        return None, ""

    def read(self, cell: str) -> Reading:
        text = " ".join(str(cell).split())
        hit = self._cache.get(text)
        if hit is None:
            hit = self._cache[text] = self._read(text)
        return hit

    def _on_scale(self, number: float) -> bool:
        return self.q.scale.min <= number <= self.q.scale.max and number == int(number)

    def _read(self, text: str) -> Reading:
        lo, hi = self.q.scale.min, self.q.scale.max
        norm = label_key(text)
        kind = no_answer_kind(text, self.dont_know)
        if kind == "blank":
            return Reading(None, "blank", "blank")
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            number = None
        if number is not None:
            if number in self.q.scale.dont_know_codes:  # the questionnaire's "no basis to judge" code
                return Reading(None, "dont_know", f"don't know (code {text})")
            if number == number and self._on_scale(number):
                return Reading(float(number), "answered", "number")
            return Reading(None, "invalid",
                           f"{excerpt(text)} is off the scale (expected a whole number from {lo} to {hi})")
        if kind == "dont_know":
            return Reading(None, "dont_know", "don't know")
        point, how = self._label(norm)
        if point is not None:
            return Reading(float(point), "answered", how)
        m = re.fullmatch(r"(\d+) (.+)", norm) or re.fullmatch(r"(.+?) (\d+)", norm)
        if m:
            num_part, label_part = (m.group(1), m.group(2)) if m.group(1).isdigit() else (m.group(2), m.group(1))
            point, _ = self._label(label_part)
            if point is not None and int(num_part) == point:
                return Reading(float(point), "answered", "numbered label")
        return Reading(
            None, "invalid",
            f"'{excerpt(text)}' is not a number or an answer label of the scale (expected {lo}..{hi}, a label such as "
            f"'{self.q.scale.labels[hi]}', or \"don't know\")",
        )
