"""A damaged workshop session file: say what is damaged, and read out every answer that can still be read.

A session file can be damaged by a disk or a copy gone wrong (SQLite: "database disk image is
malformed"), or edited by hand (bad JSON in ``meta`` or ``participants``, a schema version that is
not a number, text that is not UTF-8). :func:`diagnose` names what is damaged, table by table,
for the error the normal reader raises. :func:`salvage_session` is for the consultant who just lost
a workshop: it opens the file read-only (never changing it) and reads whatever SQLite can still
read, around the damaged pages:

* each table whole when it can; otherwise in key ranges, halved around each range that fails, so
  only the rows on a damaged page are lost;
* the latest answer per participant and item from ``answers``, and, where that table lost rows,
  from ``answer_log`` (every answer ever given, with the participant's attributes at that time);
* participants whose own row is lost are kept with the attributes of their latest logged answer,
  and listed as of unknown status.

The answers are written as a long responses file (as ``cxassess export`` writes them) with a
salvage report beside it listing what was read, from where, and every part that could not be.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from cxassess._util.files import atomic_path, write_text
from cxassess.errors import CxError, SessionDamagedError, SessionError
from cxassess.io.session_schema import DONT_KNOW, READABLE_VERSIONS, SUBMITTED
from cxassess.questionnaire.model import Questionnaire, as_questionnaire, questionnaire_from_dict

__all__ = ["SALVAGE_HINT", "Diagnosis", "Salvage", "damaged_error", "diagnose", "read_salvage", "salvage_report_path",
           "salvage_session"]

TABLES = ("meta", "participants", "answer_log", "answers")

SALVAGE_HINT = "read out every answer that can still be read: cxassess export {path} --salvage --out salvaged.csv"

_MAGIC = b"SQLite format 3\x00"


def _header(path: Path) -> tuple[int, int] | None:
    """(page size, pages) that a SQLite file's 100-byte header records; None for another file or a cut header."""
    with path.open("rb") as fh:
        head = fh.read(100)
    if not head.startswith(_MAGIC) or len(head) < 100:
        return None
    page_size = int.from_bytes(head[16:18], "big")
    return 65536 if page_size == 1 else page_size, int.from_bytes(head[28:32], "big")


def truncation(path: Path) -> str | None:
    """How a SQLite file is cut short (a copy or download that stopped early), from its header; else None."""
    size = path.stat().st_size
    header = _header(path)
    if header is None:
        with path.open("rb") as fh:
            cut = fh.read(len(_MAGIC)) == _MAGIC
        return f"the file is cut short inside its 100-byte header ({size} bytes); nothing can be read" if cut else None
    page_size, pages = header
    if not page_size or size >= page_size * pages:
        return None
    return (f"the file is cut short: {size:,} of the {page_size * pages:,} bytes its header records (pages "
            f"{size // page_size + 1}..{pages} of {pages} missing or incomplete; a copy that stopped early?)")


@contextlib.contextmanager
def _readable(path: Path) -> Iterator[Path]:
    """``path``, or for a file cut short a copy padded to its full length: SQLite refuses to read any table of a
    truncated file, while in the padded copy only the missing pages are unreadable (the file is never changed)."""
    header = _header(path)
    if header is None or truncation(path) is None:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="cxassess-salvage-") as folder:
        copy = Path(folder) / path.name
        shutil.copyfile(path, copy)
        with copy.open("r+b") as fh:
            fh.truncate(header[0] * header[1])  # the missing pages as zeros
        wal = Path(f"{path}-wal")
        if wal.is_file():
            shutil.copyfile(wal, f"{copy}-wal")
        yield copy


def _connect(path: Path) -> sqlite3.Connection:
    """Read-only, with text as bytes so that text that is not UTF-8 can be read (and reported) too.

    Without a write-ahead log beside it the file is opened as immutable, so not even the ``-shm``
    companion is created; with one, read-only through it (the log may hold the latest answers).
    """
    wal = Path(f"{path}-wal")
    mode = "ro" if wal.exists() and wal.stat().st_size else "ro&immutable=1"
    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True)
    con.text_factory = bytes
    return con


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8")  # UnicodeDecodeError: the caller reports it
    return str(value)


def _loose(value: Any) -> str:
    """Text for a message, whatever the bytes."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Diagnosis:
    """What is damaged (one phrase each) and which tables read whole and clean."""

    damage: list[str]
    intact: list[str]


def diagnose(path: str | Path) -> Diagnosis:
    """Read every table of a session file whole, and say what is damaged (nothing is changed)."""
    path = Path(path)
    cut = truncation(path)
    if cut and path.stat().st_size < 100:
        return Diagnosis([cut], [])
    with _readable(path) as readable:
        found = _diagnose(readable)
    if cut:
        found.damage.insert(0, cut)
    return found


def _diagnose(path: Path) -> Diagnosis:
    try:
        con = _connect(path)
    except sqlite3.Error as exc:
        return Diagnosis([f"the file cannot be opened ({exc})"], [])
    found: list[str] = []
    intact: list[str] = []
    try:
        try:
            names = {_text(r[0]) for r in con.execute("SELECT name FROM sqlite_master")}
        except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:  # decoding: the schema's text itself
            return Diagnosis([f"the table list (first page) is unreadable ({exc}); nothing can be read"], [])
        for table in TABLES:
            if table not in names:
                found.append(f"table '{table}' is missing")
                continue
            try:
                rows = con.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608 - fixed names
            except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
                found.append(f"table '{table}' is damaged ({exc})")
                continue
            content = _content_damage(table, rows)
            found += content
            if not content:
                intact.append(table)
    finally:
        con.close()
    return Diagnosis(found, intact)


def damaged_error(path: str | Path, what: str) -> SessionDamagedError:
    """The error for a damaged session: what failed, what else is damaged, what still reads, how to salvage."""
    found = diagnose(path)
    parts = [what if d in what else d for d in found.damage]  # the failing read's own words when they say more
    if not any(d in what or what in d for d in found.damage):
        parts.insert(0, what)
    if not found.damage and "malformed" in what:  # SQLite failed on a page no table read touches
        parts.append("every table reads whole, so one of SQLite's indexes is likely damaged")
    text = f"{path}: the session file is damaged or was edited by hand: {'; '.join(dict.fromkeys(parts))}."
    if found.intact:
        text += f" Still readable whole: {', '.join(found.intact)}."
    return SessionDamagedError(f"{text} To {SALVAGE_HINT.format(path=path)}")


def _content_damage(table: str, rows: list[tuple[Any, ...]]) -> list[str]:
    """Hand edits in readable rows: text that is not UTF-8, JSON that does not parse, a bad version."""
    found: list[str] = []
    try:  # all of the table's text at once; row by row only when some of it is not UTF-8
        b"\n".join(c for row in rows for c in row if isinstance(c, bytes)).decode("utf-8")
    except UnicodeDecodeError:
        for row in rows:
            try:
                b"\n".join(c for c in row if isinstance(c, bytes)).decode("utf-8")
            except UnicodeDecodeError:
                found.append(f"table '{table}' holds text that is not UTF-8 (row starting {_loose(row[0])!r})")
            if len(found) == 5:
                found.append(f"table '{table}': more rows hold text that is not UTF-8")
                break
    if table == "meta":
        meta = {_loose(k): _loose(v) for k, v, *_ in rows}
        version = meta.get("schema_version")
        if version is None:
            found.append("meta has no schema_version")
        elif not version.strip().isdigit():
            found.append(f"meta 'schema_version' is {version!r}, not a version number")
        for key in ("questionnaire", "attributes"):
            if key in meta and not _json_ok(meta[key]):
                found.append(f"meta '{key}' is not valid JSON")
    if table == "participants":
        bad = [_loose(r[0]) for r in rows if _attributes(_loose(r[1])) is None]
        found += [f"participant {code!r}: the attributes are not valid JSON" for code in bad[:5]]
        if len(bad) > 5:
            found.append(f"{len(bad) - 5} more participants' attributes are not valid JSON")
    return found


def _json_ok(text: str) -> bool:
    """Whether ``text`` is a JSON object (what meta's questionnaire and attribute choices are)."""
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


# --------------------------------------------------------------------------------------
# reading around damage
# --------------------------------------------------------------------------------------
@dataclass
class Salvage:
    """What a salvage read out and what it could not: written as the report beside the answers."""

    source: str
    frame: pd.DataFrame = field(default_factory=pd.DataFrame)
    damage: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)  # parts that could not be read
    notes: list[str] = field(default_factory=list)
    participants: int = 0
    answers: int = 0
    open_answers: int = 0  # words to open questions (rows whose item_id is the open question)
    from_log: int = 0
    out: str = ""

    def to_text(self) -> str:
        lines = [f"Salvage report for {self.source}", "Damage found:"]
        lines += [f"  - {d}" for d in self.damage] or ["  - none found by reading every table"]
        lines.append(f"Result: {self.answers} answer(s) from {self.participants} participant(s) read out"
                     + (f" ({self.from_log} of them from the answer log, where the answers table lost them)"
                        if self.from_log else "")
                     + (f", and {self.open_answers} open answer(s)" if self.open_answers else ""))
        lines += [f"Note: {n}" for n in self.notes]
        lines.append(f"Could not be read ({len(self.lost)}):")
        lines += [f"  - {x}" for x in self.lost] or ["  - nothing: every stored answer was read"]
        return "\n".join(lines) + "\n"


def _ranges(fetch: Callable[[int, int], list[tuple[Any, ...]]], lo: int, hi: int, lost: list[tuple[int, int]]
            ) -> Iterator[tuple[Any, ...]]:
    """Rows with keys lo..hi; a range that fails is halved until single keys, those listed in ``lost``."""
    stack = [(lo, hi)]
    while stack:
        a, b = stack.pop()
        try:
            yield from fetch(a, b)
        except sqlite3.DatabaseError:
            if a == b:
                if lost and lost[-1][1] == a - 1:
                    lost[-1] = (lost[-1][0], a)
                else:
                    lost.append((a, a))
                continue
            mid = (a + b) // 2
            stack += [(mid + 1, b), (a, mid)]


def _one(con: sqlite3.Connection, sql: str) -> Any:
    try:
        row = con.execute(sql).fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def _table_rows(con: sqlite3.Connection, table: str, columns: str, key: str, upper: int, salvage: Salvage,
                what: str, lost: list[tuple[int, int]] | None = None) -> list[tuple[Any, ...]]:
    """Every readable row of a rowid table; unreadable key ranges go to ``salvage.lost`` (and to ``lost``).

    A row read from a page of zeros (a file cut short and padded, a smashed page) has every field NULL: such
    rows, with NULL in the first two columns (the key and a NOT NULL column), are not rows and are dropped."""
    try:
        return _real(con.execute(f"SELECT {columns} FROM {table}").fetchall())  # noqa: S608 - fixed names
    except sqlite3.DatabaseError:
        pass
    top = _one(con, f"SELECT MAX({key}) FROM {table}") or upper  # noqa: S608
    lost = [] if lost is None else lost
    sql = f"SELECT {columns} FROM {table} WHERE {key} BETWEEN ? AND ?"  # noqa: S608

    def fetch(a: int, b: int) -> list[tuple[Any, ...]]:
        return con.execute(sql, (a, b)).fetchall()

    rows = _real(sorted(_ranges(fetch, 1, max(int(top), 1), lost), key=lambda r: (r[0] is None, r[0] or 0)))
    for a, b in lost:
        salvage.lost.append(f"{what} {a}" + (f"..{b}" if b > a else "") + " (a damaged page)")
    return rows


def _real(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The rows that are rows: not the all-NULL records a page of zeros reads as."""
    return [r for r in rows if r[0] is not None and r[1] is not None]


def _answers_rows(con: sqlite3.Connection, codes: list[str], items: list[str], failed: list[tuple[str, str]]
                  ) -> list[tuple[Any, ...]]:
    """Every readable row of ``answers`` (keyed by participant and item): whole, else per participant, else per
    answer; the (participant, item) pairs that cannot be read go to ``failed``."""
    cols = "participant, item_id, value, status, seq"
    try:
        return _real(con.execute(f"SELECT {cols} FROM answers").fetchall())  # noqa: S608
    except sqlite3.DatabaseError:
        pass
    rows: list[tuple[Any, ...]] = []
    for code in codes:
        try:
            rows += con.execute(f"SELECT {cols} FROM answers WHERE participant = ?", (code,)).fetchall()  # noqa: S608
            continue
        except sqlite3.DatabaseError:
            pass
        for item in items:
            try:
                rows += con.execute(f"SELECT {cols} FROM answers WHERE participant = ? AND item_id = ?",  # noqa: S608
                                    (code, item)).fetchall()
            except sqlite3.DatabaseError:
                failed.append((code, item))
    return [r for r in _real(rows) if r[3] is not None and r[4] is not None]


def _open_rows(con: sqlite3.Connection, codes: list[str], salvage: Salvage) -> list[tuple[Any, ...]]:
    """Every readable row of ``open_answers`` (participant, question_id, text; version 2 files): whole, else per
    participant, those that cannot be read listed as lost."""
    if not _one(con, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'open_answers'"):
        return []
    sql = "SELECT participant, question_id, text FROM open_answers"
    try:
        return _real(con.execute(sql).fetchall())
    except sqlite3.DatabaseError:
        pass
    rows: list[tuple[Any, ...]] = []
    for code in codes:
        try:
            rows += con.execute(sql + " WHERE participant = ?", (code,)).fetchall()
        except sqlite3.DatabaseError:
            salvage.lost.append(f"participant {code}: the open answers cannot be read (a damaged page)")
    return [r for r in _real(rows) if r[2] is not None]


def _questionnaire(meta: dict[str, str], given: Questionnaire | str | Path | None, path: Path,
                   salvage: Salvage) -> Questionnaire:
    if given is not None:
        return as_questionnaire(given)
    try:
        return questionnaire_from_dict(json.loads(meta["questionnaire"]), f"{path} (stored questionnaire)")
    except (KeyError, ValueError, CxError):
        raise SessionError(f"{path}: the questionnaire stored in the session is unreadable; salvage the answers "
                           "by naming the questionnaire the workshop used: --questionnaire FILE.yaml") from None


def _decoded(row: tuple[Any, ...], salvage: Salvage, where: str) -> tuple[Any, ...] | None:
    """The row with its text decoded; None (and the row listed as lost) when a text is not UTF-8."""
    try:
        return tuple(c.decode("utf-8") if type(c) is bytes else c for c in row)
    except UnicodeDecodeError:
        pass
    out = []
    for cell in row:
        try:
            out.append(_text(cell) if isinstance(cell, bytes) else cell)
        except UnicodeDecodeError:
            salvage.lost.append(f"{where}: text that is not UTF-8 ({_loose(cell)[:60]!r})")
            return None
    return tuple(out)


def _attributes(text: Any) -> dict[str, str] | None:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return None
    return {str(k): ("" if v is None else str(v)) for k, v in value.items()} if isinstance(value, dict) else None


def read_salvage(path: str | Path, questionnaire: Questionnaire | str | Path | None = None,
                 include_partial: bool = False) -> Salvage:
    """Read every answer a session file still holds (see the module doc); the file is never changed."""
    path = Path(path)
    if not path.is_file():
        raise SessionError(f"{path}: session file not found")
    if path.stat().st_size == 0:
        raise SessionError(f"{path}: an empty file (0 bytes): no session was ever written to it; nothing to salvage")
    salvage = Salvage(str(path), damage=diagnose(path).damage)
    with _readable(path) as readable:
        try:
            con = _connect(readable)
            con.execute("SELECT name FROM sqlite_master").fetchall()
        except sqlite3.DatabaseError as exc:
            cut = truncation(path)
            raise SessionError(f"{path}: nothing can be read from this file ({cut or exc}): it is not a session "
                               "file, or its first page is destroyed; use a backup copy") from None
        try:
            return _read(con, path, questionnaire, include_partial, salvage)
        finally:
            con.close()


def _read(con: sqlite3.Connection, path: Path, given: Questionnaire | str | Path | None, include_partial: bool,
          salvage: Salvage) -> Salvage:
    meta: dict[str, str] = {}
    for row in _table_rows(con, "meta", "key, value", "rowid", 100, salvage, "meta row"):
        clean = _decoded(row, salvage, "meta")
        if clean:
            meta[str(clean[0])] = str(clean[1])
    version = meta.get("schema_version", "")
    if version.strip().isdigit() and int(version) not in READABLE_VERSIONS:
        raise SessionError(f"{path}: session file version {version} is not supported (this cxassess reads versions "
                           f"{', '.join(map(str, READABLE_VERSIONS))})")
    q = _questionnaire(meta, given, path, salvage)
    choices: dict[str, Any] = {}
    try:
        choices = dict(json.loads(meta.get("attributes", "{}")))
    except (TypeError, ValueError):
        salvage.notes.append("the attribute choices stored in meta are unreadable; attribute names come from "
                             "the participants")
    upper = int(_one(con, "SELECT seq FROM sqlite_sequence WHERE name = 'answer_log'") or 0)
    upper = max(upper, int(_one(con, "SELECT MAX(seq) FROM answers") or 0), 1)
    log_lost: list[tuple[int, int]] = []
    log_rows = _table_rows(con, "answer_log", "seq, participant, item_id, value, status, attributes, answered_at",
                           "seq", upper, salvage, "answer log entries", log_lost)
    log_rows = [r for r in log_rows if None not in r[:3] and r[4] is not None]
    people: dict[str, tuple[str, dict[str, str] | None, str]] = {}  # code -> (status, attributes, started_at)
    for row in _table_rows(con, "participants", "rowid, code, status, attributes, started_at", "rowid",
                           max(upper, 1000), salvage, "participant rows"):
        clean = _decoded(row[1:3], salvage, f"participant row {row[0]}")
        if clean is None:
            continue
        try:
            attrs = _attributes(_text(row[3]))
        except UnicodeDecodeError:
            attrs = None
        if attrs is None:
            salvage.lost.append(f"participant {clean[0]}: the attributes are unreadable (not JSON, or not UTF-8); "
                                "taken from their latest logged answer where possible")
        people[str(clean[0])] = (str(clean[1]), attrs, _loose(row[4]))
    latest: dict[tuple[str, str], tuple[int, Any, str, str]] = {}  # (code, item) -> (seq, value, status, source)
    logged_attrs: dict[str, tuple[int, dict[str, str]]] = {}
    first_time: dict[str, str] = {}  # a participant's first answer: their place when their own row is lost
    parsed: dict[Any, dict[str, str] | None] = {}
    for row in log_rows:
        clean = _decoded(row, salvage, f"answer log entry {row[0]}")
        if clean is None:
            continue
        seq, code, item, value, status, attrs_text, when = clean
        first_time[str(code)] = min(str(when), first_time.get(str(code), str(when)))
        key = (str(code), str(item))
        if key not in latest or seq > latest[key][0]:
            latest[key] = (int(seq), value, str(status), "log")
        if attrs_text not in parsed:  # a few distinct texts among many answers: each parsed once
            parsed[attrs_text] = _attributes(attrs_text)
        attrs = parsed[attrs_text]
        if attrs is not None and (code not in logged_attrs or seq > logged_attrs[code][0]):
            logged_attrs[str(code)] = (int(seq), attrs)
    codes = list(dict.fromkeys([*people, *(c for c, _ in latest)]))
    log_whole = not any(x.startswith("answer log") for x in salvage.lost)
    failed: list[tuple[str, str]] = []
    for row in _answers_rows(con, codes, list(q.item_ids), failed):
        clean = _decoded(row, salvage, "answers table")
        if clean is None:
            continue
        code, item, value, status, seq = clean
        key = (str(code), str(item))
        if key not in latest or int(seq) >= latest[key][0]:
            latest[key] = (int(seq), value, str(status), "answers")
    # an answer the answers table cannot give is in the log when the log reads whole (or it was never given)
    unsure = [(c, i) for c, i in failed if (c, i) not in latest and not log_whole]
    salvage.lost += [f"participant {c}, item {i}: may have been answered, but neither the answers table nor the "
                     "answer log can be read there (damaged pages)" for c, i in unsure]
    # ...and a logged answer may have been changed later, in log entries that are lost: never given as the latest
    for c, i in failed:
        seq = latest[(c, i)][0] if (c, i) in latest else None
        later = [(a, b) for a, b in log_lost if seq is not None and b > seq]
        if later and latest[(c, i)][3] == "log":
            del latest[(c, i)]
            salvage.lost.append(f"participant {c}, item {i}: left out: the answer log gives an answer (entry {seq}), "
                                f"but later entries ({later[0][0]}..{later[-1][1]}) are unreadable and the answers "
                                "table cannot be read there, so it may have been changed since")
    if failed and log_whole:
        salvage.notes.append(f"{len(failed)} place(s) of the answers table cannot be read; the answer log reads "
                             "whole, so the latest answer of each was taken from it")
    words: dict[tuple[str, str], str] = {}
    for row in _open_rows(con, codes, salvage):
        clean = _decoded(row, salvage, "open answers")
        if clean is not None and str(clean[2]).strip():
            words[(str(clean[0]), str(clean[1]))] = str(clean[2])
    return _frame(q, people, logged_attrs, latest, first_time, choices, include_partial, salvage, words)


def _frame(q: Questionnaire, people: dict[str, tuple[str, dict[str, str] | None, str]],
           logged_attrs: dict[str, tuple[int, dict[str, str]]],
           latest: dict[tuple[str, str], tuple[int, Any, str, str]], first_time: dict[str, str],
           choices: dict[str, Any], include_partial: bool, salvage: Salvage,
           words: dict[tuple[str, str], str] | None = None) -> Salvage:
    unknown = {c for c, _ in latest if c not in people}
    started = {c: p[2] for c, p in people.items()} | {c: first_time.get(c, "") for c in unknown}
    order = {code: n for n, code in enumerate(sorted(started, key=lambda c: (started[c], c)))}
    if unknown:
        listed = ", ".join(sorted(unknown)[:20]) + (" ..." if len(unknown) > 20 else "")
        salvage.notes.append(f"{len(unknown)} participant(s) whose own row is lost are kept with the attributes of "
                             f"their latest answer; whether they submitted is unknown: {listed}")
    left_out = sorted(c for c, (status, *_) in people.items() if status != SUBMITTED and not include_partial)
    if left_out:
        salvage.notes.append(f"{len(left_out)} participant(s) still answering left out (add --include-partial): "
                             f"{', '.join(left_out[:20])}")
    item_pos = {item: n for n, item in enumerate(q.item_ids)}
    rows = []
    names = [str(n) for n in choices]
    attrs_of: dict[str, dict[str, str]] = {}
    for code in sorted(order, key=order.__getitem__):
        attrs = people[code][1] if code in people else None
        if attrs is None:
            attrs = logged_attrs.get(code, (0, {}))[1]
        attrs_of[code] = attrs
        names += [k for k in attrs if k not in names]
    off_scale = []
    for (code, item), (_, value, status, source) in sorted(
            latest.items(), key=lambda kv: (order[kv[0][0]], item_pos.get(kv[0][1], 10**6))):
        if code in left_out:
            continue
        if item not in item_pos:
            off_scale.append(f"participant {code}: item '{item}' is not in questionnaire '{q.id}'")
            continue
        if status == DONT_KNOW:
            shown: Any = q.scale.dont_know
        elif isinstance(value, (int, float)) and float(value).is_integer() and q.scale.min <= value <= q.scale.max:
            shown = int(value)
        else:
            off_scale.append(f"participant {code}, item {item}: stored value {value!r} is not a scale point")
            continue
        salvage.from_log += source == "log"
        rows.append({"respondent_id": code, "item_id": item, "value": shown,
                     **{n: attrs_of.get(code, {}).get(n) for n in names}})
    salvage.lost += off_scale
    salvage.answers = len(rows)
    # open answers after the scale answers, as cxassess export writes them (of people with a scale answer)
    answered = {r["respondent_id"] for r in rows}
    open_pos = {qid: n for n, qid in enumerate(q.open_question_ids)}
    for (code, qid), text in sorted((words or {}).items(), key=lambda kv: (order.get(kv[0][0], -1),
                                                                          open_pos.get(kv[0][1], -1))):
        if code in left_out:  # still answering: said once, in the notes
            continue
        if code not in answered or qid not in open_pos:
            salvage.lost.append(f"participant {code}: open answer to '{qid}' left out (" + (
                "not an open question of the questionnaire)" if qid not in open_pos else "no scale answer read out)"))
            continue
        rows.append({"respondent_id": code, "item_id": qid, "value": text,
                     **{n: attrs_of.get(code, {}).get(n) for n in names}})
    salvage.open_answers = len(rows) - salvage.answers
    salvage.frame = pd.DataFrame(rows, columns=["respondent_id", "item_id", "value", *names])
    salvage.participants = int(salvage.frame["respondent_id"].nunique()) if rows else 0
    return salvage


def salvage_report_path(out: str | Path) -> Path:
    out = Path(out)
    return out.with_name(out.stem + ".salvage-report.txt")


def salvage_session(path: str | Path, out: str | Path, questionnaire: Questionnaire | str | Path | None = None,
                    include_partial: bool = False) -> Salvage:
    """Write every answer still readable from a (damaged) session as CSV or Excel, and the salvage report."""
    from cxassess._util.safe import write_csv, write_excel

    out = Path(out)
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise SessionError(f"{out}: the salvaged answers must go to a .csv or .xlsx file")
    if not out.parent.is_dir():
        raise SessionError(f"{out}: the folder {out.parent} does not exist")
    salvage = read_salvage(path, questionnaire, include_partial)
    report = salvage_report_path(out)
    if salvage.frame.empty:
        write_text(report, salvage.to_text())
        raise SessionError(f"{path}: no answer could be read out; nothing was written to {out}. "
                           f"What was tried is in {report}")
    with atomic_path(out) as tmp:
        if out.suffix.lower() == ".csv":
            write_csv(salvage.frame, tmp, encoding="utf-8")
        else:
            write_excel(salvage.frame, tmp, sheet_name="responses")
    write_text(report, salvage.to_text())
    salvage.out = str(out)
    return salvage
