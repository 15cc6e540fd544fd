"""Plain-text tables of scores for the terminal."""

from __future__ import annotations

import pandas as pd

from cxassess.scoring.score import Scores


def _fmt(v, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
        return "-"
    if isinstance(v, (bool,)) or str(v) in ("True", "False"):
        return "yes" if str(v) == "True" else ""
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def scores_table(s: Scores) -> str:
    """Overall line, a dimension table and one table per grouping, as aligned text."""
    o = s.overall
    lines = [
        f"Respondents: {s.respondents}",
        f"Overall: {_fmt(o['score'])} / {s.questionnaire.scale.max}  (index {_fmt(o['index'], 0)}, "
        f"stage {_fmt(o['stage'])}: {_fmt(o['stage_name'])})",
        "",
    ]
    d = s.dimensions
    cols = {"name": "dimension", "score": "score", "index": "index", "stage_name": "stage", "n": "n", "sd": "sd",
            "alpha": "alpha", "rwg": "rwg", "low_consensus": "low consensus", "target": "target", "gap": "gap"}
    if d["target"].isna().all():
        cols.pop("target"), cols.pop("gap")
    table = pd.DataFrame({new: [_fmt(v, 0 if c == "index" else 2) for v in d[c]] for c, new in cols.items()})
    lines.append(table.to_string(index=False))
    for col, frame in s.groups.items():
        k = s.min_group_size
        lines += ["", f"By {col} (no figure on fewer than {k} respondents, nor for a group fewer than {k} people "
                      "away from another; '-' or suppressed: hidden, see scores.json for why):"]
        show = pd.DataFrame(index=frame.index)
        show["n"] = frame["respondents"].astype(str)
        show["overall"] = [("suppressed" if sup else _fmt(v))
                           for v, sup in zip(frame["overall"], frame["suppressed"], strict=True)]
        for dim in s.questionnaire.dimension_ids:
            show[dim] = [("" if sup else _fmt(v)) for v, sup in zip(frame[dim], frame["suppressed"], strict=True)]
        lines.append(show.to_string())
    return "\n".join(lines)


def scores_csv(s: Scores) -> str:
    """One tidy CSV: the whole organisation's dimension rows first, then every group's (cells that a
    spreadsheet would run as formulas neutralised)."""
    from cxassess._util.safe import csv_text

    frame = s.to_frame().rename_axis("dimension").reset_index()
    frame.insert(0, "group", "")
    frame.insert(0, "group_by", "")
    frame["respondents"] = s.respondents
    if s.groups:  # one CSV: the whole organisation first, then every group (tidy rows)
        frame = pd.concat([frame, s.groups_frame()], ignore_index=True)
    for col in ("n", "respondents"):
        frame[col] = frame[col].astype("Int64")
    return csv_text(frame)
