"""The Scores object: everything the report, the workshop and the CLI show, and its JSON/CSV views."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cxassess.questionnaire.model import Questionnaire
from cxassess.scoring import MIN_GROUP_SIZE
from cxassess.scoring.statistics_json import statistics_dict
from cxassess.scoring.suppression import Suppression

__all__ = ["Scores", "json_value"]

_DIMENSION_FIELDS = ("name", "score", "index", "stage", "stage_name", "n", "sd", "alpha", "rwg", "low_consensus",
                     "target", "gap")
#: per-dimension diagnostics added by issue 13 (written when the frame has them; see README "scores.json")
_DIMENSION_DIAGNOSTICS = ("omega", "rwg_j", "rwg_j_star", "awg")


@dataclass
class Scores:
    """Everything the report, the workshop and the CLI show, computed once.

    DataFrames: ``dimensions`` (index: dimension id), ``items`` (index: item id),
    ``respondent_scores`` (respondents x dimensions), ``groups`` (column -> frame indexed by group
    value with ``respondents``, ``suppressed``, ``overall`` and one column per dimension).

    Statistics (issue 13; empty frames when not computed, keys documented in README "scores.json"):
    ``outcomes`` (outcome items: mean, n, sd), ``intervals`` (index "overall" + dimension ids: score,
    low, high, se, and one ``stage_<id>`` probability column per stage), ``gaps`` (one row per shown
    group and dimension: difference from the rest of the organisation, interval, Hedges' g,
    p values, ``significant``), ``agreement`` (per grouping and dimension: ICC(1), ICC(2),
    ``meaningful``), ``group_agreement`` (per shown group and dimension: rwg(j), r*wg(j), awg),
    ``drivers`` (per dimension: relative weight, share of R², interval, ``focus``) with
    ``drivers_info``, ``distribution`` (per item: favourable / neutral / unfavourable shares) and
    ``group_distribution`` (the same per shown group), and ``statistics`` (how they were computed).
    """

    questionnaire: Questionnaire
    respondents: int
    overall: dict[str, Any]
    dimensions: pd.DataFrame
    items: pd.DataFrame
    groups: dict[str, pd.DataFrame]
    respondent_scores: pd.DataFrame
    coverage: dict[str, Any] = field(default_factory=dict)
    min_group_size: int = MIN_GROUP_SIZE
    outcomes: pd.DataFrame = field(default_factory=pd.DataFrame)
    intervals: pd.DataFrame = field(default_factory=pd.DataFrame)
    gaps: pd.DataFrame = field(default_factory=pd.DataFrame)
    agreement: pd.DataFrame = field(default_factory=pd.DataFrame)
    group_agreement: pd.DataFrame = field(default_factory=pd.DataFrame)
    drivers: pd.DataFrame = field(default_factory=pd.DataFrame)
    drivers_info: dict[str, Any] = field(default_factory=dict)
    distribution: pd.DataFrame = field(default_factory=pd.DataFrame)
    group_distribution: pd.DataFrame = field(default_factory=pd.DataFrame)
    statistics: dict[str, Any] = field(default_factory=dict)
    suppression: Suppression | None = None  # what the anonymity rule hid, and why (None: not recorded)

    # --- views ----------------------------------------------------------------------------
    def ranked(self) -> pd.DataFrame:
        """Dimensions with a score, strongest first."""
        return self.dimensions.dropna(subset=["score"]).sort_values("score", ascending=False)

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON structure; missing numbers are None."""
        extra = [k for k in _DIMENSION_DIAGNOSTICS if k in self.dimensions.columns]
        dims = {d: {k: json_value(row[k]) for k in (*_DIMENSION_FIELDS, *extra)}
                for d, row in self.dimensions.iterrows()}
        groups: dict[str, dict[str, Any]] = {}
        for col, frame in self.groups.items():
            out: dict[str, Any] = {}
            for value, row in frame.iterrows():
                if row["suppressed"]:
                    out[str(value)] = {"respondents": int(row["respondents"]), "suppressed": True,
                                       "reason": self.suppression_reason(col, str(value))}
                else:
                    out[str(value)] = {
                        "respondents": int(row["respondents"]),
                        "overall": json_value(row["overall"]),
                        "dimensions": {d: json_value(row[d]) for d in self.questionnaire.dimension_ids},
                    }
            groups[col] = out
        items = {i: {k: json_value(row[k]) for k in ("mean", "n", "sd")} for i, row in self.items.iterrows()}
        return {
            "questionnaire": {"id": self.questionnaire.id, "version": self.questionnaire.version},
            "respondents": self.respondents,
            "overall": {k: json_value(v) for k, v in self.overall.items()},
            "dimensions": dims,
            "groups": groups,
            "items": items,
            "coverage": {k: json_value(v) for k, v in self.coverage.items()},
            "min_group_size": self.min_group_size,
            "suppression": self.suppression.to_dict() if self.suppression else None,
            **statistics_dict(self, json_value),
        }

    def suppression_reason(self, column: str, value: str) -> str:
        """Why a group is hidden, in words that give no number but the minimum."""
        if self.suppression and (column, value) in self.suppression.groups:
            return self.suppression.groups[(column, value)]
        return f"fewer than {self.min_group_size} respondents"

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per dimension plus an 'overall' row: the table the CLI prints and writes as CSV."""
        cols = list(_DIMENSION_FIELDS)
        frame = self.dimensions[cols].copy()
        overall = pd.DataFrame([{"name": "Overall",
                                 **{k: self.overall.get(k) for k in ("score", "index", "stage", "stage_name")},
                                 "n": self.respondents}], index=["overall"])
        return pd.concat([frame, overall.reindex(columns=cols)])

    def groups_frame(self) -> pd.DataFrame:
        """Tidy group scores: one row per grouping, group and dimension (plus 'overall').

        Suppressed groups, and the figures the anonymity rule hides in a shown group (a dimension too
        few of its people have a score for, the overall that would give it away), have a row with
        ``suppressed`` True and no score.
        """
        plan = self.suppression
        rows = []
        for col, frame in self.groups.items():
            for value, row in frame.iterrows():
                for dim in ["overall", *self.questionnaire.dimension_ids]:
                    key = (col, str(value))
                    hidden = bool(row["suppressed"]) or (plan is not None and (
                        (*key, dim) in plan.cells or (dim == "overall" and key in plan.overall)))
                    rows.append({"group_by": col, "group": value, "respondents": int(row["respondents"]),
                                 "suppressed": hidden, "dimension": dim, "score": None if hidden else row[dim]})
        return pd.DataFrame(rows, columns=["group_by", "group", "respondents", "suppressed", "dimension", "score"])


def json_value(v: Any) -> Any:
    """numpy/pandas scalars -> plain Python; NaN, inf and NA -> None (so JSON says null).

    Floats are rounded to 6 decimals. Shared by every ``to_dict()`` (scores, customer metrics).
    """
    if v is None:
        return None
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return round(float(v), 6) if math.isfinite(v) else None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v
