"""Read a workshop session file: the latest answer per participant and item, as tables or :class:`Responses`.

:class:`SessionFile` opens an existing session without changing it (no table is created, the
journal mode is left as the writer set it) and reads it back in the long responses format the
scorer and the report read. The writer, :class:`cxassess.workshop.store.SessionStore`, is a
:class:`SessionFile` too, so a session reads the same whether a workshop kernel or ``cxassess
report`` opens it. :func:`export_session` writes those answers as CSV or Excel.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from cxassess._util.files import atomic_path
from cxassess.errors import SessionDamagedError, SessionError
from cxassess.io.open_text import COMMENT_COLUMNS
from cxassess.io.responses import Responses, no_usable_answer
from cxassess.io.session_salvage import damaged_error
from cxassess.io.session_schema import (
    DONT_KNOW,
    IN_PROGRESS,
    SUBMITTED,
    check_is_session,
    check_version,
    is_damage,
    locked_error,
    participant_attributes,
    stored_answers_damage,
    stored_json,
    stored_questionnaire,
)
from cxassess.questionnaire.model import Questionnaire

__all__ = ["ParticipantState", "SessionFile", "export_session", "opening", "read_session"]


@dataclass(frozen=True)
class ParticipantState:
    """One participant as stored: ``answers`` maps item id to a score or :data:`DONT_KNOW`; ``open_answers``
    maps open question id to the words given (only questions answered)."""

    code: str
    attributes: dict[str, str]
    status: str
    page: str | None
    started_at: str
    updated_at: str
    submitted_at: str | None
    answers: dict[str, float | str] = field(default_factory=dict)
    open_answers: dict[str, str] = field(default_factory=dict)

    @property
    def submitted(self) -> bool:
        return self.status == SUBMITTED


@contextlib.contextmanager
def opening(path: Path, close: Callable[[], None]) -> Iterator[None]:
    """While a session file is being opened: on any error close it again, and say in words what
    sqlite's errors mean (locked, read-only or full; not a session file)."""
    try:
        with reading(path):
            yield
    except BaseException:
        close()
        raise


@contextlib.contextmanager
def reading(path: Path) -> Iterator[None]:
    """While a session file is read: damage (SQLite's "malformed", text that is not UTF-8, JSON or a version
    edited by hand) becomes a :class:`SessionDamagedError` that says what is damaged, what still reads and
    how to salvage the answers; other SQLite errors say in words that the file cannot be used."""
    try:
        yield
    except SessionDamagedError as exc:
        if str(exc).startswith(f"{path}:"):
            raise
        raise damaged_error(path, str(exc)) from None
    except UnicodeDecodeError as exc:  # SQLite hands back text (the schema's too) as it finds it on disk
        raise damaged_error(path, f"text that is not UTF-8 ({exc.reason} at byte {exc.start} of a value)") from None
    except sqlite3.DatabaseError as exc:
        if is_damage(exc):
            raise damaged_error(path, str(exc)) from None
        if isinstance(exc, sqlite3.OperationalError):
            raise locked_error(path, exc) or SessionError(f"{path}: cannot use the session file ({exc})") from None
        raise SessionError(f"{path}: not a cxassess session file ({exc})") from None


_R = TypeVar("_R")


def _read(method: Callable[..., _R]) -> Callable[..., _R]:
    """A reading method of :class:`SessionFile`, under :func:`reading`."""
    @functools.wraps(method)
    def wrapper(self: SessionFile, *args: Any, **kwargs: Any) -> _R:
        with reading(self.path):
            return method(self, *args, **kwargs)
    return wrapper


class SessionFile:
    """An existing session file, opened for reading (error when missing or not a session).

    ``questionnaire``: when given, must be the one the session was started with.
    """

    path: Path
    questionnaire: Questionnaire
    client_name: str
    attribute_choices: dict[str, list[str]]
    created_at: str

    def __init__(self, path: str | Path, questionnaire: Questionnaire | str | Path | None = None,
                 *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise SessionError(f"{self.path}: session file not found")
        if self.path.is_dir():
            raise SessionError(f"{self.path}: is a folder, expected a session file")
        try:
            self._connection = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise SessionError(f"{self.path}: cannot open the session file ({exc})") from None
        with opening(self.path, self.close):
            check_is_session(self._con, self.path, create=False)
            self._read_meta(dict(self._con.execute("SELECT key, value FROM meta").fetchall()), questionnaire)

    def _read_meta(self, meta: dict[str, str], questionnaire: Questionnaire | str | Path | None) -> None:
        check_version(meta, self.path)
        self.questionnaire = stored_questionnaire(meta, self.path, questionnaire)
        self.client_name = meta.get("client_name", "")
        self.attribute_choices = stored_json(meta, "attributes")
        self.created_at = meta.get("created_at", "")

    @property
    def _con(self) -> sqlite3.Connection:
        return self._connection

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> SessionFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reading ------------------------------------------------------------------------
    @_read
    def counts(self) -> dict[str, int]:
        """How many participants started, are still answering, submitted; how many answers are stored."""
        rows = dict(self._con.execute("SELECT status, COUNT(*) FROM participants GROUP BY status").fetchall())
        answers = self._con.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
        return {
            "started": sum(rows.values()),
            "in_progress": rows.get(IN_PROGRESS, 0),
            "submitted": rows.get(SUBMITTED, 0),
            "answers": int(answers),
        }

    @_read
    def participant(self, code: str) -> ParticipantState | None:
        """The stored state of one participant (None when the code is new)."""
        row = self._con.execute(
            "SELECT code, attributes, status, page, started_at, updated_at, submitted_at "
            "FROM participants WHERE code = ?",
            (code,),
        ).fetchone()
        if row is None:
            return None
        answers = {
            item: (DONT_KNOW if status == DONT_KNOW else value)
            for item, value, status in self._con.execute(
                "SELECT item_id, value, status FROM answers WHERE participant = ?", (code,)
            )
        }
        words = (dict(self._con.execute("SELECT question_id, text FROM open_answers WHERE participant = ?",
                                        (code,)).fetchall()) if self._has_open_answers() else {})
        return ParticipantState(row[0], participant_attributes(row[0], row[1]), row[2], row[3], row[4], row[5],
                                row[6], answers, words)

    def _has_open_answers(self) -> bool:
        """Whether the file has the ``open_answers`` table (a version 1 file read as it is has none)."""
        return self._con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'open_answers'"
                                 ).fetchone() is not None

    @_read
    def comments_frame(self, include_partial: bool = False, participants: Iterable[str] | None = None
                       ) -> pd.DataFrame:
        """The open answers as :data:`~cxassess.io.open_text.COMMENT_COLUMNS` (``respondent_id, question_id,
        text``): participants in the order they started, questions in questionnaire order; the same
        people as :meth:`answers_frame` (submitted only unless ``include_partial``)."""
        rows = (self._con.execute("SELECT o.participant, o.question_id, o.text, p.status, p.started_at FROM "
                                  "open_answers o JOIN participants p ON p.code = o.participant").fetchall()
                if self._has_open_answers() else [])
        wanted = set(participants) if participants is not None else None
        order = {qid: n for n, qid in enumerate(self.questionnaire.open_question_ids)}
        keep = [r for r in rows if (include_partial or r[3] == SUBMITTED) and (wanted is None or r[0] in wanted)
                and r[1] in order and isinstance(r[2], str) and r[2].strip()]
        keep.sort(key=lambda r: (r[4], r[0], order[r[1]]))
        return pd.DataFrame({name: pd.Series([r[k] for r in keep], dtype=object)
                             for k, name in enumerate(COMMENT_COLUMNS)})

    @_read
    def participant_codes(self, status: str | None = None) -> list[str]:
        """Codes in the order participants started; only those with ``status`` when given."""
        sql = "SELECT code FROM participants" + (" WHERE status = ?" if status else "") + " ORDER BY started_at, code"
        return [r[0] for r in self._con.execute(sql, (status,) if status else ())]

    @_read
    def data_version(self) -> tuple[Any, ...]:
        """Changes whenever an answer, an attribute or a submission is stored (by any kernel)."""
        seq = self._con.execute("SELECT MAX(seq) FROM answer_log").fetchone()[0]
        people = self._con.execute("SELECT COUNT(*), MAX(updated_at) FROM participants").fetchone()
        return (seq, *people)

    @_read
    def history(self, code: str | None = None) -> pd.DataFrame:
        """Every answer ever given (including changed ones), oldest first."""
        sql = "SELECT seq, participant, item_id, value, status, attributes, answered_at FROM answer_log"
        rows = self._con.execute(sql + (" WHERE participant = ?" if code else "") + " ORDER BY seq",
                                 (code,) if code else ()).fetchall()
        columns = ["seq", "respondent_id", "item_id", "value", "status", "attributes", "answered_at"]
        return pd.DataFrame(rows, columns=columns)

    @_read
    def integrity_ok(self) -> bool:
        """SQLite's own full check of the file."""
        return bool(self._con.execute("PRAGMA integrity_check").fetchone()[0] == "ok")

    @_read
    def attribute_names(self) -> list[str]:
        """Attribute names: the configured ones first, then any other found on participants."""
        names = list(self.attribute_choices)
        for text, code in self._con.execute("SELECT attributes, MIN(code) FROM participants GROUP BY attributes "
                                            "ORDER BY MIN(rowid)"):  # each distinct text once, as first stored
            for key in participant_attributes(code, text):
                if key not in names:
                    names.append(key)
        return names

    @_read
    def answers_frame(self, include_partial: bool = False, participants: Iterable[str] | None = None) -> pd.DataFrame:
        """Latest answer per participant and item, with status and timestamp, plus attribute columns.

        Columns: respondent_id, item_id, value (NaN for "don't know"), status, answered_at,
        participant_status, then one column per attribute. Submitted participants only unless
        ``include_partial``; only the given ``participants`` when given.
        """
        everyone = self._con.execute("SELECT code, status, attributes FROM participants "
                                     "ORDER BY started_at, code").fetchall()
        stored = self._con.execute("SELECT participant, item_id, value, status, answered_at FROM answers").fetchall()
        damage = stored_answers_damage(self.questionnaire, {p[0]: p[1] for p in everyone}, stored)
        if damage:
            raise SessionDamagedError("; ".join(damage))
        people = [p for p in everyone if include_partial or p[1] == SUBMITTED]
        if participants is not None:
            wanted = set(participants)
            people = [p for p in people if p[0] in wanted]
        order = {p[0]: n for n, p in enumerate(people)}
        rows = [r for r in stored if r[0] in order]
        cols = ["respondent_id", "item_id", "value", "status", "answered_at"]
        columns: list[tuple[Any, ...]] = list(zip(*rows, strict=True)) if rows else [()] * len(cols)
        item_pos = {item: n for n, item in enumerate(self.questionnaire.item_ids)}
        sort = np.lexsort((np.fromiter((item_pos.get(i, -1) for i in columns[1]), np.int64, len(rows)),
                           np.fromiter((order[c] for c in columns[0]), np.int64, len(rows))))
        data: dict[str, Any] = {}
        for name, values in zip(cols, columns, strict=True):
            arr = np.array(values, dtype=float if name == "value" else object)
            data[name] = arr[sort] if len(rows) else arr
        codes = data["respondent_id"]
        status = {p[0]: p[1] for p in people}
        data["participant_status"] = np.array([status[c] for c in codes], dtype=object)
        attrs = {p[0]: participant_attributes(p[0], p[2]) for p in people}
        for name in self.attribute_names():
            per_code = {code: a.get(name) for code, a in attrs.items()}
            data[name] = np.array([per_code[c] for c in codes], dtype=object)
        return pd.DataFrame(data)

    def responses_frame(self, include_partial: bool = False, participants: Iterable[str] | None = None
                        ) -> pd.DataFrame:
        """The long responses table the scorer and the report read.

        Columns ``respondent_id, item_id, value`` and one per attribute; a "don't know" answer is
        written as the questionnaire's don't-know label, so it stays a choice, never a score.
        """
        frame = self.answers_frame(include_partial, participants)
        dk = frame["status"] == DONT_KNOW
        values = frame["value"].astype(object)
        values[~dk] = [int(v) if float(v).is_integer() else v for v in frame.loc[~dk, "value"]]
        values[dk] = self.questionnaire.scale.dont_know
        frame["value"] = values
        return frame.drop(columns=["status", "answered_at", "participant_status"])

    def to_responses(self, include_partial: bool = False, participants: Iterable[str] | None = None) -> Responses:
        """The stored answers as :class:`~cxassess.io.responses.Responses`, ready for scoring.

        Built straight from the table: every answer was validated when it was stored and the
        primary key keeps one per participant and item, so the slower text re-validation of
        :func:`~cxassess.io.responses.responses_from_frame` is not needed (a test checks both agree).
        """
        frame = self.answers_frame(include_partial, participants)
        if frame.empty:
            who = "submitted participants" if not include_partial else "participants"
            raise SessionError(f"{self.path}: no answers from {who} yet")
        source = str(self.path)
        names = self.attribute_names()
        answers = frame[["respondent_id", "item_id", "value", "status"]].reset_index(drop=True)
        attributes = frame.drop_duplicates("respondent_id").set_index("respondent_id")[names]
        attributes = attributes.astype(object).where(attributes.notna(), np.nan)
        has_answer = answers.groupby("respondent_id", sort=False)["value"].count()
        warnings = [no_usable_answer(source, rid) for rid in has_answer.index[has_answer == 0]]
        if not (has_answer > 0).any():
            raise SessionError(f"{source}: no usable answers yet: every stored answer is \"don't know\"")
        notes = [f"workshop session: {'all' if include_partial else 'submitted'} participants, latest answer per item"]
        comments = self.comments_frame(include_partial, participants)
        comments = comments.loc[comments["respondent_id"].isin(set(answers["respondent_id"]))].reset_index(drop=True)
        return Responses(source, "session", answers, attributes, warnings=warnings, notes=notes,
                         questionnaire=self.questionnaire, comments=comments)


def read_session(path: str | Path, questionnaire: Questionnaire | str | Path | None = None,
                 include_partial: bool = False) -> Responses:
    """The latest answers of a session file's submitted participants (all with ``include_partial``)."""
    with SessionFile(path, questionnaire) as session:
        return session.to_responses(include_partial)


def export_session(path: str | Path, out: str | Path, include_partial: bool = False) -> dict[str, Any]:
    """Write the latest answers of a session as CSV or Excel (cells neutralised); return what was written.

    Submitted participants only unless ``include_partial``. Refuses to write an empty table. Open answers
    are rows whose ``item_id`` is the open question and ``value`` the words (the long layout every reader
    takes back as comments); with open questions, ``"comments"`` says how many.
    """
    from cxassess._util.safe import write_csv, write_excel

    out = Path(out)
    suffix = out.suffix.lower()
    if out.is_dir():
        raise SessionError(f"{out}: is a folder; give the export a file name, e.g. {out / 'responses.csv'}")
    if suffix not in (".csv", ".xlsx"):
        raise SessionError(f"{out}: the export must be a .csv or .xlsx file")
    with SessionFile(path) as session:
        frame = session.responses_frame(include_partial)
        counts = session.counts()
        words = session.comments_frame(include_partial)
    if not frame.empty and not words.empty:  # open answers as long rows (item_id = the question): every reader
        people = frame.drop_duplicates("respondent_id").set_index("respondent_id")  # splits them out as comments
        words = words.loc[words["respondent_id"].isin(people.index)]
        extra = people.loc[words["respondent_id"]].reset_index()
        extra["item_id"], extra["value"] = words["question_id"].to_numpy(), words["text"].to_numpy()
        frame = pd.concat([frame, extra[frame.columns]], ignore_index=True)
    if frame.empty:
        hint = ("" if include_partial
                else f" ({counts['in_progress']} still answering: add --include-partial to export them)")
        raise SessionError(f"{path}: no answers to export{hint}; nothing was written")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(out) as tmp:  # never a half-written export under the real name
            if suffix == ".csv":
                write_csv(frame, tmp, encoding="utf-8")
            else:
                write_excel(frame, tmp, sheet_name="responses")
    except OSError as exc:  # a folder in the way, no permission, disk full...
        raise SessionError(f"{out}: cannot write the export ({exc.strerror or exc}); nothing was written") from None
    respondents = int(frame["respondent_id"].nunique())
    done: dict[str, Any] = {
        "rows": len(frame),
        "respondents": respondents,
        "left_out": 0 if include_partial else counts["in_progress"],
        "out": str(out),
    }
    if session.questionnaire.open_questions:  # rows whose item_id is an open question (counted in "rows")
        done["comments"] = len(words)
    return done
