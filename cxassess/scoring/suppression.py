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
    keys: list[Key] = [(col, str(v)) for col, s in labels.items() for v in sorted(pd.unique(s.astype(str)))]
    n_people = len(has_score.index)
    members = np.zeros((len(keys), n_people), dtype=bool)
    for row, (col, value) in enumerate(keys):
        members[row] = (labels[col].astype(str) == value).to_numpy()
    columns = [c for c, _ in keys]

    # the groups' people
    plan.groups = _fixed_point(members, keys, columns, np.ones(n_people, dtype=bool), {}, k, "respondents")
    # each dimension's contributors, within the groups still shown
    for dim in has_score.columns:
        scored = has_score[dim].to_numpy(dtype=bool)
        whole = scored if scored.sum() >= k else None
        if whole is None and scored.any():
            plan.dimensions[str(dim)] = f"fewer than {k} respondents have a score for it"
        hidden = _fixed_point(members & scored, keys, columns, whole, plan.groups, k,
                              "respondents with a score for this dimension")
        for key, why in hidden.items():
            if key not in plan.groups and (members[keys.index(key)] & scored).any():
                plan.cells[(key[0], key[1], str(dim))] = why
    answer_sets = answered if answered is not None and labels else pd.DataFrame()
    for item in answer_sets.columns:
        answers = answer_sets[item].to_numpy(dtype=bool)
        hidden = _fixed_point(members & answers, keys, columns, answers if answers.sum() >= k else None,
                              plan.groups, k, "respondents who answered this statement")
        for key, why in hidden.items():
            if key not in plan.groups and (members[keys.index(key)] & answers).any():
                plan.item_cells[(key[0], key[1], str(item))] = why
    for col, value, dim in plan.cells:
        plan.overall.setdefault((col, value), f"its score for {dim} is hidden, and the overall would give it away")
    for item, n in (item_counts or {}).items():
        if 0 < n < k:
            plan.items[str(item)] = f"fewer than {k} answers"
    return plan


def _fixed_point(sets: np.ndarray, keys: Sequence[Key], columns: Sequence[str], whole: np.ndarray | None,
                 already: Mapping[Key, str], k: int, whom: str) -> dict[Key, str]:
    """Rows of ``sets`` (groups x people) to hide, with reasons: too few, hidden together, too close."""
    hidden: dict[Key, str] = dict(already)
    sizes = sets.sum(axis=1)
    for row, key in enumerate(keys):
        if key not in hidden and sizes[row] < k:
            hidden[key] = f"fewer than {k} {whom}"
    order = sorted(range(len(keys)), key=lambda r: (int(sizes[r]), keys[r]))  # smaller first, then by name
    while True:
        shown = np.array([key not in hidden for key in keys], dtype=bool)
        victim = _complementary(sets, keys, columns, shown, order, k, whom)
        if victim is None:
            victim = _too_close(sets, keys, columns, shown, whole, order, k, whom)
        if victim is None:
            return {key: why for key, why in hidden.items() if key not in already}
        hidden[victim[0]] = victim[1]


def _complementary(sets: np.ndarray, keys: Sequence[Key], columns: Sequence[str], shown: np.ndarray,
                   order: Sequence[int], k: int, whom: str) -> tuple[Key, str] | None:
    """The next group to hide so that a grouping's hidden people are 0 or at least ``k``."""
    for col in dict.fromkeys(columns):
        rows = [r for r in range(len(keys)) if columns[r] == col]
        pool = int(np.any(sets[[r for r in rows if not shown[r]]], axis=0).sum()) if not shown[rows].all() else 0
        if 0 < pool < k:
            candidates = [r for r in order if columns[r] == col and shown[r]]
            if candidates:
                return keys[candidates[0]], "hidden too, so that a smaller group cannot be worked out from the rest"
    return None


def _too_close(sets: np.ndarray, keys: Sequence[Key], columns: Sequence[str], shown: np.ndarray,
               whole: np.ndarray | None, order: Sequence[int], k: int, whom: str) -> tuple[Key, str] | None:
    """The first group (smaller first) that differs from a shown reference by 1 to k-1 people."""
    refs: list[tuple[str, np.ndarray]] = [] if whole is None else [("the whole organisation", whole)]
    for col in dict.fromkeys(columns):
        rows = [r for r in range(len(keys)) if columns[r] == col and not shown[r]]
        if rows:
            pool = np.any(sets[rows], axis=0)
            if pool.any():
                refs.append((f"the hidden groups of {col} taken together", pool))
    live = [r for r in order if shown[r]]
    if not live:
        return None
    block = sets[live].astype(np.float64)  # a BLAS product: every pair's overlap at once
    inter = np.rint(block @ block.T).astype(np.int64)
    size = sets[live].sum(axis=1)
    diff = size[:, None] + size[None, :] - 2 * inter
    for i, r in enumerate(live):  # smaller first: the smaller of two close groups is the one hidden
        for j, other in enumerate(live):
            if j != i and 0 < diff[i, j] < k and (size[i], keys[r]) <= (size[j], keys[other]):
                col, value = keys[other]
                return keys[r], f"differs from {col} = {value} by fewer than {k} {whom}"
        for name, ref in refs:
            d = int((sets[r] ^ ref).sum())
            if 0 < d < k:
                return keys[r], f"differs from {name} by fewer than {k} {whom}"
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
    return "hidden too, so that a smaller group cannot be worked out from the rest"
