"""Who was asked and who answered: the optional ``invited`` counts and the response rate per group.

``invited`` is a number (people asked, in total) or a YAML file::

    total: 60
    role: {Senior leader: 6, Manager: 14, Front line: 40}
    department: {Billing: 12, Clinical: 30}

Groups the file does not list have no rate; a group's rate is shown only where the group itself is
reported (suppressed groups show neither count nor rate).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxassess.errors import CxError
from cxassess.report.fragments import html_table
from cxassess.scoring.result import Scores


@dataclass(frozen=True)
class Invited:
    """How many people were asked to answer, in total and per group (``groups[column][value]``)."""

    total: int | None = None
    groups: dict[str, dict[str, int]] = field(default_factory=dict)
    source: str = ""


def _count(value: Any, where: str) -> int:
    text = str(value).strip()
    if not text.isdigit() or int(text) < 1:
        raise CxError(f"{where}: expected a whole number of people invited (1 or more), got {value!r}")
    return int(text)


def load_invited(value: Any) -> Invited | None:
    """An :class:`Invited` from a number, a digit string or a YAML file path; None for nothing given."""
    if value is None or isinstance(value, Invited):
        return value
    if isinstance(value, bool):
        raise CxError(f"invited: expected a number of people or a file, got {value!r}")
    if isinstance(value, int) or str(value).strip().isdigit():
        return Invited(_count(value, "invited"), {}, "")
    text = str(value).strip()
    if not text:
        return None
    from cxassess._util.yamlfile import read_yaml

    path = Path(text)
    data = read_yaml(path, "invited counts", lambda source, problems: CxError(f"{source}: {problems[0]}"))
    if not isinstance(data, dict):
        raise CxError(f"{path}: expected 'total: N' and/or a mapping of group counts per grouping")
    total = _count(data["total"], f"{path}: total") if data.get("total") is not None else None
    groups: dict[str, dict[str, int]] = {}
    for col, counts in data.items():
        if col == "total":
            continue
        if not isinstance(counts, dict):
            raise CxError(f"{path}: {col}: expected a mapping of group -> number invited")
        groups[str(col)] = {str(g): _count(n, f"{path}: {col}.{g}") for g, n in counts.items()}
    return Invited(total, groups, str(path))


def rate_text(respondents: int, invited: int | None) -> str:
    """A group's response rate for a table cell; a rate above 100% would only mislead (the invited count,
    or the grouping of some answers, is wrong), so it says what to check instead."""
    if not invited:
        return "–"
    return "more than invited: check the count" if respondents > invited else f"{respondents / invited:.0%}"


def rate_phrase(respondents: int, invited: int) -> str:
    """"a response rate of 70%", or what to check when more people answered than were invited."""
    if respondents > invited:
        return "more than were invited, so no response rate is shown: check the invited count"
    return f"a response rate of {respondents / invited:.0%}"


def participation_html(scores: Scores, invited: Any = None) -> str:
    """The response rate overall and a table per grouping: respondents, invited and rate per group."""
    inv = load_invited(invited)
    total = inv.total if inv else None
    n = scores.respondents
    if total:
        out = [f"<p>{n} of {total} people invited answered: {rate_phrase(n, total)}.</p>"]
    else:
        out = [f"<p>{n} people answered. How many were invited was not given, so no response rate is shown.</p>"]
    rows = []
    for col, table in scores.groups.items():  # one table for every grouping: fewer boxes to lay out in print
        counts = (inv.groups.get(col, {}) if inv else {})
        for group, r in table.iterrows():
            asked = counts.get(str(group))
            if bool(r["suppressed"]):
                rows.append([col.replace("_", " "), group, "suppressed", "–", "–"])
                continue
            k = int(r["respondents"])
            rows.append([col.replace("_", " "), group, k, asked if asked else "–", rate_text(k, asked)])
    if rows:
        out.append(html_table(["Grouping", "Group", "Respondents", "Invited", "Response rate"], rows,
                              align_right=(2, 3, 4)))
    return "".join(out)


__all__ = ["Invited", "load_invited", "participation_html", "rate_phrase", "rate_text"]
