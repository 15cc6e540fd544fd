"""A throw-away PostgreSQL server for the store's tests (a pytest plugin) and its benchmark.

Debian's server binaries (``/usr/lib/postgresql/*/bin``: ``initdb``, ``pg_ctl``) make a cluster in
a new temporary folder, listening only on a Unix socket in that folder (no TCP port at all), with
password authentication (``scram-sha-256``) so that a wrong password really is refused. The server
is stopped and the folder removed afterwards.

``initdb`` refuses to run as root, and containers and CI runners often are root: then the cluster
belongs to the unprivileged user ``nobody`` and the server binaries run through ``runuser -u
nobody --`` (the folder is made in ``/tmp``, which ``nobody`` can reach, and handed to it). The
tests themselves connect as root, which may use any socket.

Without PostgreSQL the tests that need it are skipped locally and FAIL when ``CI`` is set: in CI a
missing server is a missing install step (``make sysdeps``), never a quiet skip.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

USER = "cxassess"
START_TIMEOUT = 60


def server_binaries() -> Path | None:
    """The newest Debian PostgreSQL ``bin`` folder that has ``initdb`` and ``pg_ctl``, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    for pg_ctl in reversed(found):
        folder = Path(pg_ctl).parent
        if (folder / "initdb").exists():
            return folder
    return None


@dataclass
class PostgresServer:
    """A running server: its socket folder, the superuser's password, and URLs of its databases."""

    bin: Path
    folder: Path
    password: str
    runas: list[str]

    def url(self, database: str = "postgres", password: str | None = None, user: str = USER) -> str:
        secret = self.password if password is None else password
        return f"postgresql+psycopg://{user}:{secret}@/{database}?host={self.folder}"

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.runas, *args], capture_output=True, text=True, timeout=START_TIMEOUT + 30,
                              cwd="/")

    def create_database(self, name: str) -> str:
        """A new empty database; its URL."""
        import psycopg

        with psycopg.connect(host=str(self.folder), user=USER, password=self.password, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(host=str(self.folder), user=USER, password=self.password, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def log(self) -> str:
        path = self.folder / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextmanager
def throwaway_postgres(*, durable: bool = False) -> Iterator[PostgresServer]:
    """Start a new cluster in a temporary folder; stop it and remove the folder afterwards.

    ``durable=False`` (the tests) turns fsync off, which is safe for data thrown away at the end;
    the benchmark passes ``durable=True`` to measure what a real server does.
    """
    binaries = server_binaries()
    if binaries is None:
        raise FileNotFoundError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin "
                                "(install Debian's postgresql package: make sysdeps)")
    folder = Path(tempfile.mkdtemp(prefix="cxpg-", dir="/tmp"))  # short: a socket path has at most 107 bytes
    runas: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "nobody")
        runas = ["runuser", "-u", "nobody", "--"]
    server = PostgresServer(binaries, folder, secrets.token_urlsafe(16), runas)
    pwfile = folder / "pw"
    pwfile.write_text(server.password + "\n")
    if runas:
        shutil.chown(pwfile, "nobody")
    started = False
    try:
        init = server.run(str(binaries / "initdb"), "-D", str(folder / "data"), "-U", USER, "-E", "UTF8",
                          "--locale=C", "--auth=scram-sha-256", f"--pwfile={pwfile}", "--no-sync")
        if init.returncode:
            raise RuntimeError(f"initdb failed ({init.returncode}):\n{init.stdout}\n{init.stderr}")
        pwfile.unlink()
        options = f"-k {folder} -c listen_addresses='' -c max_connections=40"
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        start = server.run(str(binaries / "pg_ctl"), "-D", str(folder / "data"), "-l", str(folder / "server.log"),
                           "-w", "-t", str(START_TIMEOUT), "-o", options, "start")
        if start.returncode:
            raise RuntimeError(f"pg_ctl start failed ({start.returncode}):\n{start.stderr}\n{server.log()}")
        started = True
        yield server
    finally:
        if started:
            server.run(str(binaries / "pg_ctl"), "-D", str(folder / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgresql_server() -> Iterator[PostgresServer]:
    """One throw-away server for the whole test session."""
    if server_binaries() is None:
        message = "PostgreSQL is not installed (Debian's postgresql package; make sysdeps installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with throwaway_postgres() as server:
        yield server


@pytest.fixture
def postgresql_url(postgresql_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database on the session's server, as a ``postgresql+psycopg://`` URL; dropped afterwards."""
    name = f"t_{secrets.token_hex(6)}"
    url = postgresql_server.create_database(name)
    try:
        yield url
    finally:
        postgresql_server.drop_database(name)
