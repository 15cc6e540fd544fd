"""Every error type users can meet, and :class:`Problem`, in one place.

Each is a :class:`CxError`: a clear message written for the person who ran the command (the CLI
prints ``str(error)`` and exits with code 1; notebooks show the same message), never a traceback.
They pickle with their details (``problems``, ``report``), since batch workers hand them between
processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

OnError = Literal["raise", "skip"]
"""What to do with input problems: ``raise`` stops and names them all; ``skip`` leaves out what they name."""


class CxError(Exception):
    """Bad input or a failed step, with a message written for the person who ran the command."""


@dataclass(frozen=True)
class Problem:
    """One problem in an input file, located by file, row and column."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}"


def format_problems(source: str, problems: list[Any], headline: str, hint: str = "", limit: int = 50) -> str:
    """``source: headline``, one ``  - problem`` line each (the first ``limit``), then the hint."""
    shown = "\n".join(f"  - {p}" for p in problems[:limit])
    more = f"\n  ... and {len(problems) - limit} more" if len(problems) > limit else ""
    return f"{source}: {headline}\n{shown}{more}" + (f"\n{hint}" if hint else "")


class ProblemsError(CxError):
    """Input with located problems (file, row, column...); ``problems`` keeps every one.

    The message names the source, a headline, the first ``limit`` problems and a hint; callers
    that must show all of them (``cxassess validate``) read ``problems``.
    """

    def __init__(self, source: str, problems: list[Any], headline: str, hint: str = "", limit: int = 50):
        self.source = source
        self.problems = list(problems)
        super().__init__(format_problems(source, self.problems, headline, hint, limit))

    def __reduce__(self) -> Any:  # the message is already made: rebuild from it, keep the details
        return _rebuild, (type(self), str(self), self.__dict__)


def _rebuild(cls: type[CxError], message: str, state: dict[str, Any]) -> CxError:
    error = Exception.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class QuestionnaireError(ProblemsError):
    """A questionnaire file that cannot be used; ``problems`` lists each one with its location."""

    def __init__(self, source: str, problems: list[str]):
        super().__init__(source, problems, f"invalid questionnaire ({len(problems)} problem(s)):", limit=len(problems))


class ResponsesError(ProblemsError):
    """Responses that cannot be scored as they are; ``problems`` lists every one."""

    def __init__(self, source: str, problems: list[Problem], limit: int = 50):
        super().__init__(source, problems, f"{len(problems)} problem(s) in the responses; nothing was scored.",
                         "Fix the file, or leave out what they name with --on-error skip (validate, score).", limit)


class MetricsError(ProblemsError):
    """Customer-metric answers that cannot be summarised as they are; ``problems`` lists every one."""

    def __init__(self, source: str, problems: list[Problem], limit: int = 50):
        super().__init__(source, problems,
                         f"{len(problems)} problem(s) in the customer-metric answers; nothing was summarised.",
                         "Fix the file, or leave out what they name with --on-error skip (cxassess metrics).", limit)


class RecommendationsError(ProblemsError):
    """A recommendations file that cannot be used; ``problems`` lists each one with its location."""

    def __init__(self, source: str, problems: list[str]):
        super().__init__(source, problems, f"invalid recommendations ({len(problems)} problem(s)):",
                         limit=len(problems))


class SurveyImportError(CxError):
    """An export that cannot be imported as it is; ``report`` (an ``ImportReport``) holds everything found so far."""

    def __init__(self, message: str, report: Any):
        self.report = report
        super().__init__(message)

    def __reduce__(self) -> Any:
        return _rebuild, (type(self), str(self), self.__dict__)


class SessionError(CxError):
    """A workshop session file that cannot be used, or an answer that cannot be stored."""


class SessionDamagedError(SessionError):
    """A session file damaged or edited by hand: the message says what is damaged and how to salvage the rest."""


class KernelStartError(CxError):
    """A report kernel died before it became ready."""


class RequestRefused(CxError):
    """A request to the served workshop refused: ``status`` for the HTTP answer, the message for the page."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status

    def __reduce__(self) -> Any:
        return _rebuild, (type(self), str(self), self.__dict__)


class StoreError(CxError):
    """The assessment history store (``cxassess store``) cannot do what was asked; nothing was written."""


class StoreUnavailableError(StoreError):
    """The store cannot be opened: not a database URL or file, wrong user or password, server unreachable."""


class StoreLockedError(StoreError):
    """The store's file stayed locked by another program for longer than the wait allowed."""


class StoreReadOnlyError(StoreError):
    """The store's file, or its folder, cannot be written."""


class StoreVersionError(StoreError):
    """The store was written by a newer cxassess, whose schema this version does not know."""


class StoreConflictError(StoreError):
    """An assessment or client that clashes with one already stored (a wave added twice, a name in another case)."""


class StoreNotFoundError(StoreError):
    """A client or wave that the store does not hold."""


def check_on_error(value: Any) -> OnError:
    """``on_error`` as given, or a clear error: the one check every reader uses."""
    if value not in ("raise", "skip"):
        raise CxError(f"on_error must be 'raise' or 'skip', got {value!r}")
    return cast(OnError, value)


__all__ = ["CxError", "Problem", "ProblemsError", "QuestionnaireError", "ResponsesError", "MetricsError",
           "RecommendationsError", "SurveyImportError", "SessionError", "SessionDamagedError", "KernelStartError",
           "RequestRefused",
           "StoreError", "StoreUnavailableError", "StoreLockedError", "StoreReadOnlyError", "StoreVersionError",
           "StoreConflictError", "StoreNotFoundError", "OnError",
           "check_on_error", "format_problems"]
