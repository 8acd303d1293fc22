"""The utility's database: SQLite on a file, one connection per server thread, forward-only migrations.

Migrations are the numbered files in `migrations/` (001_initial.sql, ...); PRAGMA user_version is the
number of the last one applied, and `migrate` applies the rest in order, each in its own transaction.
Every state change of an order runs inside `write()` (BEGIN IMMEDIATE): the order is read again under
the database lock, so two terminals racing on one purchase serialise instead of both succeeding. The
money tables use synchronous=FULL: a payment the server has acknowledged survives a power cut.
(The hall server has the same shape; the gas company's server is a separate system and shares no code
with it but domain/.)
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from importlib import resources
from typing import Iterator

__all__ = ["connect", "migrate", "write", "schema_version", "latest_version"]

BUSY_TIMEOUT_SECONDS = 10.0


def _migration_files() -> list[tuple[int, str]]:
    folder = resources.files("gas_server") / "migrations"
    return sorted((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8"))
                  for entry in folder.iterdir() if entry.name.endswith(".sql"))


def latest_version() -> int:
    return _migration_files()[-1][0]


def connect(path: str, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit, through `write()`); a writer waits up to
    `busy_timeout` seconds for the lock, then fails with "database is locked" (503 database_busy)."""
    conn = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = FULL")
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(path: str) -> int:
    """Bring the database at `path` up to the latest schema; returns the version reached."""
    conn = connect(path)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        current = schema_version(conn)
        for number, script in _migration_files():
            if number > current:
                conn.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
                current = number
        return current
    finally:
        conn.close()


@contextmanager
def write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction, with the database lock taken up front, committed or rolled back."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
