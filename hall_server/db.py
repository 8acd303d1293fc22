"""The hall database: SQLite on a file or PostgreSQL at a URL, one connection per request, forward-only migrations.

`target` is a file path (SQLite) or a `postgresql://user@host/db` URL (PostgreSQL, hall_server.db_postgres); the
rest of the hall writes its SQL once, for both, and never asks which one it has. Both kinds of connection offer
the same subset of sqlite3.Connection (`execute`, `executemany`, `in_transaction`, rows by name or position).

Migrations are the numbered files in `migrations/` (001_initial.sql, 002_...), the same files for both. The
number of the last one applied is kept in the database (SQLite's PRAGMA user_version; PostgreSQL's
hall_schema_version table); `migrate` applies the rest in order, each in its own transaction, and never goes
back. Writers use `write()` (BEGIN IMMEDIATE: SQLite's database lock, PostgreSQL's one advisory lock), so two
threads issuing tickets serialise on it instead of failing half-way. Inside a write already open (a batch
applying many requests in one transaction), `write()` is a savepoint instead.

    database = open_database(target, busy_timeout=10.0, pool_size=8)    # the server's connections
    conn = database.lease(); ...; database.release(conn)                 # one request's
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from importlib import resources
import threading
from typing import Any, Iterator, Union

from hall_server import db_postgres
from hall_server.db_postgres import PgConnection

__all__ = ["Connection", "Database", "open_database", "is_postgresql", "connect", "make_private", "migrate", "write",
           "schema_version", "latest_version", "is_busy"]

Connection = Union[sqlite3.Connection, PgConnection]

BUSY_TIMEOUT_SECONDS = 10.0


def _migration_files() -> list[tuple[int, str]]:
    folder = resources.files("hall_server") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(found)


def latest_version() -> int:
    return _migration_files()[-1][0]


def is_postgresql(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


def connect(target: str, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> Connection:
    """A connection of its own (the caller closes it), in autocommit mode: transactions are explicit, through
    `write()`. A writer waits up to `busy_timeout` seconds for the write lock, then fails as busy (`is_busy`),
    which the server answers with 503 database_busy (nothing was done).
    """
    if is_postgresql(target):
        return db_postgres.connect(target, busy_timeout)
    conn = sqlite3.connect(target, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def schema_version(conn: Connection) -> int:
    if isinstance(conn, PgConnection):
        row = conn.execute(f"SELECT MAX(version) FROM {db_postgres.SCHEMA_TABLE}").fetchone()
        return row[0] or 0
    return conn.execute("PRAGMA user_version").fetchone()[0]


def make_private(path: str) -> None:
    """Create the database file readable and writable by the server's user only (it holds identity and phone
    numbers and the review-link key), and tighten an existing one. SQLite gives its -wal and -shm files the
    database file's mode."""
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(path + suffix):
            os.chmod(path + suffix, 0o600)


def migrate(target: str, up_to: int | None = None) -> int:
    """Bring the database at `target` up to the latest schema (or to version `up_to`), a SQLite file created
    private; returns the version reached."""
    wanted = [(number, script) for number, script in _migration_files() if up_to is None or number <= up_to]
    if is_postgresql(target):
        return _migrate_postgresql(target, wanted)
    make_private(target)
    conn = connect(target)
    try:
        # WAL lets readers (queue lists, ticket status) go on while a ticket is being written.
        conn.execute("PRAGMA journal_mode = WAL")
        current = schema_version(conn)
        for number, script in wanted:
            if number <= current:
                continue
            conn.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
            current = number
        return current
    finally:
        conn.close()


def _migrate_postgresql(url: str, wanted: list[tuple[int, str]]) -> int:
    conn = db_postgres.connect(url, BUSY_TIMEOUT_SECONDS)
    try:
        with write(conn):       # the write lock: two servers starting at once migrate one after the other
            conn.execute(f"CREATE TABLE IF NOT EXISTS {db_postgres.SCHEMA_TABLE} (version INTEGER NOT NULL)")
        current = schema_version(conn)
        for number, script in wanted:
            if number <= current:
                continue
            with write(conn):
                if schema_version(conn) < number:
                    conn.executescript(db_postgres.translate_migration(script))
                    conn.execute(f"INSERT INTO {db_postgres.SCHEMA_TABLE} (version) VALUES (?)", (number,))
            current = number
        return current
    finally:
        conn.close()


def is_busy(error: BaseException) -> bool:
    """Whether a failure only means the database was busy (nothing was done): 503, the kiosk tries again."""
    if isinstance(error, sqlite3.OperationalError):
        return "locked" in str(error)
    return db_postgres.is_busy(error)


class Database:
    """The server's connections to one database: on SQLite, one per server thread, kept between requests
    (closing the last connection of a WAL database checkpoints it, which cost more than the whole ticket
    transaction); on PostgreSQL, a psycopg_pool pool of `pool_size`."""

    def __init__(self, target: str, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS, pool_size: int = 8) -> None:
        self.target = target
        self._busy_timeout = busy_timeout
        self._pool = (db_postgres.Pool(target, size=pool_size, lock_timeout_s=busy_timeout, timeout_s=busy_timeout)
                      if is_postgresql(target) else None)
        self._threads = threading.local()

    def lease(self) -> Connection:
        if self._pool is not None:
            return self._pool.lease()
        conn = getattr(self._threads, "conn", None)
        if conn is None:
            conn = self._threads.conn = connect(self.target, self._busy_timeout)
        return conn

    def release(self, conn: Any) -> None:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if self._pool is not None:
            self._pool.release(conn)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()


def open_database(target: str, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS, pool_size: int = 8) -> Database:
    return Database(target, busy_timeout=busy_timeout, pool_size=pool_size)


@contextmanager
def write(conn: Connection) -> Iterator[Connection]:
    """One write transaction, taken with the database lock up front, committed or rolled back.

    Inside a transaction already open it is a savepoint: a failure undoes its own changes only, and
    they are committed with the enclosing transaction.
    """
    if conn.in_transaction:
        with _savepoint(conn):
            yield conn
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextmanager
def _savepoint(conn: Connection) -> Iterator[None]:
    conn.execute("SAVEPOINT nested_write")
    try:
        yield
    except BaseException:
        if conn.in_transaction:     # some errors (a full disk) make SQLite roll back the whole transaction
            conn.execute("ROLLBACK TO nested_write")
            conn.execute("RELEASE nested_write")
        raise
    conn.execute("RELEASE nested_write")
