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

Tables: ``meta`` (questionnaire as JSON, client name, attribute choices), ``participants`` (code,
attributes as JSON, status ``in_progress``/``submitted``, last page, timestamps), ``answer_log``
(every answer ever given, append-only, with timestamp, attributes and status) and ``answers`` (the
latest answer per participant and item), ``tokens`` (for the served app: the SHA-256 of each
participant's join token, never the token itself), and a view ``responses`` over them for any SQLite tool.
:meth:`SessionStore.responses_frame` reads it back in the
long responses format the scorer reads: ``respondent_id, item_id, value`` plus one column per
attribute. WAL mode needs a local disk (not a network share), as SQLite documents.

A store may be used from any thread (each thread gets its own connection): JupyterLab serves
widget messages on kernel subshell threads, and the web app answers from a thread pool.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import secrets
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

from cxassess.errors import SessionError
from cxassess.questionnaire.model import Questionnaire, as_questionnaire, questionnaire_from_dict

SCHEMA_VERSION = 1
DONT_KNOW = "dont_know"
"""The value to pass for a "don't know / not applicable" answer; it is stored as missing."""
IN_PROGRESS = "in_progress"
SUBMITTED = "submitted"
MAX_CODE_LENGTH = 64

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS participants (
    code TEXT PRIMARY KEY,
    attributes TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'in_progress' CHECK (status IN ('in_progress', 'submitted')),
    page TEXT,
    started_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    submitted_at TEXT
);
CREATE TABLE IF NOT EXISTS answer_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    participant TEXT NOT NULL REFERENCES participants(code),
    item_id TEXT NOT NULL,
    value REAL,
    status TEXT NOT NULL CHECK (status IN ('answered', 'dont_know')),
    attributes TEXT NOT NULL,
    answered_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS answers (
    participant TEXT NOT NULL REFERENCES participants(code),
    item_id TEXT NOT NULL,
    value REAL,
    status TEXT NOT NULL,
    answered_at TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (participant, item_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY,
    participant TEXT NOT NULL REFERENCES participants(code),
    created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE VIEW IF NOT EXISTS responses AS
    SELECT a.participant AS respondent_id, a.item_id, a.value, a.status, a.answered_at,
           p.status AS participant_status, p.attributes
    FROM answers a JOIN participants p ON p.code = a.participant;
"""




def now_utc() -> str:
    """An ISO-8601 UTC timestamp with microseconds (sorts as text)."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def check_code(code: Any) -> str:
    """A participant code, stripped; clear error when empty, too long or holding control characters."""
    if not isinstance(code, str):
        raise SessionError(f"a participant code must be text, got {type(code).__name__}")
    text = code.strip()
    if not text:
        raise SessionError("the participant code is empty: pick one from the list or type a new one")
    if len(text) > MAX_CODE_LENGTH:
        raise SessionError(f"the participant code is {len(text)} characters long; use at most {MAX_CODE_LENGTH}")
    if any(not ch.isprintable() for ch in text):
        raise SessionError("the participant code holds control characters; use letters, digits and spaces")
    return text


@dataclass(frozen=True)
class ParticipantState:
    """One participant as stored: ``answers`` maps item id to a score or :data:`DONT_KNOW`."""

    code: str
    attributes: dict[str, str]
    status: str
    page: str | None
    started_at: str
    updated_at: str
    submitted_at: str | None
    answers: dict[str, float | str] = field(default_factory=dict)

    @property
    def submitted(self) -> bool:
        return self.status == SUBMITTED


class SessionStore:
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
        self._token_cache: dict[str, str] = {}
        try:
            self._check_is_session(create)
            self._setup(questionnaire, client_name, attributes)
        except sqlite3.OperationalError as exc:  # locked, read-only, disk full...
            self.close()
            raise SessionError(f"{self.path}: cannot use the session file ({exc})") from None
        except sqlite3.DatabaseError as exc:
            self.close()
            raise SessionError(f"{self.path}: not a cxassess session file ({exc})") from None
        except BaseException:
            self.close()
            raise

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
        """Refuse a file that is not a cxassess session, before anything is written to it.

        Only reads (the connection has not switched to WAL or created a table yet), so a file that
        is refused is left byte for byte as it was. An empty file (0 bytes, or a SQLite database
        without tables) becomes a new session only when ``create``; opening an existing session
        (``create=False``, as ``cxassess export`` does) requires one.
        """
        try:
            tables = {r[0] for r in self._con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            version = None
            if "meta" in tables:
                row = self._con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
                version = row[0] if row else None
        except sqlite3.DatabaseError as exc:
            raise SessionError(f"{self.path}: not a cxassess session file ({exc}); it was left unchanged") from None
        if version is not None:
            return
        if tables:
            raise SessionError(f"{self.path}: this SQLite file is not a cxassess session (its tables: "
                               f"{', '.join(sorted(tables))}); it was left unchanged")
        if not create:
            what = "an empty file" if self.path.stat().st_size == 0 else "an empty SQLite database"
            raise SessionError(f"{self.path}: not a cxassess session file ({what}, no workshop answers in it); "
                               "it was left unchanged")

    def _setup(self, questionnaire: Any, client_name: str | None, attributes: Mapping[str, Iterable[str]] | None) -> None:
        con = self._con
        mode = con.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise SessionError(f"{self.path}: cannot switch the session file to WAL mode (got '{mode}'); "
                               "keep session files on a local disk")
        with self._write():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    con.execute(statement)
            meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
            if not meta:
                q = as_questionnaire(questionnaire)
                meta = {
                    "schema_version": str(SCHEMA_VERSION),
                    "questionnaire": q.to_json(indent=None),
                    "client_name": client_name or "",
                    "attributes": json.dumps(_clean_choices(attributes or {}), ensure_ascii=False),
                    "created_at": now_utc(),
                }
                con.executemany("INSERT OR IGNORE INTO meta VALUES (?, ?)", meta.items())
                meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
            if int(meta.get("schema_version", "0")) != SCHEMA_VERSION:
                raise SessionError(f"{self.path}: session file version {meta.get('schema_version')} is not supported "
                                   f"(this cxassess writes version {SCHEMA_VERSION})")
            stored = questionnaire_from_dict(json.loads(meta["questionnaire"]), f"{self.path} (stored questionnaire)")
            if questionnaire is not None:
                given = as_questionnaire(questionnaire)
                if (given.id, given.version, given.item_ids) != (stored.id, stored.version, stored.item_ids):
                    raise SessionError(
                        f"{self.path}: this session was started with questionnaire '{stored.id}' version "
                        f"{stored.version}, not '{given.id}' version {given.version}; use a new session file"
                    )
            if client_name and client_name != meta.get("client_name"):
                if meta.get("client_name"):
                    raise SessionError(f"{self.path}: this session belongs to client '{meta['client_name']}', "
                                       f"not '{client_name}'; use a new session file")
                con.execute("UPDATE meta SET value = ? WHERE key = 'client_name'", (client_name,))
                meta["client_name"] = client_name
            if attributes is not None:
                merged = _merge_choices(json.loads(meta.get("attributes", "{}")), _clean_choices(attributes))
                con.execute("INSERT OR REPLACE INTO meta VALUES ('attributes', ?)", (json.dumps(merged, ensure_ascii=False),))
                meta["attributes"] = json.dumps(merged)
        self.questionnaire: Questionnaire = stored
        self.client_name: str = meta.get("client_name", "")
        self.attribute_choices: dict[str, list[str]] = json.loads(meta.get("attributes", "{}"))
        self.created_at: str = meta.get("created_at", "")

    def _write(self) -> "_Transaction":
        return _Transaction(self._con, self.path, self._write_lock)

    def close(self) -> None:
        """Close every thread's connection (the data is already on disk)."""
        self._closed = True
        with self._connections_lock:
            connections, self._connections = self._connections, []
        for con in connections:
            con.close()

    def __enter__(self) -> "SessionStore":
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
                    "INSERT INTO participants (code, attributes, status, started_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                    (code, json.dumps(self._check_attributes(attributes or {}), ensure_ascii=False), IN_PROGRESS, ts, ts),
                )
            elif attributes:
                self._set_attributes(code, attributes, row[0])
        return self.participant(code)  # type: ignore[return-value]

    def participant(self, code: str) -> ParticipantState | None:
        """The stored state of one participant (None when the code is new)."""
        row = self._con.execute(
            "SELECT code, attributes, status, page, started_at, updated_at, submitted_at FROM participants WHERE code = ?",
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
        return ParticipantState(row[0], json.loads(row[1]), row[2], row[3], row[4], row[5], row[6], answers)

    def participant_codes(self, status: str | None = None) -> list[str]:
        """Codes in the order participants started; only those with ``status`` when given."""
        sql = "SELECT code FROM participants" + (" WHERE status = ?" if status else "") + " ORDER BY started_at, code"
        return [r[0] for r in self._con.execute(sql, (status,) if status else ())]

    def set_attributes(self, code: str, attributes: Mapping[str, str | None]) -> None:
        """Set (or with None, clear) some attributes of a participant who has not submitted."""
        code = check_code(code)
        with self._write():
            self._set_attributes(code, attributes, self._status(code))

    def _set_attributes(self, code: str, attributes: Mapping[str, str | None], status: str) -> None:
        if status == SUBMITTED:
            raise SessionError(f"participant '{code}' has already submitted; their answers can no longer change")
        current = json.loads(self._con.execute("SELECT attributes FROM participants WHERE code = ?", (code,)).fetchone()[0])
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
                raise SessionError(f"{key!r} cannot be an attribute name (it must be text other than {', '.join(sorted(reserved))})")
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
        with self._write():
            self._con.execute("UPDATE participants SET page = ? WHERE code = ?", (page, code))

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
        q = self.questionnaire
        if item_id not in q.item_ids:
            raise SessionError(f"'{item_id}' is not an item of questionnaire '{q.id}'")
        if value is None or value == DONT_KNOW:
            return None, DONT_KNOW
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and math.isnan(value)):
            raise SessionError(f"item {item_id}: {value!r} is not an answer (expected a whole number "
                               f"{q.scale.min}..{q.scale.max} or \"don't know\")")
        if value != int(value) or not q.scale.min <= value <= q.scale.max:
            raise SessionError(f"item {item_id}: {value} is off the scale (expected a whole number "
                               f"{q.scale.min}..{q.scale.max})")
        return float(value), "answered"

    def record_answer(self, code: str, item_id: str, value: Any) -> str:
        """Store one answer now (committed and fsync'd on return); the latest answer wins.

        Returns the timestamp stored with it. Refused once the participant has submitted.
        """
        return self.record_answers(code, {item_id: value})

    def record_answers(self, code: str, answers: Mapping[str, Any]) -> str:
        """Store several answers of one participant in one transaction (all or none)."""
        checked = [(item, *self.check_answer(item, value)) for item, value in answers.items()]
        with self._write():
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

    # --- reading back -------------------------------------------------------------------
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

    def data_version(self) -> tuple[Any, ...]:
        """Changes whenever an answer, an attribute or a submission is stored (by any kernel)."""
        seq = self._con.execute("SELECT MAX(seq) FROM answer_log").fetchone()[0]
        people = self._con.execute("SELECT COUNT(*), MAX(updated_at) FROM participants").fetchone()
        return (seq, *people)

    def attribute_names(self) -> list[str]:
        """Attribute names: the configured ones first, then any other found on participants."""
        names = list(self.attribute_choices)
        for (text,) in self._con.execute("SELECT DISTINCT attributes FROM participants"):
            for key in json.loads(text):
                if key not in names:
                    names.append(key)
        return names

    def answers_frame(self, include_partial: bool = False, participants: Iterable[str] | None = None):
        """Latest answer per participant and item, with status and timestamp, plus attribute columns.

        Columns: respondent_id, item_id, value (NaN for "don't know"), status, answered_at,
        participant_status, then one column per attribute. Submitted participants only unless
        ``include_partial``; only the given ``participants`` when given.
        """
        import numpy as np
        import pandas as pd

        sql = "SELECT code, status, attributes FROM participants"
        params: list[Any] = []
        if not include_partial:
            sql += " WHERE status = ?"
            params.append(SUBMITTED)
        people = self._con.execute(sql + " ORDER BY started_at, code", params).fetchall()
        if participants is not None:
            wanted = set(participants)
            people = [p for p in people if p[0] in wanted]
        order = {p[0]: n for n, p in enumerate(people)}
        rows = [r for r in self._con.execute(
            "SELECT participant, item_id, value, status, answered_at FROM answers") if r[0] in order]
        cols = ["respondent_id", "item_id", "value", "status", "answered_at"]
        columns = list(zip(*rows)) if rows else [()] * len(cols)
        item_pos = {item: n for n, item in enumerate(self.questionnaire.item_ids)}
        sort = np.lexsort((np.fromiter((item_pos.get(i, -1) for i in columns[1]), np.int64, len(rows)),
                           np.fromiter((order[c] for c in columns[0]), np.int64, len(rows))))
        data: dict[str, Any] = {}
        for name, values in zip(cols, columns):
            arr = np.array(values, dtype=float if name == "value" else object)
            data[name] = arr[sort] if len(rows) else arr
        codes = data["respondent_id"]
        status = {p[0]: p[1] for p in people}
        data["participant_status"] = np.array([status[c] for c in codes], dtype=object)
        attrs = {p[0]: json.loads(p[2]) for p in people}
        for name in self.attribute_names():
            per_code = {code: a.get(name) for code, a in attrs.items()}
            data[name] = np.array([per_code[c] for c in codes], dtype=object)
        return pd.DataFrame(data)

    def responses_frame(self, include_partial: bool = False, participants: Iterable[str] | None = None):
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

    def to_responses(self, include_partial: bool = False, participants: Iterable[str] | None = None):
        """The stored answers as :class:`~cxassess.io.responses.Responses`, ready for scoring.

        Built straight from the table: every answer was validated when it was stored and the
        primary key keeps one per participant and item, so the slower text re-validation of
        :func:`~cxassess.io.responses.responses_from_frame` is not needed (a test checks both agree).
        """
        import numpy as np

        from cxassess.errors import Problem
        from cxassess.io.responses import Responses

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
        warnings = [Problem(source, None, None, f"respondent '{rid}' gave no usable answer (all blank or "
                                                "\"don't know\"); not counted") for rid in has_answer.index[has_answer == 0]]
        if not (has_answer > 0).any():
            raise SessionError(f"{source}: no usable answers yet: every stored answer is \"don't know\"")
        notes = [f"workshop session: {'all' if include_partial else 'submitted'} participants, latest answer per item"]
        return Responses(source, "session", answers, attributes, warnings=warnings, notes=notes)

    def history(self, code: str | None = None):
        """Every answer ever given (including changed ones), oldest first."""
        import pandas as pd

        sql = "SELECT seq, participant, item_id, value, status, attributes, answered_at FROM answer_log"
        rows = self._con.execute(sql + (" WHERE participant = ?" if code else "") + " ORDER BY seq",
                                 (code,) if code else ()).fetchall()
        return pd.DataFrame(rows, columns=["seq", "respondent_id", "item_id", "value", "status", "attributes", "answered_at"])

    def integrity_ok(self) -> bool:
        """SQLite's own full check of the file."""
        return self._con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


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


def _clean_choices(attributes: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if not isinstance(attributes, Mapping):
        raise SessionError(f"attributes must map a name to its choices, e.g. {{'role': ['Manager', 'Staff']}}; got {attributes!r}")
    for key, values in attributes.items():
        if isinstance(values, str) or not isinstance(values, Iterable):
            raise SessionError(f"attribute '{key}': give a list of choices, got {values!r}")
        clean = [str(v).strip() for v in values if str(v).strip()]
        if not clean:
            raise SessionError(f"attribute '{key}': the list of choices is empty")
        out[str(key).strip()] = list(dict.fromkeys(clean))
    return out


def _merge_choices(old: dict[str, list[str]], new: dict[str, list[str]]) -> dict[str, list[str]]:
    """Keep choices already stored (participants may have picked them) and add the new ones."""
    merged = {k: list(v) for k, v in old.items()}
    for key, values in new.items():
        merged[key] = list(dict.fromkeys([*values, *merged.get(key, [])]))
    return merged


def open_session(path: str | Path, questionnaire: Questionnaire | str | Path | None = None) -> SessionStore:
    """Open an existing session file (error when it does not exist)."""
    return SessionStore(path, questionnaire, create=False)


def export_session(path: str | Path, out: str | Path, include_partial: bool = False) -> dict[str, Any]:
    """Write the latest answers of a session as CSV or Excel (cells neutralised); return what was written.

    Submitted participants only unless ``include_partial``. Refuses to write an empty table.
    """
    from cxassess._util.safe import neutralise_frame

    out = Path(out)
    suffix = out.suffix.lower()
    if out.is_dir():
        raise SessionError(f"{out}: is a folder; give the export a file name, e.g. {out / 'responses.csv'}")
    if suffix not in (".csv", ".xlsx"):
        raise SessionError(f"{out}: the export must be a .csv or .xlsx file")
    with open_session(path) as store:
        frame = store.responses_frame(include_partial)
        counts = store.counts()
    if frame.empty:
        hint = "" if include_partial else f" ({counts['in_progress']} still answering: add --include-partial to export them)"
        raise SessionError(f"{path}: no answers to export{hint}; nothing was written")
    safe = neutralise_frame(frame)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".csv":
            safe.to_csv(tmp, index=False, encoding="utf-8")
        else:
            safe.to_excel(tmp, index=False, sheet_name="responses", engine="openpyxl")
        os.replace(tmp, out)  # never a half-written export under the real name
    except OSError as exc:  # a folder in the way, no permission, disk full...
        raise SessionError(f"{out}: cannot write the export ({exc.strerror or exc}); nothing was written") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    respondents = int(frame["respondent_id"].nunique())
    return {
        "rows": len(frame),
        "respondents": respondents,
        "left_out": 0 if include_partial else counts["in_progress"],
        "out": str(out),
    }
