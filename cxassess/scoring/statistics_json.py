"""The ``scores.json`` sections of the statistics (issue 13): how sure, what drives, how people answered.

Keys (documented in README "scores.json"): ``outcomes``, ``uncertainty``, ``gaps``, ``agreement``,
``drivers``, ``distribution`` and ``statistics``. A section whose frame is empty is written empty,
so a reader can always look the keys up. Suppressed groups never appear in any of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

__all__ = ["GAP_FIELDS", "INTERVAL_FIELDS", "statistics_dict"]

INTERVAL_FIELDS = ("score", "low", "high", "se")
GAP_FIELDS = ("group_n", "rest_n", "group_score", "rest_score", "difference", "low", "high", "hedges_g", "p_value",
              "p_adjusted", "significant")
ICC_FIELDS = ("groups", "respondents", "icc1", "icc2", "f", "p_value", "meaningful")
WITHIN_FIELDS = ("n", "rwg_j", "rwg_j_star", "awg")
DRIVER_FIELDS = ("raw_weight", "share", "low", "high", "score", "focus")
SHARE_FIELDS = ("n", "favourable", "neutral", "unfavourable")

Value = Callable[[Any], Any]


def statistics_dict(scores: Any, value: Value) -> dict[str, Any]:
    """The statistics sections of ``Scores.to_dict`` for a :class:`~cxassess.scoring.result.Scores`
    (typed Any: this module is imported by the one that defines it); ``value`` makes a cell plain JSON."""
    return {
        "outcomes": _rows(scores.outcomes, ("mean", "n", "sd"), value),
        "uncertainty": _uncertainty(scores, value),
        "gaps": _nested(scores.gaps, ["group_by", "group", "dimension"], GAP_FIELDS, value),
        "agreement": _agreement(scores, value),
        "drivers": {**{k: _plain(v, value) for k, v in scores.drivers_info.items()},
                    "dimensions": _rows(scores.drivers, DRIVER_FIELDS, value)},
        "distribution": {
            "items": _rows(scores.distribution, SHARE_FIELDS, value),
            "groups": _nested(scores.group_distribution, ["group_by", "group", "item"], SHARE_FIELDS, value),
        },
        "statistics": {k: _plain(v, value) for k, v in scores.statistics.items()},
    }


def _plain(v: Any, value: Value) -> Any:
    if isinstance(v, dict):
        return {str(k): _plain(x, value) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x, value) for x in v]
    return value(v)


def _rows(frame: pd.DataFrame, fields: tuple[str, ...], value: Value) -> dict[str, Any]:
    """Index value -> {field: value} for the fields the frame has."""
    have = [f for f in fields if f in frame.columns]
    return {str(i): {f: value(row[f]) for f in have} for i, row in frame.iterrows()}


def _nested(frame: pd.DataFrame, keys: list[str], fields: tuple[str, ...], value: Value) -> dict[str, Any]:
    """A tidy frame as nested mappings: keys[0] -> keys[1] -> ... -> {field: value}."""
    out: dict[str, Any] = {}
    if frame.empty:
        return out
    have = [f for f in fields if f in frame.columns]
    for row in frame.to_dict("records"):
        node = out
        for k in keys[:-1]:
            node = node.setdefault(str(row[k]), {})
        node[str(row[keys[-1]])] = {f: value(row[f]) for f in have}
    return out


def _uncertainty(scores: Any, value: Value) -> dict[str, Any]:
    frame = scores.intervals
    out: dict[str, Any] = {k: _plain(v, value) for k, v in scores.statistics.get("bootstrap", {}).items()}
    stage_cols = [c for c in frame.columns if str(c).startswith("stage_") and c != "stage_name"]

    def one(row: pd.Series) -> dict[str, Any]:
        entry = {f: value(row[f]) for f in INTERVAL_FIELDS if f in frame.columns}
        entry["stage_probability"] = {c.removeprefix("stage_"): value(row[c]) for c in stage_cols}
        return entry

    out["overall"] = one(frame.loc["overall"]) if "overall" in frame.index else {}
    out["dimensions"] = {str(d): one(row) for d, row in frame.iterrows() if d != "overall"}
    return out


def _agreement(scores: Any, value: Value) -> dict[str, Any]:
    out: dict[str, Any] = {}
    icc, within = scores.agreement, scores.group_agreement
    for col in scores.groups:
        entry: dict[str, Any] = {"dimensions": {}, "within": {}}
        if not icc.empty:
            for row in icc[icc["group_by"] == col].to_dict("records"):
                entry["dimensions"][str(row["dimension"])] = {f: value(row[f]) for f in ICC_FIELDS if f in row}
        if not within.empty:
            entry["within"] = _nested(within[within["group_by"] == col], ["group", "dimension"], WITHIN_FIELDS,
                                      value)
        out[col] = entry
    return out
