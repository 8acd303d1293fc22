"""The hall database: SQLite on a file, one connection per request, forward-only migrations.

Migrations are the numbered files in `migrations/` (001_initial.sql, 002_...). The database's
PRAGMA user_version is the number of the last one applied; `migrate` applies the rest in order,
each in its own transaction, and never goes back. Writers use `write()` (BEGIN IMMEDIATE), so two
threads issuing tickets serialise on the database lock instead of failing half-way. Inside a write
already open (a batch applying many requests in one transaction), `write()` is a savepoint instead.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from importlib import resources
from typing import Iterator

__all__ = ["connect", "migrate", "write", "schema_version", "latest_version"]

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


def connect(path: str, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> sqlite3.Connection:
    """A connection in autocommit mode: transactions are explicit, through `write()`.

    A writer waits up to `busy_timeout` seconds for the database lock, then fails with
    "database is locked", which the server answers with 503 database_busy (nothing was done).
    """
    conn = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(path: str) -> int:
    """Bring the database at `path` up to the latest schema; returns the version reached."""
    conn = connect(path)
    try:
        # WAL lets readers (queue lists, ticket status) go on while a ticket is being written.
        conn.execute("PRAGMA journal_mode = WAL")
        current = schema_version(conn)
        for number, script in _migration_files():
            if number <= current:
                continue
            conn.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
            current = number
        return current
    finally:
        conn.close()


@contextmanager
def write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
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
def _savepoint(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("SAVEPOINT nested_write")
    try:
        yield
    except BaseException:
        if conn.in_transaction:     # some errors (a full disk) make SQLite roll back the whole transaction
            conn.execute("ROLLBACK TO nested_write")
            conn.execute("RELEASE nested_write")
        raise
    conn.execute("RELEASE nested_write")
