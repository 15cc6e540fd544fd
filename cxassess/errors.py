"""The one exception type users see: a clear message, never a traceback."""

from __future__ import annotations


class CxError(Exception):
    """Bad input or a failed step, with a message written for the person who ran the command.

    The CLI prints ``str(error)`` and exits with code 1; notebooks show the same message.
    """


class ProblemsError(CxError):
    """Input with located problems (file, row, column...); ``problems`` keeps every one.

    The message names the source, a headline, the first ``limit`` problems and a hint; callers
    that must show all of them (``cxassess validate``) read ``problems``.
    """

    def __init__(self, source: str, problems: list, headline: str, hint: str = "", limit: int = 50):
        self.source = source
        self.problems = list(problems)
        super().__init__(format_problems(source, self.problems, headline, hint, limit))


def format_problems(source: str, problems: list, headline: str, hint: str = "", limit: int = 50) -> str:
    """``source: headline``, one ``  - problem`` line each (the first ``limit``), then the hint."""
    shown = "\n".join(f"  - {p}" for p in problems[:limit])
    more = f"\n  ... and {len(problems) - limit} more" if len(problems) > limit else ""
    return f"{source}: {headline}\n{shown}{more}" + (f"\n{hint}" if hint else "")
