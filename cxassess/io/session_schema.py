"""The workshop session file format: its SQLite schema, its version, and what its cells may hold.

A session is one SQLite file. Tables: ``meta`` (questionnaire as JSON, client name, attribute
choices, schema version), ``participants`` (code, attributes as JSON, status
``in_progress``/``submitted``, last page, timestamps), ``answer_log`` (every answer ever given,
append-only), ``answers`` (the latest answer per participant and item: a primary key, so "latest
answer wins" needs no scan), ``open_answers`` (the latest words per participant and open question,
since version 2; only the latest is kept, so words a participant deletes are gone), ``tokens`` (the
SHA-256 of each participant's join token, never the token itself) and a view ``responses`` over them
for any SQLite tool. A version 1 file (no ``open_answers``) still reads; a writer opening it adds the
table and marks it version 2 (:data:`UPGRADES`).

The writer (:class:`cxassess.workshop.store.SessionStore`) and the reader
(:mod:`cxassess.io.session_file`) both take the format from here, so they cannot drift apart.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cxassess.errors import QuestionnaireError, SessionDamagedError, SessionError
from cxassess.questionnaire.model import Questionnaire, as_questionnaire, questionnaire_from_dict

__all__ = [
    "DONT_KNOW", "IN_PROGRESS", "MAX_CODE_LENGTH", "MAX_OPEN_TEXT", "READABLE_VERSIONS", "SCHEMA", "SCHEMA_VERSION",
    "SESSION_SUFFIXES", "SUBMITTED", "UPGRADES", "check_answer", "check_code", "check_open_text", "check_is_session",
    "check_version", "clean_choices", "is_damage", "locked_error",
    "merge_choices", "now_utc", "participant_attributes", "stored_answers_damage", "stored_json",
    "stored_questionnaire",
]

SCHEMA_VERSION = 2
READABLE_VERSIONS = (1, 2)
"""Versions a reader opens as they are (version 1 has no open answers: it reads with none)."""
SESSION_SUFFIXES = (".sqlite", ".sqlite3", ".db")
DONT_KNOW = "dont_know"
"""The value to pass for a "don't know / not applicable" answer; it is stored as missing."""
IN_PROGRESS = "in_progress"
SUBMITTED = "submitted"
MAX_CODE_LENGTH = 64
MAX_OPEN_TEXT = 1000
"""The most characters an open answer may hold (the forms say so; the store refuses longer text)."""

SCHEMA = """
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
CREATE TABLE IF NOT EXISTS open_answers (
    participant TEXT NOT NULL REFERENCES participants(code),
    question_id TEXT NOT NULL,
    text TEXT NOT NULL,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (participant, question_id)
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

UPGRADES = {1: ("open_answers",)}
"""Version -> the tables :data:`SCHEMA` adds to a file of that version when a writer opens it
(``CREATE TABLE IF NOT EXISTS``); the writer then stores :data:`SCHEMA_VERSION`."""


_DAMAGE_WORDS = ("malformed", "could not decode", "corrupt")


def is_damage(exc: BaseException) -> bool:
    """True for SQLite errors that mean a session file's bytes are damaged (not locked, read-only or full;
    "file is not a database" is a file that never was one, or whose first page is gone)."""
    text = str(exc).lower()
    return isinstance(exc, sqlite3.DatabaseError) and any(w in text for w in _DAMAGE_WORDS)


def locked_error(path: Path, exc: BaseException) -> SessionError | None:
    """The error for a session file another program holds locked (SQLite "database is locked"/"busy"), else None."""
    text = str(exc).lower()
    if not (isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)):
        return None
    return SessionError(f"{path}: the session file is locked by another program (a workshop still writing to it "
                        f"in exclusive mode, a backup or sync tool copying it: {exc}); try again once it lets go")


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


def check_answer(q: Questionnaire, item_id: str, value: Any) -> tuple[float | None, str]:
    """Validate one answer to ``q``; return (stored value, status). :data:`DONT_KNOW` or None = don't know."""
    if item_id not in q.item_ids:
        raise SessionError(f"'{item_id}' is not an item of questionnaire '{q.id}'")
    if value is None or value == DONT_KNOW:
        return None, DONT_KNOW
    not_a_number = isinstance(value, bool) or not isinstance(value, (int, float))
    if not_a_number or (isinstance(value, float) and math.isnan(value)):
        raise SessionError(f"item {item_id}: {value!r} is not an answer (expected a whole number "
                           f"{q.scale.min}..{q.scale.max} or \"don't know\")")
    if value != int(value) or not q.scale.min <= value <= q.scale.max:
        raise SessionError(f"item {item_id}: {value} is off the scale (expected a whole number "
                           f"{q.scale.min}..{q.scale.max})")
    return float(value), "answered"


def check_open_text(q: Questionnaire, question_id: str, text: Any) -> str:
    """An open answer, line ends made ``\\n`` and stripped ("" clears it); an error when it is not text, holds
    control characters or is longer than :data:`MAX_OPEN_TEXT` (never cut short unsaid)."""
    if question_id not in q.open_question_ids:
        have = ", ".join(q.open_question_ids) or "none"
        raise SessionError(f"'{question_id}' is not an open question of questionnaire '{q.id}' (open questions: "
                           f"{have})")
    if text is None:
        return ""
    if not isinstance(text, str):
        raise SessionError(f"open question {question_id}: expected text, got {type(text).__name__}")
    clean = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if any(not (ch.isprintable() or ch in "\n\t") for ch in clean):
        raise SessionError(f"open question {question_id}: the text holds control characters; type plain text")
    if len(clean) > MAX_OPEN_TEXT:
        raise SessionError(f"open question {question_id}: the answer is {len(clean):,} characters long; keep it to "
                           f"{MAX_OPEN_TEXT:,} (nothing was saved)")
    return clean


def clean_choices(attributes: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """Attribute name -> its choices, stripped, blanks and repeats dropped; a clear error otherwise."""
    out: dict[str, list[str]] = {}
    if not isinstance(attributes, Mapping):
        raise SessionError(f"attributes must map a name to its choices, e.g. {{'role': ['Manager', 'Staff']}}; "
                           f"got {attributes!r}")
    for key, values in attributes.items():
        if isinstance(values, str) or not isinstance(values, Iterable):
            raise SessionError(f"attribute '{key}': give a list of choices, got {values!r}")
        clean = [str(v).strip() for v in values if str(v).strip()]
        if not clean:
            raise SessionError(f"attribute '{key}': the list of choices is empty")
        out[str(key).strip()] = list(dict.fromkeys(clean))
    return out


def merge_choices(old: dict[str, list[str]], new: dict[str, list[str]]) -> dict[str, list[str]]:
    """Keep choices already stored (participants may have picked them) and add the new ones."""
    merged = {k: list(v) for k, v in old.items()}
    for key, values in new.items():
        merged[key] = list(dict.fromkeys([*values, *merged.get(key, [])]))
    return merged


def check_is_session(con: sqlite3.Connection, path: Path, create: bool) -> None:
    """Refuse a file that is not a cxassess session, before anything is written to it.

    Only reads, so a file that is refused is left byte for byte as it was. An empty file (0 bytes,
    or a SQLite database without tables) may become a new session only when ``create``; reading an
    existing session requires one.
    """
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        version = None
        if "meta" in tables:
            row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            version = row[0] if row else None
    except sqlite3.DatabaseError as exc:
        if is_damage(exc):
            raise  # a damaged session, not another kind of file: the caller says what is damaged
        raise locked_error(path, exc) or SessionError(
            f"{path}: not a cxassess session file ({exc}); it was left unchanged") from None
    core = ("meta", "participants", "answer_log", "answers")  # in every version's files
    if version is not None or set(core) <= tables:  # a session: one edited by hand or broken, when not whole
        missing = [f"table '{t}' is missing" for t in core if t not in tables]
        if version is None:
            missing.insert(0, "meta has no schema_version")
        if missing:
            raise SessionDamagedError("; ".join(missing))
        return
    if tables:
        raise SessionError(f"{path}: this SQLite file is not a cxassess session (its tables: "
                           f"{', '.join(sorted(tables))}); it was left unchanged")
    if not create:
        what = "an empty file" if path.stat().st_size == 0 else "an empty SQLite database"
        raise SessionError(f"{path}: not a cxassess session file ({what}, no workshop answers in it); "
                           "it was left unchanged")


def check_version(meta: Mapping[str, str], path: Path) -> int:
    """The file's schema version is one this cxassess reads (:data:`READABLE_VERSIONS`); a version that is not
    a number is damage. Returns it."""
    text = str(meta.get("schema_version", "0"))
    if not text.strip().isdigit():
        raise SessionDamagedError(f"meta 'schema_version' is {text[:40]!r}, not a version number")
    if int(text) not in READABLE_VERSIONS:
        newer = " (written by a newer cxassess: upgrade it)" if int(text) > SCHEMA_VERSION else ""
        raise SessionError(f"{path}: session file version {meta.get('schema_version')} is not supported{newer} "
                           f"(this cxassess reads versions {', '.join(map(str, READABLE_VERSIONS))})")
    return int(text)


def stored_json(meta: Mapping[str, str], key: str, default: str = "{}") -> Any:
    """A JSON object stored in ``meta``; text that does not parse, or is no object, is damage (the file was
    edited or broken: ``[1, 2]`` as the attribute choices would make attributes named 1 and 2)."""
    try:
        value = json.loads(meta.get(key, default))
    except ValueError as exc:
        raise SessionDamagedError(f"meta '{key}' is not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise SessionDamagedError(f"meta '{key}' is not valid JSON (not an object)")
    return value


def participant_attributes(code: str, text: str) -> dict[str, Any]:
    """A participant's stored attributes (JSON); text that does not parse is damage."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise SessionDamagedError(f"participant {code!r}: the attributes are not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise SessionDamagedError(f"participant {code!r}: the attributes are not a JSON object")
    return value


def _answer_damage(q: Questionnaire, row: tuple[Any, ...], people: Mapping[str, str]) -> str | None:
    """What is wrong with one stored ``answers`` row (participant, item_id, value, status, ...), or None."""
    code, item, value, status = row[:4]
    if code not in people:
        return f"participant {code!r} has answers but no row in 'participants'"
    if item not in q.item_ids:
        return f"participant {code!r}: item {item!r} is not in questionnaire {q.id!r}"
    if status == DONT_KNOW:
        return None
    if status != "answered":
        return f"participant {code!r}, item {item}: status {status!r} is neither answered nor {DONT_KNOW}"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"participant {code!r}, item {item}: the stored answer {value!r} is not a number"
    if not (math.isfinite(value) and value == int(value) and q.scale.min <= value <= q.scale.max):
        return (f"participant {code!r}, item {item}: the stored answer {value:g} is not a whole number "
                f"{q.scale.min}..{q.scale.max}")
    return None


def stored_answers_damage(q: Questionnaire, people: Mapping[str, str], answers: Iterable[tuple[Any, ...]],
                          limit: int = 5) -> list[str]:
    """Hand edits in the ``participants`` (code -> status) and ``answers`` rows, at most ``limit`` of each kind.

    The writer stores only checked answers, so anything else was edited or broken: scoring it (a 99 on a
    1-5 scale) or leaving it out unsaid (answers of a participant with no row) would be silently wrong.
    """
    found = [f"table 'participants': participant {code!r}: status {status!r} is neither {IN_PROGRESS} nor "
             f"{SUBMITTED}" for code, status in people.items() if status not in (IN_PROGRESS, SUBMITTED)][:limit]
    items, points = set(q.item_ids), {float(v) for v in range(q.scale.min, q.scale.max + 1)}
    bad = []
    for row in answers:  # the common case at a set look-up each; the rare damaged row explained
        code, item, value, status = row[:4]
        if code in people and item in items and (status == DONT_KNOW or (status == "answered" and value in points
                                                                          and not isinstance(value, str))):
            continue
        bad.append(f"table 'answers': {_answer_damage(q, row, people)}")
    found += bad[:limit]
    if len(bad) > limit:
        found.append(f"table 'answers': {len(bad) - limit} more stored answers like these")
    return found


def stored_questionnaire(meta: Mapping[str, str], path: Path,
                         given: Questionnaire | str | Path | None = None) -> Questionnaire:
    """The questionnaire stored in the file; a clear error when ``given`` is another one."""
    if "questionnaire" not in meta:
        raise SessionDamagedError("meta has no 'questionnaire' row")
    try:
        stored = questionnaire_from_dict(stored_json(meta, "questionnaire"), f"{path} (stored questionnaire)")
    except QuestionnaireError as exc:
        raise SessionDamagedError(f"the questionnaire stored in meta is not valid ({str(exc)[:200]})") from None
    if given is not None:
        q = as_questionnaire(given)
        if (q.id, q.version, q.item_ids) != (stored.id, stored.version, stored.item_ids):
            raise SessionError(
                f"{path}: this session was started with questionnaire '{stored.id}' version "
                f"{stored.version}, not '{q.id}' version {q.version}; use a new session file"
            )
    return stored
