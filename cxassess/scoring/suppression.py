"""Small-group suppression: culture and customer surveys must not identify anyone.

The rule (``k`` is the report's minimum group size), applied to every grouping of one report together:

1. **Too few.** No figure is shown on fewer than ``k`` contributors: a group with fewer than ``k``
   people is hidden, and so is a group's score for a dimension that fewer than ``k`` of its people
   have a score for (the group's size alone is not enough: in a group of three where two skipped a
   dimension, the figure would be one person's score). The same holds for the organisation's own
   dimension and item figures.
2. **Hidden together.** A hidden group can be worked out from the organisation figure minus the
   shown groups of the same grouping. So while the hidden people of a grouping number fewer than
   ``k``, the next-smallest shown group of that grouping is hidden too (*complementary*
   suppression): what can be recovered is at most the pooled mean of ``k`` or more people.
3. **Too close.** Two figures of the same measure whose sets of contributors differ by 1 to ``k-1``
   people give those people's scores away by difference (manager = {A,B,C} and Sales = {A,B,C,P}:
   P = 4 x Sales - 3 x manager). So no shown group may differ in that way from another shown group
   of any grouping, from the whole organisation, or from a grouping's hidden pool (which rule 2
   makes recoverable). The smaller of the two is hidden (ties by grouping, then group name), and the
   checks run again until nothing changes. Groups with exactly the same people may both be shown:
   they tell nothing new.

Rules 2 and 3 run for the groups' people first, then for each dimension's contributors and each
statement's answerers (the group x statement figures: answer shares per group). A group's
overall score is shown only when each of its dimension figures is shown (or has no contributor at
all): otherwise the hidden one could be worked out from the overall. Every hidden group or figure
carries a reason in words, which never states a number of people other than ``k``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Suppression", "hide_in_statistics", "plan_suppression", "reason", "suppressed_groups"]

Key = tuple[str, str]  # (grouping column, group value)
HIDDEN_TOO = "hidden too, so that a smaller group cannot be worked out from the rest"


@dataclass
class Suppression:
    """What the rule hides and why: group level, group x dimension level, organisation level.

    ``groups``: (column, group) -> reason; ``cells``: (column, group, dimension) -> reason for the
    dimension figures of otherwise shown groups; ``item_cells``: (column, group, item) the same for
    statements; ``overall``: (column, group) -> reason when a shown group's overall score is hidden;
    ``dimensions`` / ``items``: organisation figures hidden.
    """

    min_size: int
    groups: dict[Key, str] = field(default_factory=dict)
    cells: dict[tuple[str, str, str], str] = field(default_factory=dict)
    item_cells: dict[tuple[str, str, str], str] = field(default_factory=dict)
    overall: dict[Key, str] = field(default_factory=dict)
    dimensions: dict[str, str] = field(default_factory=dict)
    items: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """Reasons as JSON: groupings -> group -> reason, and the hidden figures, for scores.json."""
        groups: dict[str, dict[str, object]] = {}
        for (col, value), why in self.groups.items():
            groups.setdefault(col, {})[value] = why
        cells: dict[str, dict[str, dict[str, str]]] = {}
        for (col, value, dim), why in [*self.cells.items(), *self.item_cells.items()]:
            cells.setdefault(col, {}).setdefault(value, {})[dim] = why
        return {"min_group_size": self.min_size, "groups": groups, "figures": cells,
                "group_overall": {f"{c} = {v}": why for (c, v), why in self.overall.items()},
                "dimensions": dict(self.dimensions), "items": dict(self.items)}


def plan_suppression(labels: Mapping[str, pd.Series], has_score: pd.DataFrame, min_size: int,
                     item_counts: Mapping[str, int] | None = None,
                     answered: pd.DataFrame | None = None) -> Suppression:
    """Apply the module's rule to every grouping of one report at once.

    ``labels``: column -> each counted respondent's group value (index: respondents, as in
    ``has_score``); ``has_score``: respondents x dimensions, True where the respondent has a score
    for that dimension; ``item_counts``: item -> answers (organisation item figures); ``answered``:
    respondents x items, True where answered (for group x statement figures).
    """
    plan = Suppression(min_size)
    k = min_size
    groups = _Groupings.of(labels)
    everyone = np.ones(len(has_score.index), dtype=bool)
    measures = [(str(d), has_score[d].to_numpy(dtype=bool), plan.cells, "respondents with a score for this dimension")
                for d in has_score.columns]
    if answered is not None and labels:  # each statement's answerers: the group x statement figures
        measures += [(str(i), answered[i].to_numpy(dtype=bool), plan.item_cells,
                      "respondents who answered this statement") for i in answered.columns]
    # every measure's group sizes and pairwise overlaps at once (sums by group, not a crosstab each)
    sizes, overlaps = groups.tallies(np.column_stack([everyone, *(mask for _, mask, _, _ in measures)]))
    plan.groups = groups.fixed_point(everyone, everyone, {}, k, "respondents",  # the groups' people
                                     tallied=(sizes[0], overlaps[0]))
    for m, (name, mask, cells, whom) in enumerate(measures, start=1):  # within the groups still shown
        whole = mask if mask.sum() >= k else None
        if whole is None and mask.any() and cells is plan.cells:
            plan.dimensions[name] = f"fewer than {k} respondents have a score for it"
        hidden = groups.fixed_point(mask, whole, plan.groups, k, whom, tallied=(sizes[m], overlaps[m]))
        contributors = sizes[m]
        for key, why in hidden.items():
            if key not in plan.groups and contributors[groups.keys.index(key)] > 0:
                cells[(key[0], key[1], name)] = why
    for col, value, dim in plan.cells:
        plan.overall.setdefault((col, value), f"its score for {dim} is hidden, and the overall would give it away")
    for item, n in (item_counts or {}).items():
        if 0 < n < k:
            plan.items[str(item)] = f"fewer than {k} answers"
    return plan


@dataclass
class _Groupings:
    """Every grouping as integer codes per person, its groups as rows (``keys``: column, value)."""

    keys: list[Key]
    columns: list[str]  # per row: its grouping
    groupings: list[str]
    codes: list[np.ndarray]  # per grouping: each person's group number within the grouping
    offsets: list[int]  # per grouping: the row of its first group

    @classmethod
    def of(cls, labels: Mapping[str, pd.Series]) -> _Groupings:
        keys: list[Key] = []
        codes, offsets = [], []
        for col, values in labels.items():
            text = values.astype(str).to_numpy()
            names = sorted(set(text.tolist()))
            offsets.append(len(keys))
            codes.append(np.searchsorted(np.array(names, dtype=object), text).astype(np.int64))
            keys += [(col, v) for v in names]
        return cls(keys, [c for c, _ in keys], list(labels), codes, offsets)

    def _counts(self, people: np.ndarray) -> np.ndarray:
        """Per group (row), how many of ``people`` (a boolean mask) are in it."""
        parts = [np.bincount(c[people], minlength=self._n(g)) for g, c in enumerate(self.codes)]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def _n(self, g: int) -> int:
        return (self.offsets[g + 1] if g + 1 < len(self.offsets) else len(self.keys)) - self.offsets[g]

    def tallies(self, masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each column of ``masks`` (people x masks, boolean): how many of its people each group holds,
        and each pair of groups holds together, as ``masks x groups`` and ``masks x groups x groups`` integer
        arrays.

        Per grouping, and per pair of groupings (the pair of groups as one code), the masks' rows are
        summed by group in one pass over the people sorted by code (:func:`_sums_by`). Within one
        grouping the overlaps are the sizes, on the diagonal.
        """
        r, m = len(self.keys), masks.shape[1]
        ones = masks.astype(np.int32)
        sizes = np.zeros((m, r), dtype=np.int64)
        for g, c in enumerate(self.codes):
            sizes[:, self.offsets[g]:self.offsets[g] + self._n(g)] = _sums_by(c, self._n(g), ones).T
        both = np.zeros((m, r, r), dtype=np.int64)
        both[:, np.arange(r), np.arange(r)] = sizes
        for a in range(len(self.codes)):
            for b in range(a + 1, len(self.codes)):
                na, nb, oa, ob = self._n(a), self._n(b), self.offsets[a], self.offsets[b]
                tab = _sums_by(self.codes[a] * nb + self.codes[b], na * nb, ones).T.reshape(m, na, nb)
                both[:, oa:oa + na, ob:ob + nb] = tab
                both[:, ob:ob + nb, oa:oa + na] = tab.transpose(0, 2, 1)
        return sizes, both

    def fixed_point(self, mask: np.ndarray, whole: np.ndarray | None, already: Mapping[Key, str], k: int,
                    whom: str, tallied: tuple[np.ndarray, np.ndarray]) -> dict[Key, str]:
        """Groups to hide for the figures on ``mask``'s people, with reasons: too few, hidden together, too close.

        ``tallied``: ``mask``'s group sizes and pairwise overlaps (one column of :meth:`tallies`).
        """
        keys = self.keys
        hidden: dict[Key, str] = dict(already)
        sizes, both = tallied
        for row, key in enumerate(keys):
            if key not in hidden and sizes[row] < k:
                hidden[key] = f"fewer than {k} {whom}"
        order = sorted(range(len(keys)), key=lambda r: (int(sizes[r]), keys[r]))  # smaller first, then by name
        rank = np.empty(len(keys), dtype=np.int64)
        rank[order] = np.arange(len(keys))
        diff = sizes[:, None] + sizes[None, :] - 2 * both
        close_pair = (diff > 0) & (diff < k) & (rank[:, None] < rank[None, :])
        while True:
            shown = np.array([key not in hidden for key in keys], dtype=bool)
            pools = self._pools(mask, shown)
            victim = self._complementary(pools, shown, order, k)
            if victim is None:
                victim = self._too_close(mask, sizes, close_pair, pools, shown, whole, order, k, whom)
            if victim is None:
                return {key: why for key, why in hidden.items() if key not in already}
            hidden[victim[0]] = victim[1]

    def _pools(self, mask: np.ndarray, shown: np.ndarray) -> dict[str, np.ndarray]:
        """Per grouping with hidden groups: its hidden people (of ``mask``), recoverable from the whole."""
        pools = {}
        for g, col in enumerate(self.groupings):
            rows = np.arange(self.offsets[g], self.offsets[g] + self._n(g))
            gone = rows[~shown[rows]] - self.offsets[g]
            if gone.size:
                pools[col] = mask & np.isin(self.codes[g], gone)
        return pools

    def _complementary(self, pools: Mapping[str, np.ndarray], shown: np.ndarray, order: Sequence[int],
                       k: int) -> tuple[Key, str] | None:
        """The next group to hide so that a grouping's hidden people are 0 or at least ``k``."""
        for col in sorted(pools):  # by name, not by the order the groupings were asked for
            pool = pools[col]
            if 0 < int(pool.sum()) < k:
                candidates = [r for r in order if self.columns[r] == col and shown[r]]
                if candidates:
                    return self.keys[candidates[0]], HIDDEN_TOO
        return None

    def _too_close(self, mask: np.ndarray, sizes: np.ndarray, close_pair: np.ndarray,
                   pools: Mapping[str, np.ndarray], shown: np.ndarray, whole: np.ndarray | None,
                   order: Sequence[int], k: int, whom: str) -> tuple[Key, str] | None:
        """The first shown group (smaller first) that differs from a shown reference by 1 to k-1 people."""
        refs = [] if whole is None else [("the whole organisation", whole)]
        refs += [(f"the hidden groups of {col} taken together", pools[col])
                 for col in sorted(pools) if pools[col].any()]
        ref_diffs = [(name, sizes + int(ref.sum()) - 2 * (sizes if ref is mask else self._counts(mask & ref)))
                     for name, ref in refs]  # the whole is ``mask`` itself when it is a reference
        close = close_pair & shown[:, None] & shown[None, :]
        rank = np.empty(len(self.keys), dtype=np.int64)
        rank[list(order)] = np.arange(len(self.keys))
        for r in order:
            if not shown[r]:
                continue
            partners = np.flatnonzero(close[r])
            if partners.size:  # the smaller of the two is hidden: r, since the pair is ordered by rank
                col, value = self.keys[int(partners[np.argmin(rank[partners])])]
                return self.keys[r], f"differs from {col} = {value} by fewer than {k} {whom}"
            for name, d in ref_diffs:
                if 0 < d[r] < k:
                    return self.keys[r], f"differs from {name} by fewer than {k} {whom}"
        return None


def hide_in_statistics(stats: dict[str, Any], plan: Suppression) -> dict[str, Any]:
    """The statistics fields of Scores (tidy frames by group_by/group/dimension or item, and frames
    indexed by item or dimension) without a row or a number the plan hides."""
    out: dict[str, Any] = {}
    for name, frame in stats.items():
        if isinstance(frame, pd.DataFrame) and not frame.empty:
            frame = _hide_rows(frame, plan)
        out[name] = frame
    return out


def _hide_rows(frame: pd.DataFrame, plan: Suppression) -> pd.DataFrame:
    cols = set(frame.columns)
    if {"group_by", "group"} <= cols:
        keys = list(zip(frame["group_by"].astype(str), frame["group"].astype(str), strict=True))
        gone = [k in plan.groups for k in keys]
        if "dimension" in cols:
            dims = frame["dimension"].astype(str)
            gone = [g or (c, v, d) in plan.cells or (d == "overall" and (c, v) in plan.overall)
                    for g, (c, v), d in zip(gone, keys, dims, strict=True)]
        if "item" in cols:
            gone = [g or (c, v, i) in plan.item_cells
                    for g, (c, v), i in zip(gone, keys, frame["item"].astype(str), strict=True)]
        return frame.loc[~np.array(gone, dtype=bool)].reset_index(drop=True)
    hidden = [str(i) in plan.items or str(i) in plan.dimensions for i in frame.index]
    if any(hidden):
        frame = frame.copy()
        numbers = [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c]) and c != "n"]
        frame.loc[np.array(hidden, dtype=bool), numbers] = np.nan
    return frame


def suppressed_groups(sizes: pd.Series, min_size: int) -> pd.Series:
    """Boolean Series (same index as ``sizes``): True where a group of one grouping must be hidden.

    Rules 1 and 2 of the module docstring for one grouping given only its group sizes (customer
    metric segments); culture scores use :func:`plan_suppression`, which knows who is in each group.
    """
    hidden = sizes < min_size
    if hidden.any():
        while int(sizes[hidden].sum()) < min_size and not hidden.all():
            smallest = sizes[~hidden].sort_values(kind="stable").index[0]
            hidden[smallest] = True
    return hidden


def reason(respondents: int, min_size: int) -> str:
    """Why a group is hidden, in words for a report or a chart, when only its size is known."""
    if respondents < min_size:
        return f"fewer than {min_size} respondents"
    return HIDDEN_TOO


def _sums_by(code: np.ndarray, bins: int, x: np.ndarray) -> np.ndarray:
    """``bins x columns``: per code, the sum of the rows of ``x`` that have it, by ``np.add.reduceat`` over
    the rows sorted by code (exact integers, on one thread: a BLAS product of this shape wakes a second
    thread, which then spins on the other core)."""
    order = np.argsort(code, kind="stable")
    sizes = np.bincount(code, minlength=bins)
    out = np.zeros((bins, x.shape[1]), dtype=np.int64)
    has = sizes > 0
    if has.any():
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        out[has] = np.add.reduceat(x[order], starts[has], axis=0)
    return out
