"""Trend between a client's waves: per dimension, the change with a 95% interval and a plain word.

Only items whose wording is identical in the two waves are compared (same fingerprint of id, text
and reverse flag, in the same dimension): both waves are scored again on those shared items from
their stored answers, by the scoring rule (reverse items ``min + max - value``; a respondent's
dimension score is the item-weighted mean of their answered shared items, missing below half of
them). Items reworded, moved to another dimension, new or dropped are listed, so a new
questionnaire version never silently changes what a trend means.

The interval is Welch's: the difference of the two means of respondent dimension scores,
``d = m2 - m1``, ``se = sqrt(s1^2/n1 + s2^2/n2)``, degrees of freedom by Welch-Satterthwaite,
``d +- t(0.975, df) * se``. "improved" when the whole interval is above 0, "declined" when below,
"no clear change" otherwise. A wave with fewer than ``min_group_size`` scored respondents on a
dimension shows no figure for it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from cxassess.scoring import MIN_GROUP_SIZE
from cxassess.store.waves import ItemInfo, Wave

__all__ = ["Change", "ItemDiff", "Step", "Trend", "compare_waves", "rescored", "rescored_dimensions", "trend",
           "welch_interval"]

IMPROVED, NO_CLEAR_CHANGE, DECLINED = "improved", "no clear change", "declined"


def welch_interval(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> tuple[float, float, float, float]:
    """``(difference b - a, low, high, df)`` of Welch's t interval; NaN when a side has fewer than 2 values."""
    from scipy.special import stdtrit  # the t quantile; far lighter to import than scipy.stats

    n1, n2 = len(a), len(b)
    if n1 < 2 or n2 < 2:
        return (float(np.mean(b) - np.mean(a)) if n1 and n2 else math.nan), math.nan, math.nan, math.nan
    v1, v2 = float(np.var(a, ddof=1)) / n1, float(np.var(b, ddof=1)) / n2
    diff = float(np.mean(b) - np.mean(a))
    se = math.sqrt(v1 + v2)
    if se == 0:
        return diff, diff, diff, math.inf
    df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    half = float(stdtrit(df, 0.5 + level / 2)) * se
    return diff, diff - half, diff + half, df


def word_for(low: float, high: float) -> str:
    if low > 0:
        return IMPROVED
    if high < 0:
        return DECLINED
    return NO_CLEAR_CHANGE


@dataclass(frozen=True)
class ItemDiff:
    """How the items of two waves relate: compared (identical wording) or not, and why."""

    shared: list[str]
    changed: list[str]  # same id, other wording, reverse flag or dimension
    new: list[str]  # only in the later wave
    dropped: list[str]  # only in the earlier wave


@dataclass(frozen=True)
class Change:
    """One dimension between two waves. ``shown`` False: no figure (``reason`` says why)."""

    dimension: str
    name: str
    items_compared: int
    items_total: int
    before: float | None = None
    after: float | None = None
    n_before: int = 0
    n_after: int = 0
    difference: float | None = None
    low: float | None = None
    high: float | None = None
    word: str = ""
    shown: bool = True
    reason: str = ""


@dataclass(frozen=True)
class Step:
    """Two waves compared: ``kind`` is ``consecutive`` or ``first to latest``."""

    kind: str
    before: str
    after: str
    items: ItemDiff
    changes: list[Change]
    note: str = ""


@dataclass
class Trend:
    """A client's waves (oldest first), each dimension's score per wave, and the steps between them."""

    client: str
    waves: list[dict[str, Any]]
    scores: dict[str, dict[str, float | None]]  # dimension -> wave label -> score (None: not shown)
    names: dict[str, str]
    steps: list[Step] = field(default_factory=list)
    min_group_size: int = MIN_GROUP_SIZE

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``scores.json`` (documented keys: waves, scores, steps, min_group_size)."""
        return {"client": self.client, "waves": self.waves, "scores": self.scores, "names": self.names,
                "steps": [asdict(s) for s in self.steps], "min_group_size": self.min_group_size,
                "method": "Welch 95% interval of the difference of mean respondent dimension scores, "
                          "on items worded identically in both waves"}


def _diff(a: Wave, b: Wave) -> ItemDiff:
    ia = {i.item_id: i for i in a.items}
    ib = {i.item_id: i for i in b.items}
    same = [i for i in ib if i in ia and _same(ia[i], ib[i])]
    changed = [i for i in ib if i in ia and not _same(ia[i], ib[i])]
    return ItemDiff(same, changed, [i for i in ib if i not in ia], [i for i in ia if i not in ib])


def _same(x: ItemInfo, y: ItemInfo) -> bool:
    return x.fingerprint == y.fingerprint and x.dimension_id == y.dimension_id


def rescored(wave: Wave, item_ids: list[str]) -> np.ndarray:
    """Respondent scores of one dimension on ``item_ids`` only (by the scoring rule); respondents with too few
    answers left out."""
    return rescored_dimensions(wave, {"": item_ids})[""]


def rescored_dimensions(wave: Wave, groups: dict[str, list[str]]) -> dict[str, np.ndarray]:
    """:func:`rescored` for every dimension of ``groups`` (dimension -> its item ids) at once: two products of the
    wave's answers with a weights matrix (items x dimensions) instead of a pass per dimension."""
    groups = {d: ids for d, ids in groups.items() if ids}
    if not groups or not wave.matrix.size:
        return {d: np.empty(0) for d in groups}
    cols = sorted({wave.column[i] for ids in groups.values() for i in ids})
    where = {c: k for k, c in enumerate(cols)}
    member = np.zeros((len(cols), len(groups)))
    for j, ids in enumerate(groups.values()):
        member[[where[wave.column[i]] for i in ids], j] = 1.0
    matrix = wave.scored[:, cols]
    answered = ~np.isnan(matrix)
    weighted = member * wave.weights[cols][:, None]
    wden = answered @ weighted
    with np.errstate(invalid="ignore", divide="ignore"):
        person = (np.where(answered, matrix, 0.0) @ weighted) / wden
    keep = (answered @ member) * 2 >= member.sum(axis=0)  # at least half of the dimension's items answered
    keep &= wden > 0
    return {d: person[keep[:, j], j] for j, d in enumerate(groups)}


Rescored = dict[tuple[int, tuple[tuple[str, tuple[str, ...]], ...]], dict[str, np.ndarray]]
"""Respondent scores already computed in one trend, by (wave, its dimensions' shared items)."""


def _rescored(wave: Wave, groups: dict[str, list[str]], cache: Rescored | None) -> dict[str, np.ndarray]:
    if cache is None:
        return rescored_dimensions(wave, groups)
    key = (id(wave), tuple((d, tuple(ids)) for d, ids in groups.items()))
    if key not in cache:
        cache[key] = rescored_dimensions(wave, groups)
    return cache[key]


def compare_waves(a: Wave, b: Wave, kind: str, names: dict[str, str], min_group_size: int = MIN_GROUP_SIZE,
                  cache: Rescored | None = None) -> Step:
    """Wave ``a`` against the later wave ``b``, dimension by dimension, on their identically worded items
    (``cache``: respondent scores a wave already had on the same items, e.g. in the step before)."""
    items = _diff(a, b)
    if (a.scale_min, a.scale_max) != (b.scale_min, b.scale_max):
        reason = (f"answer scales differ ({a.scale_min}..{a.scale_max} in {a.label}, "
                  f"{b.scale_min}..{b.scale_max} in {b.label})")
        dims = list(dict.fromkeys(d.dimension_id for d in b.dimensions))
        return Step(kind, a.label, b.label, items,
                    [Change(d, names.get(d, d), 0, 0, shown=False, reason=reason) for d in dims], note=reason)
    b_dims = {i.item_id: i.dimension_id for i in b.items}
    # the dimensions scored in either wave (statements outside every dimension, outcomes, are not trended)
    dims = list(dict.fromkeys([d.dimension_id for d in b.dimensions] + [d.dimension_id for d in a.dimensions]))
    groups = {d: [i for i in items.shared if b_dims[i] == d] for d in dims}
    before, after = _rescored(a, groups, cache), _rescored(b, groups, cache)
    changes = []
    for d in dims:
        total = sum(1 for i in b.items if i.dimension_id == d)
        shared = groups[d]
        name = names.get(d, d)
        if not shared:
            changes.append(Change(d, name, 0, total, shown=False,
                                  reason="no statement of this dimension is worded the same in both waves"))
            continue
        x, y = before[d], after[d]
        if min(len(x), len(y)) < min_group_size:
            changes.append(Change(d, name, len(shared), total, n_before=0, n_after=0, shown=False,
                                  reason=f"fewer than {min_group_size} respondents in a wave"))
            continue
        diff, low, high, _ = welch_interval(x, y)
        word = word_for(low, high) if not math.isnan(low) else "not enough answers to tell"
        changes.append(Change(d, name, len(shared), total, float(np.mean(x)), float(np.mean(y)), len(x), len(y),
                              diff, _none(low), _none(high), word))
    note = ""
    if (a.questionnaire_id, a.questionnaire_version) != (b.questionnaire_id, b.questionnaire_version):
        note = (f"questionnaire {a.questionnaire_id} {a.questionnaire_version} in {a.label}, "
                f"{b.questionnaire_id} {b.questionnaire_version} in {b.label}: compared on the "
                f"{len(items.shared)} statement(s) worded the same in both")
    return Step(kind, a.label, b.label, items, changes, note)


def _none(x: float) -> float | None:
    return None if x is None or math.isnan(x) else float(x)


def trend(client: str, waves: list[Wave], min_group_size: int = MIN_GROUP_SIZE) -> Trend:
    """Each dimension's score per wave, every consecutive step, and first to latest (when 3+ waves)."""
    names: dict[str, str] = {}
    for w in waves:
        names.update({d.dimension_id: d.name for d in w.dimensions})
    scores: dict[str, dict[str, float | None]] = {d: {} for d in names}
    for w in waves:
        for d in w.dimensions:
            shown = d.score is not None and d.n >= min_group_size
            scores[d.dimension_id][w.label] = round(d.score, 6) if shown and d.score is not None else None
    info = [{"wave": w.label, "date": w.assessed_on.isoformat(), "questionnaire": w.questionnaire_id,
             "version": w.questionnaire_version, "respondents": w.respondents, "stored": w.stored} for w in waves]
    result = Trend(client, info, scores, names, min_group_size=min_group_size)
    cache: Rescored = {}  # a wave between two others is scored once for both steps when the items agree
    for a, b in zip(waves, waves[1:], strict=False):
        result.steps.append(compare_waves(a, b, "consecutive", names, min_group_size, cache))
    if len(waves) >= 3:
        result.steps.append(compare_waves(waves[0], waves[-1], "first to latest", names, min_group_size, cache))
    return result
