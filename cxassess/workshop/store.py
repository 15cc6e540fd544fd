"""The workshop session store: every answer is saved the moment it is given, by any number of kernels.

A session is one SQLite file in WAL mode (stdlib :mod:`sqlite3`). Why SQLite rather than an
append-only CSV under a file lock:

- each answer is one transaction; with ``synchronous=FULL`` the commit is fsync'd before the call
  returns, so an acknowledged answer survives a killed kernel (or a power cut), and a kill in the
  middle of a write is rolled back on the next open: the file is never left unreadable;
- SQLite's own locking lets several kernels write to the same file at once (writers queue for a
  few milliseconds, readers never block in WAL mode); a lock file would need its own stale-lock
  handling when a kernel dies holding it;
- "latest answer wins" is a primary key, not a scan of the whole log.

The file format (tables, schema version, what a participant code or an attribute may be) is
:mod:`cxassess.io.session_schema`; reading it back (:meth:`SessionStore.responses_frame`, the long
responses format the scorer reads, and :meth:`SessionStore.to_responses`) is
:class:`cxassess.io.session_file.SessionFile`, which this store extends with writing. WAL mode needs
a local disk (not a network share), as SQLite documents.

A store may be used from any thread (each thread gets its own connection): JupyterLab serves
widget messages on kernel subshell threads, and the web app answers from a thread pool.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from cxassess.errors import SessionError
from cxassess.io.session_file import ParticipantState, SessionFile, export_session, opening
from cxassess.io.session_schema import (
    DONT_KNOW,
    IN_PROGRESS,
    MAX_CODE_LENGTH,
    MAX_OPEN_TEXT,
    SCHEMA,
    SCHEMA_VERSION,
    SUBMITTED,
    check_answer,
    check_code,
    check_is_session,
    check_open_text,
    check_version,
    clean_choices,
    merge_choices,
    now_utc,
    stored_json,
    stored_questionnaire,
)
from cxassess.questionnaire.model import Questionnaire, as_questionnaire
from cxassess.workshop.group_commit import GroupCommit

__all__ = [
    "DONT_KNOW", "IN_PROGRESS", "MAX_CODE_LENGTH", "MAX_OPEN_TEXT", "SCHEMA_VERSION", "SUBMITTED", "ParticipantState",
    "SessionStore", "check_code", "export_session", "now_utc", "open_session",
]


class SessionStore(SessionFile):
    """A workshop session file (created on first use). Safe to open from several kernels at once.

    ``questionnaire``: the questionnaire answered in this session; a new session stores it in the
    file, an existing one is checked against it (None: use the one stored in the file, or the
    bundled default for a new file). ``attributes``: the choices offered per attribute (e.g.
    ``{"role": ["Manager", ...]}``), kept in the file for exports and later runs.
    """

    def __init__(
        self,
        path: str | Path,
        questionnaire: Questionnaire | str | Path | None = None,
        *,
        client_name: str | None = None,
        attributes: Mapping[str, Iterable[str]] | None = None,
        create: bool = True,
        timeout: float = 30.0,
    ) -> None:
        self.path = Path(path)
        if not create and not self.path.exists():
            raise SessionError(f"{self.path}: session file not found")
        if self.path.exists() and self.path.is_dir():
            raise SessionError(f"{self.path}: is a folder, expected a session file")
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._timeout = timeout
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._closed = False
        # Threads of this process take turns at writing here, in order, instead of in SQLite's busy
        # handler, which sleeps up to 100 ms between tries (other processes still meet that one).
        self._write_lock = threading.Lock()
        self._group = GroupCommit(self._write)  # answers and page moves: one fsync for those arriving together
        self._token_cache: dict[str, str] = {}
        with opening(self.path, self.close):
            self._check_is_session(create)
            self._setup(questionnaire, client_name, attributes)

    # --- connections: one per thread ------------------------------------------------------
    @property
    def _con(self) -> sqlite3.Connection:
        """This thread's connection to the session file, opened on first use.

        A sqlite3 connection must not be shared between threads while a transaction is open, and
        callers do run on several: JupyterLab serves widget messages on kernel subshell threads,
        the web app answers requests from a thread pool. One connection per thread keeps each
        transaction its own; SQLite's file lock (WAL mode) orders writers across threads and
        processes alike.
        """
        if self._closed:
            raise SessionError(f"{self.path}: the session was closed; open it again")
        con: sqlite3.Connection | None = getattr(self._local, "con", None)
        if con is None:
            try:
                # check_same_thread=False only so that close() may close it from another thread.
                con = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False)
            except sqlite3.Error as exc:
                raise SessionError(f"{self.path}: cannot open the session file ({exc})") from None
            self._local.con = con
            with self._connections_lock:
                self._connections.append(con)
            # a file that is not a database fails here: the callers name it as such
            con.execute("PRAGMA synchronous = FULL")  # fsync the WAL at every commit
            con.execute("PRAGMA foreign_keys = ON")
        return con

    # --- opening ------------------------------------------------------------------------
    def _check_is_session(self, create: bool) -> None:
        """Refuse a file that is not a cxassess session, before anything is written to it
        (:func:`cxassess.io.session_schema.check_is_session`)."""
        check_is_session(self._con, self.path, create)

    def _setup(self, questionnaire: Any, client_name: str | None,
               attributes: Mapping[str, Iterable[str]] | None) -> None:
        con = self._con
        mode = con.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise SessionError(f"{self.path}: cannot switch the session file to WAL mode (got '{mode}'); "
                               "keep session files on a local disk")
        with self._write():
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    con.execute(statement)
            meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
            if not meta:
                q = as_questionnaire(questionnaire)
                meta = {
                    "schema_version": str(SCHEMA_VERSION),
                    "questionnaire": q.to_json(indent=None),
                    "client_name": client_name or "",
                    "attributes": json.dumps(clean_choices(attributes or {}), ensure_ascii=False),
                    "created_at": now_utc(),
                }
                con.executemany("INSERT OR IGNORE INTO meta VALUES (?, ?)", meta.items())
                meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
            if check_version(meta, self.path) < SCHEMA_VERSION:  # SCHEMA above added the tables it lacked
                con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
            stored = stored_questionnaire(meta, self.path, questionnaire)
            if client_name and client_name != meta.get("client_name"):
                if meta.get("client_name"):
                    raise SessionError(f"{self.path}: this session belongs to client '{meta['client_name']}', "
                                       f"not '{client_name}'; use a new session file")
                con.execute("UPDATE meta SET value = ? WHERE key = 'client_name'", (client_name,))
                meta["client_name"] = client_name
            if attributes is not None:
                merged = merge_choices(stored_json(meta, "attributes"), clean_choices(attributes))
                con.execute("INSERT OR REPLACE INTO meta VALUES ('attributes', ?)",
                            (json.dumps(merged, ensure_ascii=False),))
                meta["attributes"] = json.dumps(merged)
        self.questionnaire: Questionnaire = stored
        self.client_name: str = meta.get("client_name", "")
        self.attribute_choices: dict[str, list[str]] = stored_json(meta, "attributes")
        self.created_at: str = meta.get("created_at", "")

    def _has_open_answers(self) -> bool:
        return True  # _setup created it (or found it): no look-up on every page a phone opens

    def _write(self) -> _Transaction:
        return _Transaction(self._con, self.path, self._write_lock)

    def close(self) -> None:
        """Close every thread's connection (the data is already on disk)."""
        if hasattr(self, "_group"):
            self._group.close()
        self._closed = True
        with self._connections_lock:
            connections, self._connections = self._connections, []
        for con in connections:
            con.close()

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SessionStore({str(self.path)!r}, client={self.client_name!r}, questionnaire={self.questionnaire.id!r})"

    # --- participants -------------------------------------------------------------------
    def start_participant(self, code: str, attributes: Mapping[str, str | None] | None = None) -> ParticipantState:
        """Register a participant (or find the one with this code, to resume) and return their state."""
        code = check_code(code)
        with self._write():
            row = self._con.execute("SELECT status FROM participants WHERE code = ?", (code,)).fetchone()
            if row is None:
                ts = now_utc()
                self._con.execute(
                    "INSERT INTO participants (code, attributes, status, started_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (code, json.dumps(self._check_attributes(attributes or {}), ensure_ascii=False),
                     IN_PROGRESS, ts, ts),
                )
            elif attributes:
                self._set_attributes(code, attributes, row[0])
        return self.participant(code)  # type: ignore[return-value]

    def set_attributes(self, code: str, attributes: Mapping[str, str | None]) -> None:
        """Set (or with None, clear) some attributes of a participant who has not submitted."""
        code = check_code(code)
        with self._write():
            self._set_attributes(code, attributes, self._status(code))

    def _set_attributes(self, code: str, attributes: Mapping[str, str | None], status: str) -> None:
        if status == SUBMITTED:
            raise SessionError(f"participant '{code}' has already submitted; their answers can no longer change")
        row = self._con.execute("SELECT attributes FROM participants WHERE code = ?", (code,)).fetchone()
        current = json.loads(row[0])
        for key, value in self._check_attributes(attributes, allow_none=True).items():
            if value is None:
                current.pop(key, None)
            else:
                current[key] = value
        self._con.execute("UPDATE participants SET attributes = ?, updated_at = ? WHERE code = ?",
                          (json.dumps(current, ensure_ascii=False), now_utc(), code))

    def _check_attributes(self, attributes: Mapping[str, Any], allow_none: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {}
        reserved = {"respondent_id", "item_id", "value"}
        for key, value in attributes.items():
            if not isinstance(key, str) or not key.strip() or key.strip().lower() in reserved:
                raise SessionError(f"{key!r} cannot be an attribute name (it must be text other than "
                                   f"{', '.join(sorted(reserved))})")
            if value is None or (isinstance(value, str) and not value.strip()):
                if allow_none:
                    out[key.strip()] = None
                continue
            if not isinstance(value, str):
                raise SessionError(f"attribute '{key}': expected text, got {value!r}")
            choices = self.attribute_choices.get(key.strip()) if hasattr(self, "attribute_choices") else None
            if choices and value.strip() not in choices:
                raise SessionError(f"attribute '{key}': '{value}' is not one of the choices ({', '.join(choices)})")
            out[key.strip()] = value.strip()
        return out

    def set_page(self, code: str, page: str) -> None:
        """Remember where the participant is, so they resume there."""
        self._group.run(lambda: self._con.execute("UPDATE participants SET page = ? WHERE code = ?", (page, code)))

    def _status(self, code: str) -> str:
        row = self._con.execute("SELECT status FROM participants WHERE code = ?", (code,)).fetchone()
        if row is None:
            raise SessionError(f"participant '{code}' has not started in this session")
        return row[0]

    # --- joining by link: secrets and participant tokens ---------------------------------
    def secret(self, name: str) -> str:
        """A random secret kept in the session file (created on first use): the join key, the
        facilitator key. Kept in the file so a restarted server keeps the links already handed out."""
        key = f"secret:{name}"
        row = self._con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            with self._write():
                self._con.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", (key, secrets.token_urlsafe(18)))
            row = self._con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0])

    def issue_token(self, code: str) -> str:
        """A new unguessable token that stands for participant ``code`` (only its hash is stored)."""
        token = secrets.token_urlsafe(24)
        with self._write():
            self._status(code)
            self._con.execute("INSERT INTO tokens VALUES (?, ?, ?)", (_token_hash(token), code, now_utc()))
        return token

    def participant_for_token(self, token: str) -> str | None:
        """The participant code a token stands for (None for an unknown or malformed token)."""
        if not isinstance(token, str) or not 20 <= len(token) <= 64:
            return None
        digest = _token_hash(token)
        code = self._token_cache.get(digest)
        if code is None:
            row = self._con.execute("SELECT participant FROM tokens WHERE token_hash = ?", (digest,)).fetchone()
            if row is None:
                return None
            code = self._token_cache[digest] = str(row[0])
        return code

    # --- answers ------------------------------------------------------------------------
    def check_answer(self, item_id: str, value: Any) -> tuple[float | None, str]:
        """Validate one answer; return (stored value, status). :data:`DONT_KNOW` or None = don't know."""
        return check_answer(self.questionnaire, item_id, value)

    def record_answer(self, code: str, item_id: str, value: Any) -> str:
        """Store one answer now (committed and fsync'd on return); the latest answer wins.

        Returns the timestamp stored with it. Refused once the participant has submitted.
        """
        return self.record_answers(code, {item_id: value})

    def record_answers(self, code: str, answers: Mapping[str, Any]) -> str:
        """Store several answers of one participant (all or none), committed and fsync'd on return.

        Answers of other threads arriving at the same moment share the commit (group commit, see
        :mod:`~cxassess.workshop.group_commit`); each call is still all or none on its own.
        """
        result: str = self.submit_answers(code, answers).result()
        return result

    def submit_answers(self, code: str, answers: Mapping[str, Any]) -> Future[str]:
        """:meth:`record_answers` without waiting: checked now, the future resolves once the answers
        are committed and fsync'd (the served app awaits it on its event loop, holding no thread)."""
        checked = [(item, *self.check_answer(item, value)) for item, value in answers.items()]
        return self._group.submit(lambda: self._record(code, checked))

    def _record(self, code: str, checked: list[tuple[str, float | None, str]]) -> str:
        """The statements of one call of :meth:`record_answers`, inside an open transaction."""
        row = self._con.execute("SELECT status, attributes FROM participants WHERE code = ?", (code,)).fetchone()
        if row is None:
            raise SessionError(f"participant '{code}' has not started in this session")
        if row[0] == SUBMITTED:
            raise SessionError(f"participant '{code}' has already submitted; their answers can no longer change")
        ts = now_utc()
        for item, value, status in checked:
            cur = self._con.execute(
                "INSERT INTO answer_log (participant, item_id, value, status, attributes, answered_at) "
                "VALUES (?, ?, ?, ?, ?, ?)", (code, item, value, status, row[1], ts))
            self._con.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?)",
                              (code, item, value, status, ts, cur.lastrowid))
        self._con.execute("UPDATE participants SET updated_at = ? WHERE code = ?", (ts, code))
        return ts

    def record_open_answer(self, code: str, question_id: str, text: str | None) -> str:
        """Store a participant's words for an open question now (committed on return); "" or None clears them.

        Longer than :data:`~cxassess.io.session_schema.MAX_OPEN_TEXT` characters is refused, never cut.
        Returns the text as stored (line ends as ``\\n``, stripped).
        """
        clean = check_open_text(self.questionnaire, question_id, text)

        def store() -> str:
            self._status_open(code)
            ts = now_utc()
            if clean:
                self._con.execute("INSERT OR REPLACE INTO open_answers VALUES (?, ?, ?, ?)",
                                  (code, question_id, clean, ts))
            else:
                self._con.execute("DELETE FROM open_answers WHERE participant = ? AND question_id = ?",
                                  (code, question_id))
            self._con.execute("UPDATE participants SET updated_at = ? WHERE code = ?", (ts, code))
            return clean

        with self._write():
            return store()

    def _status_open(self, code: str) -> None:
        """Refuse a change for a participant who has not started or has submitted."""
        if self._status(code) == SUBMITTED:
            raise SessionError(f"participant '{code}' has already submitted; their answers can no longer change")

    def answered_count(self, code: str) -> int:
        """How many statements this participant has answered ("don't know" included)."""
        return int(self._con.execute("SELECT COUNT(*) FROM answers WHERE participant = ?", (code,)).fetchone()[0])

    def submit(self, code: str) -> str:
        """Mark a participant as finished; their answers are then final. Returns the timestamp."""
        with self._write():
            if self._status(code) == SUBMITTED:
                raise SessionError(f"participant '{code}' has already submitted")
            ts = now_utc()
            self._con.execute("UPDATE participants SET status = ?, submitted_at = ?, updated_at = ? WHERE code = ?",
                              (SUBMITTED, ts, ts, code))
        self.checkpoint()
        return ts

    def checkpoint(self) -> None:
        """Copy what the write-ahead log holds into the main file (never blocks other kernels).

        SQLite does this on its own as the log grows and when the last connection closes; doing it
        at each submit keeps the ``.sqlite`` file complete even if someone copies it without its
        ``-wal`` companion.
        """
        self._con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()

class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``: takes the write lock up front, rolls back on any error."""

    def __init__(self, con: sqlite3.Connection, path: Path, lock: threading.Lock) -> None:
        self.con, self.path, self.lock = con, path, lock

    def __enter__(self) -> sqlite3.Connection:
        self.lock.acquire()
        try:
            self.con.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            self.lock.release()
            raise SessionError(f"{self.path}: the session file is busy or read-only ({exc}); try again") from None
        except BaseException:
            self.lock.release()
            raise
        return self.con

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            if exc_type is None:
                try:
                    self.con.execute("COMMIT")
                except sqlite3.OperationalError as err:
                    self.con.execute("ROLLBACK")
                    raise SessionError(f"{self.path}: could not save ({err}); nothing was stored") from None
            else:
                self.con.execute("ROLLBACK")
        finally:
            self.lock.release()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def open_session(path: str | Path, questionnaire: Questionnaire | str | Path | None = None) -> SessionStore:
    """Open an existing session file (error when it does not exist)."""
    return SessionStore(path, questionnaire, create=False)
