"""The gateway's SQLite database: created on first use, one connection per server thread, writes serialised.

The schema is schema.sql (PRAGMA user_version 1). Writers use `write()` (BEGIN IMMEDIATE), so a query and
a reverse arriving together for one order are applied one after the other, never interleaved.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from importlib import resources
from typing import Iterator

__all__ = ["connect", "prepare", "write", "SCHEMA_VERSION"]

SCHEMA_VERSION = 1


def connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def prepare(path: str) -> None:
    """Create the schema in a new database; refuse one from another version."""
    conn = connect(path)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == 0:
            script = (resources.files("payment_gateway") / "schema.sql").read_text(encoding="utf-8")
            conn.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {SCHEMA_VERSION};\nCOMMIT;")
        elif version != SCHEMA_VERSION:
            raise RuntimeError(f"{path}: gateway database version {version}, expected {SCHEMA_VERSION}")
    finally:
        conn.close()


@contextmanager
def write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
