"""One assessment wave as the store keeps it: each item's wording fingerprint, the answers, the scores.

A :class:`Wave` is made from validated responses and their scores (:func:`wave_from_scores`, what
``store add`` writes) or read back from the store (:mod:`cxassess.store.read`); trends and
benchmarks work on waves either way. Answers are a respondents x items matrix of raw scale values
(reverse items not yet reversed; NaN = no answer) of the respondents the scores counted, whose
row number (1..n) is all that identifies them: the respondent ids of the file (which may be names
or e-mail addresses) are never kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from cxassess.errors import StoreError
from cxassess.io.responses import Responses
from cxassess.questionnaire.model import Item, Questionnaire
from cxassess.scoring.result import Scores

__all__ = ["DimensionScore", "ItemInfo", "Wave", "client_key", "item_fingerprint", "wave_from_scores"]


def client_key(name: str) -> str:
    """A client name as compared with others: Unicode-normalised, case and spacing ignored."""
    return " ".join(unicodedata.normalize("NFKC", str(name)).split()).casefold()


def item_fingerprint(item: Item) -> str:
    """SHA-256 of an item's id, wording and reverse flag: equal only when the statement is the same."""
    text = "\x1f".join((item.id, " ".join(item.text.split()), "reverse" if item.reverse else "forward"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ItemInfo:
    """One item as worded in one wave."""

    item_id: str
    dimension_id: str
    reverse: bool
    weight: float
    fingerprint: str


@dataclass(frozen=True)
class DimensionScore:
    """A dimension's whole-assessment score as the report showed it."""

    dimension_id: str
    name: str
    score: float | None
    n: int
    sd: float | None
    stage: int | None


@dataclass
class Wave:
    """One assessment of one client: what was asked, the answers and the scores."""

    label: str
    assessed_on: dt.date
    questionnaire_id: str
    questionnaire_version: str
    scale_min: int
    scale_max: int
    respondents: int
    items: list[ItemInfo]
    dimensions: list[DimensionScore]
    overall_score: float | None
    matrix: np.ndarray = field(repr=False)  # respondents x items (columns follow ``items``), NaN = no answer
    digest: str = ""
    stored: bool = False

    def __post_init__(self) -> None:
        if not self.digest:
            self.digest = answers_digest(self)

    def dimension(self, dimension_id: str) -> DimensionScore | None:
        return next((d for d in self.dimensions if d.dimension_id == dimension_id), None)

    @cached_property
    def column(self) -> dict[str, int]:
        """Item id -> its column in ``matrix``."""
        return {i.item_id: k for k, i in enumerate(self.items)}

    @cached_property
    def scored(self) -> np.ndarray:
        """``matrix`` with reverse items reversed (``min + max - value``), as scoring counts them."""
        reverse = np.array([i.reverse for i in self.items], dtype=bool)
        out = self.matrix.copy()
        out[:, reverse] = self.scale_min + self.scale_max - out[:, reverse]
        return out

    @cached_property
    def weights(self) -> np.ndarray:
        return np.array([i.weight for i in self.items], dtype=float)

    @property
    def answer_count(self) -> int:
        return int(np.count_nonzero(~np.isnan(self.matrix)))


def answers_digest(wave: Wave) -> str:
    """SHA-256 of what was asked and answered: the same responses stored twice are recognised."""
    h = hashlib.sha256()
    h.update(f"{wave.questionnaire_id}\x1f{wave.questionnaire_version}\x1f{wave.scale_min}\x1f{wave.scale_max}".encode())
    for info in wave.items:
        h.update(f"\x1e{info.fingerprint}\x1f{info.dimension_id}\x1f{info.weight!r}".encode())
    h.update(np.ascontiguousarray(wave.matrix, dtype=np.float64).tobytes())
    return h.hexdigest()


def _float(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def wave_from_scores(responses: Responses, scores: Scores, label: str, assessed_on: dt.date | str | None = None
                     ) -> Wave:
    """The wave that ``responses`` (scored as ``scores``) make, labelled ``label``."""
    label = " ".join(str(label or "").split())
    if not label:
        raise StoreError("a wave needs a label (--wave, e.g. 2025 or 2025-spring)")
    if len(label) > 100:
        raise StoreError(f"the wave label is {len(label)} characters long; at most 100")
    q: Questionnaire = scores.questionnaire
    day = _date(assessed_on)
    answers = responses.answers
    counted = pd.Index(scores.respondent_scores.index)
    rows = counted.get_indexer(answers["respondent_id"])
    cols = pd.Index(q.item_ids).get_indexer(answers["item_id"].astype(str))
    value = answers["value"].to_numpy(dtype=float)
    keep = (rows >= 0) & (cols >= 0) & ~np.isnan(value)
    matrix = np.full((len(counted), len(q.item_ids)), np.nan)
    matrix[rows[keep], cols[keep]] = value[keep]
    items = [ItemInfo(i.id, i.dimension, i.reverse, float(i.weight), item_fingerprint(i)) for i in q.items]
    dims = scores.dimensions
    dimensions = [DimensionScore(str(d), str(row["name"]), _float(row["score"]), int(row["n"]), _float(row["sd"]),
                                 None if pd.isna(row["stage"]) else int(row["stage"]))
                  for d, row in dims.iterrows()]
    return Wave(label, day, q.id, q.version, q.scale.min, q.scale.max, int(scores.respondents), items, dimensions,
                _float(scores.overall.get("score")), matrix)


def _date(value: dt.date | str | None) -> dt.date:
    if value is None or value == "":
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise StoreError(f"assessment date {value!r} is not a date in the form YYYY-MM-DD") from None
