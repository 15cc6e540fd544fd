"""Where the store is, how it is opened, and what its database errors mean in words.

The location is ``--db PATH_OR_URL``, else the environment variable ``CXASSESS_DB``, else the file
``history.sqlite`` in the user's data folder (``platformdirs.user_data_dir("cxassess")``). A path is an
SQLite file; a URL names a database SQLAlchemy knows (``postgresql+psycopg://user@host/db``;
``postgresql://`` is read as psycopg).

SQLite is opened in WAL mode with foreign keys on and a busy timeout, and every write
transaction starts with ``BEGIN IMMEDIATE``: it takes the write lock at once and waits for it, so
two processes writing at once both succeed (one after the other) instead of one failing on a lock
upgrade. Opening a store upgrades its schema to the newest revision this cxassess knows (Alembic,
in one transaction, under a lock); a store whose revision is unknown (written by a newer cxassess)
is refused.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from cxassess.errors import (
    StoreError,
    StoreLockedError,
    StoreReadOnlyError,
    StoreUnavailableError,
    StoreVersionError,
)

__all__ = ["DB_ENV", "DEFAULT_FILE", "MIGRATIONS", "Store", "default_location", "open_store", "resolve_url"]

DB_ENV = "CXASSESS_DB"
DEFAULT_FILE = "history.sqlite"
MIGRATIONS = Path(__file__).with_name("migrations")
_PG_LOCK = 7_412_019  # pg_advisory_xact_lock key: one migration at a time per database


def default_location() -> Path:
    """The SQLite file used when neither ``--db`` nor ``CXASSESS_DB`` is given."""
    import platformdirs

    return Path(platformdirs.user_data_dir("cxassess")) / DEFAULT_FILE


def resolve_url(location: str | Path | None = None) -> URL:
    """The database URL for a ``--db`` value (a path or URL), ``CXASSESS_DB``, or the default file."""
    where = location if location not in (None, "") else os.environ.get(DB_ENV) or None
    if where is None:
        where = default_location()
    text_value = str(where)
    if "://" not in text_value:
        path = Path(text_value).expanduser()
        if path.is_dir():
            raise StoreUnavailableError(f"{path}: is a folder; give the store's file, e.g. {path / DEFAULT_FILE}")
        return URL.create("sqlite", database=str(path.resolve()))
    try:
        url = make_url(text_value)
    except ArgumentError:
        raise StoreUnavailableError(f"{_hide_password(text_value)}: not a database URL "
                                    "(expected e.g. postgresql+psycopg://user@host/dbname, or a file path)") from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreUnavailableError(f"{url.render_as_string(hide_password=True)}: the store works with SQLite "
                                    "(a file path) or PostgreSQL (postgresql+psycopg://...), "
                                    f"not {url.get_backend_name()}")
    return url


def _hide_password(text_value: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", text_value)


def describe(url: URL) -> str:
    """The store's location for messages: the file, or the URL without its password."""
    return str(url.database) if url.get_backend_name() == "sqlite" else url.render_as_string(hide_password=True)


# --------------------------------------------------------------------------------------
# errors in words
# --------------------------------------------------------------------------------------
_SQLITE_MEANINGS: list[tuple[str, type[StoreError], str]] = [  # (pattern in sqlite's message, error, its meaning)
    ("database is locked", StoreLockedError,
     "the store is locked by another program (a long write, or a program that keeps it open); try again"),
    ("readonly database", StoreReadOnlyError, "the store's file or its folder cannot be written"),
    ("unable to open database", StoreReadOnlyError,
     "the store's file cannot be opened or created (its folder is missing or cannot be written)"),
    ("file is not a database", StoreUnavailableError, "the file is not a database"),
    ("disk i/o error", StoreUnavailableError, "the disk could not be read or written"),
    ("database or disk is full", StoreUnavailableError, "the disk is full"),
]
_PG_MEANINGS: list[tuple[str, type[StoreError], str]] = [
    ("password authentication failed", StoreUnavailableError, "wrong user name or password"),
    ("no password supplied", StoreUnavailableError,
     "the server asks for a password: give it in PGPASSWORD or ~/.pgpass (or in the URL)"),
    ('database ".*" does not exist', StoreUnavailableError, "no such database on the server"),
    ('role ".*" does not exist', StoreUnavailableError, "no such user on the server"),
    ("connection refused", StoreUnavailableError, "no PostgreSQL server answers at that address"),
    ("no such file or directory", StoreUnavailableError, "no PostgreSQL server answers at that socket"),
    ("could not translate host name", StoreUnavailableError, "the server's host name is not known"),
    ("timeout expired", StoreUnavailableError, "the server did not answer in time"),
    ("read-only transaction", StoreReadOnlyError, "the database is read-only"),
    ("permission denied", StoreReadOnlyError, "the user may not write these tables"),
]


def translate(exc: BaseException, where: str) -> StoreError:
    """A database error as a :class:`StoreError` that says what happened."""
    original = getattr(exc, "orig", None) or exc
    message = " ".join(str(original).split())
    low = message.casefold()
    for meanings in (_SQLITE_MEANINGS, _PG_MEANINGS):
        for needle, kind, meaning in meanings:
            if re.search(needle, low):
                return kind(f"{where}: {meaning} ({message[:300]})")
    return StoreUnavailableError(f"{where}: the store cannot be used ({message[:300]})")


@contextmanager
def database_errors(where: str) -> Iterator[None]:
    """Turn SQLAlchemy's and the drivers' errors into a clear :class:`StoreError`."""
    try:
        yield
    except StoreError:
        raise
    except (DBAPIError, SQLAlchemyError, OSError) as exc:
        raise translate(exc, where) from None


# --------------------------------------------------------------------------------------
# engines
# --------------------------------------------------------------------------------------
def _sqlite_engine(url: URL, timeout: float) -> Engine:
    path = Path(str(url.database))
    if not path.parent.is_dir():
        if url.database == str(default_location()):
            path.parent.mkdir(parents=True, exist_ok=True)
        else:
            raise StoreUnavailableError(f"{path}: the folder {path.parent} does not exist")
    engine = create_engine(url, connect_args={"timeout": timeout, "isolation_level": None})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if path.exists() and not os.access(path, os.W_OK):
                return  # a read-only file: reading still works, a write says why it cannot
            _set_wal(cursor, timeout)
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:  # writes take the lock at once, and wait for it
        options = connection.get_execution_options()
        if options.get("isolation_level") != "AUTOCOMMIT":  # VACUUM runs outside any transaction
            connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get("cx_write") else "BEGIN")

    return engine


def _set_wal(cursor: Any, timeout: float) -> None:
    """``PRAGMA journal_mode = WAL``, waiting up to ``timeout`` for it: switching a new file to WAL needs
    the file to itself, and SQLite answers "database is locked" at once instead of calling the busy
    handler, so two programs creating one store at the same moment would otherwise fail one of them."""
    import sqlite3
    import time

    deadline = time.monotonic() + timeout
    pause = 0.01
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + pause > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.2)


def _postgres_engine(url: URL, timeout: float) -> Engine:
    return create_engine(url, connect_args={"connect_timeout": max(1, int(timeout))}, pool_pre_ping=True)


_ENGINES = {"sqlite": _sqlite_engine, "postgresql": _postgres_engine}


class Store:
    """An open store: an engine, its location in words, and transactions to read or write in."""

    def __init__(self, url: URL, engine: Engine) -> None:
        self.url = url
        self.engine = engine
        self.where = describe(url)
        self.dialect = url.get_backend_name()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: committed when the block ends, rolled back (nothing written) on any error."""
        with database_errors(self.where), self.engine.connect() as conn:
            conn = conn.execution_options(cx_write=True)
            with conn.begin():
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """One read transaction (a consistent view of the store)."""
        with database_errors(self.where), self.engine.connect() as conn, conn.begin():
            yield conn

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def open_store(location: str | Path | Store | None = None, *, timeout: float = 30.0) -> Store:
    """Open (and create or upgrade) the store at ``location``; see the module docstring for where it is."""
    if isinstance(location, Store):
        return location
    url = resolve_url(location)
    where = describe(url)
    try:
        engine = _ENGINES[url.get_backend_name()](url, timeout)
    except NoSuchModuleError:
        raise StoreUnavailableError(f"{where}: no database driver for {url.drivername}") from None
    store = Store(url, engine)
    try:
        _upgrade(store)
    except BaseException:
        engine.dispose()
        raise
    return store


# --------------------------------------------------------------------------------------
# migrations
# --------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _scripts() -> Any:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config, ScriptDirectory.from_config(config)


def known_revisions() -> list[str]:
    """Every schema revision this cxassess knows, oldest first."""
    _, scripts = _scripts()
    return [s.revision for s in reversed(list(scripts.walk_revisions()))]


def head_revision() -> str:
    _, scripts = _scripts()
    return str(scripts.get_current_head())


def current_revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def _upgrade(store: Store) -> None:
    """Bring the schema to the newest revision (nothing to do when it is there already)."""
    head = head_revision()
    with store.read() as conn:
        if current_revision(conn) == head:
            return
    with store.write() as conn:  # under the write lock: one process migrates, the others then see head
        if store.dialect == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
        found = current_revision(conn)
        if found == head:
            return
        if found is not None and found not in known_revisions():
            raise StoreVersionError(
                f"{store.where}: this store was written by a newer cxassess (schema revision {found!r}; this "
                f"version knows up to {head!r}); upgrade cxassess to use it. Nothing was changed.")
        migrate(conn, "head")


def migrate(conn: Connection, target: str, *, down: bool = False) -> None:
    """Alembic's upgrade (or, ``down``, downgrade) to revision ``target``, inside ``conn``'s transaction."""
    from alembic import command

    config, _ = _scripts()
    config.attributes["connection"] = conn
    try:
        (command.downgrade if down else command.upgrade)(config, target)
    finally:
        config.attributes.pop("connection", None)
