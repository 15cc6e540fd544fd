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
        lines += ["", f"By {col} (groups under {s.min_group_size} respondents are suppressed):"]
        show = pd.DataFrame(index=frame.index)
        show["n"] = frame["respondents"].astype(str)
        show["overall"] = [("suppressed" if sup else _fmt(v)) for v, sup in zip(frame["overall"], frame["suppressed"])]
        for dim in s.questionnaire.dimension_ids:
            show[dim] = [("" if sup else _fmt(v)) for v, sup in zip(frame[dim], frame["suppressed"])]
        lines.append(show.to_string())
    return "\n".join(lines)
