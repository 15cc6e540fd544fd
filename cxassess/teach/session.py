"""The teaching session's plan (``templates/teach/session.yaml``): parts, timings, objectives, discussions.

One file feeds the notebook's agenda (a test checks they agree), the facilitator guide and the
learner handout, so a change of timing is made once.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cxassess._util.paths import TEMPLATES_DIR
from cxassess._util.safe import escape_html
from cxassess._util.yamlfile import read_yaml
from cxassess.errors import CxError

SESSION_FILE = TEMPLATES_DIR / "teach" / "session.yaml"


@dataclass(frozen=True)
class Discussion:
    prompt: str
    listen_for: tuple[str, ...]


@dataclass(frozen=True)
class Part:
    id: str
    title: str
    minutes: int
    objectives: tuple[str, ...]
    discussion: Discussion | None


@dataclass(frozen=True)
class Session:
    """The whole plan; ``minutes`` is the content, ``total_minutes`` adds the break."""

    title: str
    audience: str
    parts: tuple[Part, ...]
    break_after: str
    break_minutes: int
    shorter_version: str

    @property
    def minutes(self) -> int:
        return sum(p.minutes for p in self.parts)

    @property
    def total_minutes(self) -> int:
        return self.minutes + self.break_minutes

    def duration_text(self) -> str:
        """"About 2 hours 10 minutes (119 minutes and a 10-minute break)"."""
        hours, minutes = divmod(5 * round(self.total_minutes / 5), 60)
        about = f"{hours} hour{'s' if hours != 1 else ''}" + (f" {minutes} minutes" if minutes else "")
        return f"About {about} ({self.minutes} minutes and a {self.break_minutes}-minute break)"

    def agenda(self) -> pd.DataFrame:
        """One row per part (and the break), with its minutes and the clock time from the start."""
        rows, clock = [], 0
        for part in self.parts:
            rows.append({"part": part.title, "minutes": part.minutes, "starts at": _clock(clock)})
            clock += part.minutes
            if part.id == self.break_after:
                rows.append({"part": "Break", "minutes": self.break_minutes, "starts at": _clock(clock)})
                clock += self.break_minutes
        return pd.DataFrame(rows)

    def agenda_markdown(self) -> str:
        """The agenda as the notebook's Markdown table."""
        lines = ["| part | minutes |", "|---|---|"]
        lines += [f"| {row.part} | {row.minutes} |" for row in self.agenda().itertuples()]
        return "\n".join(lines)

    def part(self, part_id: str) -> Part:
        for p in self.parts:
            if p.id == part_id:
                return p
        raise CxError(f"the session has no part '{part_id}' (parts: {', '.join(p.id for p in self.parts)})")


def _clock(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def _invalid(source: str, problems: list[str]) -> CxError:
    return CxError(f"{source}: {problems[0]}")


@functools.lru_cache(maxsize=4)
def load_session(path: str | Path = SESSION_FILE) -> Session:
    """Read the session plan; a missing field is a clear error naming the part."""
    data = read_yaml(Path(path), "teaching session", _invalid)
    try:
        parts = []
        for entry in data["parts"]:
            talk = entry.get("discussion")
            discussion = None if not talk else Discussion(" ".join(str(talk["prompt"]).split()),
                                                          tuple(str(x) for x in talk["listen_for"]))
            parts.append(Part(str(entry["id"]), str(entry["title"]), int(entry["minutes"]),
                              tuple(str(o) for o in entry["objectives"]), discussion))
        session = Session(str(data["title"]), " ".join(str(data["audience"]).split()), tuple(parts),
                          str(data["break_after"]), int(data["break_minutes"]),
                          " ".join(str(data.get("shorter_version", "")).split()))
    except (KeyError, TypeError, ValueError) as exc:
        raise CxError(f"{path}: the teaching session needs title, audience, break_after, break_minutes and parts "
                      f"with id, title, minutes, objectives and discussion ({type(exc).__name__}: {exc})") from None
    session.part(session.break_after)
    return session


def facilitator_guide_html(session: Session | None = None, *, expected: dict[str, Any] | None = None) -> str:
    """The facilitator guide as one HTML page: timings, objectives, each discussion and what to listen for.

    ``expected``: the exercises' right answers on the session's data (from :func:`expected_answers`).
    """
    s = session or load_session()
    out = [f"<h1>{escape_html(s.title)}: facilitator guide</h1>",
           f"<p><strong>{escape_html(s.duration_text())}.</strong> {escape_html(s.audience)}</p>",
           "<h2>Timings</h2>", s.agenda().to_html(index=False, escape=True, classes="agenda"),
           f"<p>{escape_html(s.shorter_version)}</p>"]
    for part in s.parts:
        out.append(f"<h2>{escape_html(part.title)} ({part.minutes} min)</h2>")
        out.append("<p><em>Objectives</em></p><ul>" + "".join(f"<li>{escape_html(o)}</li>" for o in part.objectives)
                   + "</ul>")
        answers = (expected or {}).get(part.id)
        if answers:
            out.append("<p><em>Expected answers</em></p><ul>"
                       + "".join(f"<li>{escape_html(k)}: <strong>{escape_html(v)}</strong></li>"
                                 for k, v in answers.items()) + "</ul>")
        if part.discussion:
            out.append(f"<p><em>Discuss:</em> {escape_html(part.discussion.prompt)}</p>")
            out.append("<p><em>Listen for</em></p><ul>"
                       + "".join(f"<li>{escape_html(x)}</li>" for x in part.discussion.listen_for) + "</ul>")
    return "\n".join(out)


__all__ = ["SESSION_FILE", "Discussion", "Part", "Session", "load_session", "facilitator_guide_html"]
