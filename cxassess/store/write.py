"""Writing to the store: add one assessment wave (one transaction), forget a client (every row of it).

Client names are matched by :func:`~cxassess.store.waves.client_key` (case, spacing and Unicode
forms ignored). Adding a wave under a name that matches a stored client only in that loose sense
is refused with the stored name, so two spellings never become two clients, nor are merged
without the user saying so (they pass the stored name). A wave label already stored for the
client is refused too, unless ``replace``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection, Table, delete, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from cxassess.errors import StoreConflictError, StoreError, StoreNotFoundError
from cxassess.scoring import MIN_GROUP_SIZE
from cxassess.store.database import Store, database_errors
from cxassess.store.schema import assessments, clients, items, matrices, scores
from cxassess.store.waves import Wave, client_key

__all__ = ["Added", "add_wave", "find_client", "forget_client"]

@dataclass(frozen=True)
class Added:
    """What :func:`add_wave` did: ``status`` is ``added``, ``replaced`` or ``unchanged``."""

    client: str
    wave: str
    status: str
    assessment_id: int
    respondents: int
    answers: int
    notes: tuple[str, ...] = ()


def find_client(conn: Connection, name: str) -> Any:
    """The stored client whose name matches ``name`` (case and spacing ignored), or None."""
    return conn.execute(select(clients).where(clients.c.name_key == client_key(name))).first()


def _clean(value: str | None, what: str, limit: int) -> str | None:
    if value is None:
        return None
    cleaned = " ".join(str(value).split())
    if len(cleaned) > limit:
        raise StoreError(f"the {what} is {len(cleaned)} characters long; at most {limit}")
    return cleaned or None


def add_wave(store: Store, client: str, wave: Wave, *, sector: str | None = None, size_band: str | None = None,
             replace: bool = False, same_is_ok: bool = False, min_group_size: int = MIN_GROUP_SIZE) -> Added:
    """Store ``wave`` for ``client`` in one transaction; on any error nothing is written.

    ``same_is_ok``: a wave already stored with exactly these answers is left as it is (status
    ``unchanged``) instead of being an error (what ``batch --store`` wants when run again).
    """
    name = _clean(client, "client name", 200)
    if not name:
        raise StoreError("a client needs a name (--client NAME)")
    sector, size_band = _clean(sector, "sector", 100), _clean(size_band, "size band", 50)
    if wave.respondents < min_group_size:
        raise StoreError(f"{name}, wave {wave.label!r}: {wave.respondents} respondent(s); the store keeps "
                         f"assessments of at least {min_group_size} people (the smallest group ever shown)")
    now = dt.datetime.now(dt.timezone.utc)
    notes: list[str] = []
    with store.write() as conn:
        found = _ensure_client(conn, store.dialect, name, sector, size_band, now)
        if found.name != name:
            raise StoreConflictError(
                f"client {name!r} differs only in case or spacing from the stored client {found.name!r}; "
                f"to add this wave to that client, give its stored name: --client {found.name!r}")
        client_id = found.id
        changes = {k: v for k, v in (("sector", sector), ("size_band", size_band))  # none for a client just made
                   if v is not None and getattr(found, k) != v}
        if changes:
            conn.execute(update(clients).where(clients.c.id == client_id).values(**changes))
            notes += [f"{k.replace('_', ' ')} changed from {getattr(found, k)!r} to {v!r}" for k, v in changes.items()]
        status = "added"
        old = conn.execute(select(assessments.c.id, assessments.c.responses_digest, assessments.c.added_at)
                           .where(assessments.c.client_id == client_id, assessments.c.wave == wave.label)).first()
        if old is not None:
            if same_is_ok and old.responses_digest == wave.digest and not replace:
                return Added(name, wave.label, "unchanged", old.id, wave.respondents, wave.answer_count, tuple(notes))
            if not replace:
                added = old.added_at.date().isoformat() if old.added_at else "earlier"
                raise StoreConflictError(
                    f"client {name!r} already has a wave {wave.label!r} (added {added}); give another --wave label, "
                    "or --replace to replace the stored one")
            _delete_assessments(conn, [old.id])
            status = "replaced"
        assessment_id = _insert_wave(conn, store.dialect, client_id, wave, now)
    return Added(name, wave.label, status, assessment_id, wave.respondents, wave.answer_count, tuple(notes))


_INSERT: dict[str, Callable[[Table], Any]] = {"sqlite": sqlite_insert, "postgresql": postgresql_insert}
"""Each database's INSERT with ``ON CONFLICT DO NOTHING``."""


def _ensure_client(conn: Connection, dialect: str, name: str, sector: str | None, size_band: str | None,
                   now: dt.datetime) -> Any:
    """The client's row, created when missing.

    Another writer may be creating the same client at this moment (two batch processes): the insert
    skips on the unique name key (PostgreSQL waits for that writer to finish, then the row is read
    back), and on PostgreSQL writers of one client then take turns (a transaction lock on its id),
    so a wave that other writer is adding is seen here, as SQLite's write lock ensures already.
    """
    found = find_client(conn, name)
    if found is None:
        conn.execute(_INSERT[dialect](clients).values(name=name, name_key=client_key(name), sector=sector,
                                                      size_band=size_band, created_at=now)
                     .on_conflict_do_nothing(index_elements=["name_key"]))
        found = find_client(conn, name)
    if dialect == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:space, :client)"), {"space": _PG_CLIENT_LOCKS,
                                                                              "client": found.id})
    return found


_PG_CLIENT_LOCKS = 7_412_020  # pg_advisory_xact_lock(space, client id): one writer of a client at a time


def _new_id(result: Any) -> int:
    return int(result.inserted_primary_key[0])


def _insert_wave(conn: Connection, dialect: str, client_id: int, wave: Wave, now: dt.datetime) -> int:
    assessment_id = _new_id(conn.execute(insert(assessments).values(
        client_id=client_id, wave=wave.label, assessed_on=wave.assessed_on, questionnaire_id=wave.questionnaire_id,
        questionnaire_version=wave.questionnaire_version, scale_min=wave.scale_min, scale_max=wave.scale_max,
        respondents=wave.respondents, overall_score=wave.overall_score, responses_digest=wave.digest,
        added_at=now)))
    conn.execute(insert(items), [
        {"assessment_id": assessment_id, "position": n, "item_id": i.item_id, "dimension_id": i.dimension_id,
         "reverse": i.reverse, "weight": i.weight, "fingerprint": i.fingerprint} for n, i in enumerate(wave.items)])
    conn.execute(insert(scores), [
        {"assessment_id": assessment_id, "dimension_id": d.dimension_id, "position": n, "name": d.name,
         "score": d.score, "n": d.n, "sd": d.sd, "stage": d.stage} for n, d in enumerate(wave.dimensions)])
    conn.execute(insert(matrices).values(assessment_id=assessment_id, respondents=int(wave.matrix.shape[0]),
                                         item_ids=json.dumps([i.item_id for i in wave.items]),
                                         answers=np.ascontiguousarray(wave.matrix, dtype=np.float64).tobytes()))
    return assessment_id


def _delete_assessments(conn: Connection, ids: list[int]) -> None:
    """Every row of these assessments, children first (no reliance on ON DELETE CASCADE being on)."""
    if not ids:
        return
    for table in (matrices, items, scores):
        conn.execute(delete(table).where(table.c.assessment_id.in_(ids)))
    conn.execute(delete(assessments).where(assessments.c.id.in_(ids)))


def forget_client(store: Store, client: str) -> dict[str, Any]:
    """Remove every row of ``client`` in one transaction, then compact the database so the bytes go too.

    SQLite: deleted pages are overwritten (``secure_delete``), the file is rebuilt (``VACUUM``) and
    the write-ahead log emptied. PostgreSQL: ``VACUUM`` of the tables, which frees the rows' space
    for reuse (the server may keep old bytes on disk until that space is reused).
    """
    with store.write() as conn:
        found = find_client(conn, client)
        if found is None:
            raise StoreNotFoundError(f"{store.where}: no client {client!r} in the store (see cxassess store list)")
        ids = list(conn.execute(select(assessments.c.id).where(assessments.c.client_id == found.id)).scalars())
        answers = sum(int(np.count_nonzero(~np.isnan(np.frombuffer(blob, dtype=np.float64)))) for blob in
                      conn.execute(select(matrices.c.answers).where(matrices.c.assessment_id.in_(ids))).scalars())
        if store.dialect == "sqlite":
            conn.exec_driver_sql("PRAGMA secure_delete = ON")
        _delete_assessments(conn, ids)
        conn.execute(delete(clients).where(clients.c.id == found.id))
    with database_errors(store.where), store.engine.connect() as conn:
        auto = conn.execution_options(isolation_level="AUTOCOMMIT")
        if store.dialect == "sqlite":
            auto.exec_driver_sql("VACUUM")
            auto.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            auto.exec_driver_sql("VACUUM clients, assessments, items, matrices, scores")
    return {"client": found.name, "waves": len(ids), "answers": int(answers)}
