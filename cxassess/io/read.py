"""Read any responses file into validated :class:`~cxassess.io.responses.Responses`: the one entry point.

Which reader reads a file is decided by a registry (:data:`READERS`), asked in order: a workshop
session file (by its suffix), a survey tool's export (by the signature of its first rows), then a
plain table file (CSV/TSV, Excel or JSON, long or wide). A new kind of input is one more entry,
not one more branch in :func:`read_responses`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cxassess.errors import OnError
from cxassess.io.layouts import recognise_file
from cxassess.io.responses import Responses, responses_from_frame
from cxassess.io.session_schema import SESSION_SUFFIXES
from cxassess.io.tables import read_table
from cxassess.questionnaire.model import Questionnaire, as_questionnaire

__all__ = ["READERS", "Reader", "read_responses", "reader_for"]

QuestionnaireArg = Questionnaire | str | Path | None


@dataclass(frozen=True)
class Reader:
    """One kind of responses input: how to recognise a file of that kind, and how to read it."""

    kind: str
    recognises: Callable[[Path], bool]
    read: Callable[[Path, QuestionnaireArg, OnError], Responses]


def _read_session(path: Path, questionnaire: QuestionnaireArg, on_error: OnError) -> Responses:
    """The latest answers of the submitted participants (stored answers were validated when given)."""
    from cxassess.io.session_file import read_session  # each reader imports its own: a CSV needs neither

    return read_session(path, questionnaire)


def _read_export(path: Path, questionnaire: QuestionnaireArg, on_error: OnError) -> Responses:
    from cxassess.io.survey_import import read_export_responses

    return read_export_responses(path, as_questionnaire(questionnaire), on_error=on_error)


def _read_table_file(path: Path, questionnaire: QuestionnaireArg, on_error: OnError) -> Responses:
    notes: list[str] = []
    df, first_row = read_table(path, notes, whole_rows=True, categorical=True)  # a short row would shift answers
    responses = responses_from_frame(df, as_questionnaire(questionnaire), str(path), on_error=on_error,
                                     first_row=first_row)
    responses.notes[:0] = notes
    return responses


READERS: list[Reader] = [
    Reader("session", lambda path: path.suffix.lower() in SESSION_SUFFIXES, _read_session),
    Reader("survey export", lambda path: recognise_file(path) is not None, _read_export),
    Reader("table", lambda path: True, _read_table_file),
]
"""Asked in order; the first that recognises a file reads it (the table reader takes any file)."""


def reader_for(path: str | Path) -> Reader:
    """The registered reader for ``path``."""
    return next(r for r in READERS if r.recognises(Path(path)))


def read_responses(path: str | Path, questionnaire: QuestionnaireArg = None, on_error: OnError = "raise") -> Responses:
    """Read, detect the layout of, and validate a responses file.

    ``on_error="raise"`` (default) raises :class:`~cxassess.errors.ResponsesError` listing every
    problem; ``"skip"`` drops the invalid answers, keeps the rest and lists what was dropped in
    ``errors``. A session file is read with the questionnaire stored in it (``questionnaire``, when
    given, must be that one).
    """
    path = Path(path)
    return reader_for(path).read(path, questionnaire, on_error)
