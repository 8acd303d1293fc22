"""The durable outbox: work accepted while the hall may be unreachable, kept until it is delivered.

An item is a JSON body for one hall POST (a review, a complaint, a device event, a heartbeat, later
the gas terminal's payment and card-write confirmations). `enqueue` returns only after the item is
committed to an SQLite file in WAL mode with ``synchronous = FULL``, so an item the kiosk confirmed
survives a crash or a power cut. Its id is random, generated here, shown to the citizen as the
reference number and sent as the ``Idempotency-Key``: the hall applies it once however often the
sender (kiosk.outbox.sender) has to send it. Delivered items are deleted (``secure_delete`` on).

Payloads are sealed with AES-256-GCM (``cryptography``); the id is the associated data, so a
sealed body cannot be moved to another item. The key comes from the secrets file (``outbox_key``)
through `derive_key` and is never written to the database; a check value tells a wrong key from a
damaged file at open.

Bounds, and what may be dropped (nothing else ever is):

* Coalescing kinds (heartbeats): a new one replaces the older undelivered one.
* Droppable kinds (heartbeats, device events) go first when space runs short: oldest first, when
  the items exceed ``max_bytes`` or the disk has less than ``min_free_bytes`` free, and when they
  are older than ``max_droppable_age``. Every drop is counted and alerted.
* Protected kinds (reviews, complaints, payment and card-write confirmations) are never dropped.
  When they alone fill ``max_bytes``, enqueue raises `OutboxFull`; when SQLite cannot write (disk
  full, I/O error) it raises `OutboxUnavailable`; a damaged file raises `OutboxCorrupt`. In each
  case the app must stop accepting that work instead of pretending.
* A full disk must not lock the backlog in: opening writes nothing to an outbox that is up to date, and a
  file of ``reserve_bytes`` beside it (``outbox.sqlite3-reserve``, taken while there is room) is given up
  when deleting delivered items finds no room for the WAL; after delivery the WAL is truncated, an emptied
  file gives its pages back, and the reserve is taken again.
* A warning alert is raised at ``alert_fraction`` of ``max_bytes``, when the disk's free space
  falls below four times ``min_free_bytes``, and when the oldest undelivered item is older than
  ``alert_age``: long before anything has to be refused.

One `Outbox` per file, in one process: it holds the file locked while open (another process gets
`OutboxBusy`), and it is thread-safe (one connection behind a lock). `stats()`
gives the counts, the oldest item's age and `problem` (the alert code while enqueue is refused),
for the heartbeat and the technician screen. Kinds are a table (`DEFAULT_KINDS`); the gas terminal
adds its confirmations as protected kinds on their own stream when the hall has their endpoints:
``kinds={**DEFAULT_KINDS, "payment_confirmation": ItemKind("payment_confirmation", <path>, "payments",
protected=True)}``.

    outbox = Outbox(settings.data_dir / "outbox.sqlite3", derive_key(secrets.outbox_key),
                    on_alert=maintenance.report)
    reference = outbox.enqueue_review({"ticket_id": ticket.ticket_id, "level": "satisfied"})
    outbox.enqueue_complaint({"kind": "complaint", "content": text, "contact_phone": phone})
    outbox.enqueue_event("printer.paper_low", "warning", "paper below 10%")
    outbox.enqueue_heartbeat({"status": "ok", "app_version": "0.1.0", "uptime_seconds": 3600})
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar

from domain.sealing import SealBroken, Sealer, WeakSecret
from domain.sealing import derive_key as derive_sealing_key
from kiosk.outbox.errors import (OutboxAlert, OutboxBusy, OutboxCorrupt, OutboxDiskFull, OutboxError, OutboxFull,
                                 OutboxKeyError, OutboxUnavailable)

__all__ = ["Outbox", "OutboxItem", "DeadItem", "OutboxStats", "ItemKind", "DEFAULT_KINDS", "BATCH_PATH",
           "derive_key", "new_item_id", "OutboxError", "OutboxFull", "OutboxUnavailable", "OutboxBusy",
           "OutboxCorrupt", "OutboxKeyError", "OutboxAlert"]

log = logging.getLogger("kiosk.outbox.store")

SCHEMA_VERSION = 2
# Row, index and page overhead counted per item on top of its sealed body, so the budget tracks the file.
_ROW_OVERHEAD = 160
_WAL_CHECKPOINT_PAGES = 256
_KEY_CHECK_AAD = b"kiosk-outbox-key-check"
_KEY_CHECK_PLAIN = b"outbox key check v1"

# SQLite primary result codes (sqlite3.h) that decide which error the kiosk sees.
_SQLITE_BUSY, _SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_NOTADB, _SQLITE_READONLY = 5, 10, 11, 13, 26, 8
_SQLITE_CANTOPEN = 14

# Each stream owns a range of 2**40 rowids, so rowid order is delivery order within a stream and
# "the head of a stream" is a range scan of the table itself. No secondary index: an enqueue then
# writes one B-tree page, and every page a commit writes is one more page to sync (bench/outbox.py:
# about 8% more items per second than the same table with an index on (state, stream, seq)).
_STREAM_SPAN = 1 << 40
_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    seq        INTEGER PRIMARY KEY,                 -- the stream's base + position: delivery order (rowid)
    id         TEXT NOT NULL,                       -- reference number and Idempotency-Key (80 random bits)
    kind       TEXT NOT NULL,
    stream     TEXT NOT NULL,
    droppable  INTEGER NOT NULL,                    -- 1: may be dropped under pressure (see module doc)
    state      TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'dead')),
    sealed     BLOB NOT NULL,                       -- nonce || AES-GCM(payload JSON), id as associated data
    size       INTEGER NOT NULL,
    created_at REAL NOT NULL,                       -- Unix time
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS streams (
    name TEXT PRIMARY KEY,
    base INTEGER NOT NULL UNIQUE                    -- the stream's items have base < seq < base + 2**40
);
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
"""
# One encoder for every payload: json.dumps with options builds a new encoder per call.
_encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
_INSERT = ("INSERT INTO items (seq, id, kind, stream, droppable, sealed, size, created_at)"
           " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
# Schema 1 kept one global rowid order and an index on (state, stream, seq): give each stream its range.
_FROM_SCHEMA_1 = f"""
INSERT INTO streams (name, base)
    SELECT stream, ROW_NUMBER() OVER (ORDER BY stream) * {_STREAM_SPAN} FROM (SELECT DISTINCT stream FROM items);
UPDATE items SET seq = seq + (SELECT base FROM streams WHERE name = items.stream);
DROP INDEX IF EXISTS items_queue;
"""


BATCH_PATH = "/v1/batch"


@dataclass(frozen=True)
class ItemKind:
    """How one kind of work is delivered and what may happen to it under pressure.

    Two ways to send a backlog in fewer requests (kiosk.outbox.sender):

    * `batch_field`: items of this kind are POSTed to `path` together as ``{batch_field: [payload +
      id, ...]}``, each carrying its own id in `id_field` so the hall stores each once (device events).
    * `batchable`: consecutive items of the stream whose kinds are batchable go together to
      ``POST /v1/batch``, each as the request it would be alone (its `path`, its payload, its id as
      the Idempotency-Key), and each gets its own answer (reviews, complaints).
    """

    name: str
    path: str
    stream: str
    protected: bool
    coalesce: bool = False
    batch_field: str | None = None
    id_field: str | None = None
    batchable: bool = False
    batch_max: int = 100


DEFAULT_KINDS: dict[str, ItemKind] = {kind.name: kind for kind in (
    ItemKind("review", "/v1/reviews", "feedback", protected=True, batchable=True),
    ItemKind("complaint", "/v1/complaints", "feedback", protected=True, batchable=True),
    ItemKind("event", "/v1/devices/events", "events", protected=False, batch_field="events", id_field="event_id"),
    ItemKind("heartbeat", "/v1/devices/heartbeat", "heartbeat", protected=False, coalesce=True),
)}


@dataclass(frozen=True)
class OutboxItem:
    """An undelivered item, opened for sending."""

    seq: int
    id: str
    kind: str
    stream: str
    payload: dict[str, Any]
    attempts: int
    created_at: float


@dataclass(frozen=True)
class DeadItem:
    """An item the hall refused for good: kept for a technician, shown without its payload."""

    id: str
    kind: str
    created_at: float
    attempts: int
    reason: str


@dataclass(frozen=True)
class OutboxStats:
    pending: int
    dead: int
    bytes: int
    max_bytes: int
    dropped_total: int
    oldest_pending_age: float | None
    problem: str | None         # the alert code that made the last enqueue fail, until one succeeds


def derive_key(outbox_key: str | bytes) -> bytes:
    """The 256-bit sealing key from the secrets file's ``outbox_key`` (any string of 16+ characters)."""
    try:
        return derive_sealing_key(outbox_key, purpose=b"gov-service-kiosk outbox v1")
    except WeakSecret:
        raise OutboxKeyError("outbox_key in the secrets file is missing or shorter than 16 characters:"
                             " set it to a long random value (e.g. python -c 'import secrets;"
                             " print(secrets.token_urlsafe(32))') and keep it with the kiosk secret") from None


F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def _alerting(method: F) -> F:
    """Send the alerts a public method raised once it has released the lock, whatever its outcome."""

    @functools.wraps(method)
    def wrapper(self: "Outbox", *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        finally:
            self._flush_alerts()

    return wrapper  # type: ignore[return-value]


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Every 10-bit value as its two Crockford characters: an id is eight look-ups, not 16 shifts.
_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]


def new_item_id() -> str:
    """80 random bits as 16 Crockford base-32 characters in groups of four: 7F3K-9Q2M-XA4B-C8D1.

    Easy to read out over the phone (no I, L, O, U) and long enough never to repeat at one kiosk,
    which matters: the hall would answer a repeated key with the first item's answer.
    """
    value = int.from_bytes(os.urandom(10), "big")
    p = _PAIRS
    return (f"{p[value >> 70]}{p[value >> 60 & 1023]}-{p[value >> 50 & 1023]}{p[value >> 40 & 1023]}-"
            f"{p[value >> 30 & 1023]}{p[value >> 20 & 1023]}-{p[value >> 10 & 1023]}{p[value & 1023]}")


class Outbox:
    def __init__(self, path: str | os.PathLike[str], key: bytes, *, kinds: Mapping[str, ItemKind] = DEFAULT_KINDS,
                 max_bytes: int = 256 * 1024 * 1024, min_free_bytes: int = 64 * 1024 * 1024,
                 alert_fraction: float = 0.5, alert_age: float = 24 * 3600.0,
                 max_droppable_age: float = 7 * 24 * 3600.0, file_size_limit: int | None = None,
                 disk_check_interval: float = 1.0, busy_timeout: float = 5.0,
                 reserve_bytes: int = 2 * 1024 * 1024,
                 on_alert: Callable[[OutboxAlert], None] | None = None,
                 disk_free: Callable[[], int] | None = None, clock: Callable[[], float] = time.time) -> None:
        if len(key) != 32:
            raise OutboxKeyError("the outbox key must be 32 bytes: pass derive_key(secrets.outbox_key)")
        self.path = Path(path)
        self._folder = str(self.path.parent)
        self.kinds = dict(kinds)
        self.streams = tuple(dict.fromkeys(kind.stream for kind in self.kinds.values()))
        self.max_bytes = max_bytes
        self.min_free_bytes = min_free_bytes
        self._alert_bytes = int(max_bytes * alert_fraction)
        self._alert_age = alert_age
        self._max_droppable_age = max_droppable_age
        self._sealer = Sealer(key)
        self._on_alert = on_alert
        self._disk_free_now = disk_free or self._free_bytes_on_disk
        self._disk_check_interval = disk_check_interval
        self._disk_checked_at = -float("inf")
        self._disk_free_seen = 0
        self._clock = clock
        self._lock = threading.RLock()
        self._listeners: list[Callable[[], None]] = []
        self._active_alerts: set[str] = set()
        self._pending_alerts: list[OutboxAlert] = []
        self._problem: str | None = None
        self._stream_bases: dict[str, int] = {}
        self._next_seq: dict[str, int] = {}
        self._reserve_path = Path(f"{self.path}-reserve")
        self._reserve_bytes = reserve_bytes
        self._conn = self._open(file_size_limit, busy_timeout)
        self._keep_reserve()

    # -- opening -----------------------------------------------------------------------------------

    def _open(self, file_size_limit: int | None, busy_timeout: float) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        new_file = not self.path.exists() or self.path.stat().st_size == 0
        try:
            conn = sqlite3.connect(self.path, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as error:
            raise self._translate(error, "open") from None
        try:
            # This process keeps the file locked while it is open, so a second kiosk app (or a stray tool)
            # cannot send the same items, and SQLite needs no shared-memory index and no file locking per
            # commit: set before WAL mode is first used, as SQLite requires.
            conn.execute("PRAGMA locking_mode = EXCLUSIVE")
            if new_file:
                # A new file gives emptied pages back to the disk (PRAGMA incremental_vacuum after delivery).
                # Never asked of an existing file: there it writes, and the disk may be full.
                conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
            if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
                raise OutboxUnavailable(f"outbox {self.path}: the file system does not support SQLite's WAL mode")
            # FULL: a commit is on the disk before enqueue returns, power cut or not.
            conn.execute("PRAGMA synchronous = FULL")
            # A small WAL, checkpointed often and then rewritten from its start: a commit that overwrites
            # blocks the file already has syncs faster than one that makes the file grow (measured in
            # bench/outbox.py), and recovery after a power cut has less to replay.
            conn.execute(f"PRAGMA wal_autocheckpoint = {_WAL_CHECKPOINT_PAGES}")
            # Deleted rows (delivered items) are overwritten, not left in free pages.
            conn.execute("PRAGMA secure_delete = ON")
            if file_size_limit is not None:
                page_size = conn.execute("PRAGMA page_size").fetchone()[0]
                conn.execute(f"PRAGMA max_page_count = {max(1, file_size_limit // page_size)}")
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise OutboxCorrupt(f"outbox {self.path} failed SQLite's quick_check ({check[:80]}): move it aside"
                                    " with Outbox.quarantine() and keep it for recovery; a fresh outbox starts empty")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise OutboxCorrupt(f"outbox {self.path} has schema {version}, newer than this kiosk's"
                                    f" {SCHEMA_VERSION}: was the software downgraded?")
            if version < SCHEMA_VERSION:
                # Only a new or older file is written at open: on a full disk a restarted kiosk must still
                # open its outbox, to deliver the backlog that frees the space.
                upgrade = _FROM_SCHEMA_1 if version == 1 else ""
                conn.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} {upgrade}"
                                   f" PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
            self._stream_bases = dict(conn.execute("SELECT name, base FROM streams"))
            self._check_key(conn)
            self._count(conn)
        except sqlite3.Error as error:
            conn.close()
            raise self._translate(error, "open") from None
        except OutboxError:
            conn.close()
            raise
        return conn

    def _check_key(self, conn: sqlite3.Connection) -> None:
        row = conn.execute("SELECT value FROM meta WHERE key = 'key_check'").fetchone()
        if row is None:
            conn.execute("INSERT INTO meta VALUES ('key_check', ?)",
                         (self._sealer.key_check(_KEY_CHECK_AAD, _KEY_CHECK_PLAIN),))
            return
        try:
            self._sealer.verify_key_check(row[0], _KEY_CHECK_AAD)
        except SealBroken:
            raise OutboxKeyError(f"outbox {self.path} was written with another outbox_key: restore the secrets"
                                 " file it was made with; never delete the outbox to get past this") from None

    def _recount(self) -> None:
        """After a failed transaction the counters may have run ahead of the rolled-back file."""
        try:
            self._count(self._conn)
        except sqlite3.Error:
            pass

    def _forget_positions(self) -> None:
        """After a rollback: a stream range given inside it is not in the file; read them back."""
        self._next_seq.clear()
        try:
            self._stream_bases = dict(self._conn.execute("SELECT name, base FROM streams"))
        except sqlite3.Error:
            pass

    def _count(self, conn: sqlite3.Connection) -> None:
        row = conn.execute("SELECT COUNT(*) FILTER (WHERE state = 'pending'), COUNT(*) FILTER (WHERE state = 'dead'),"
                           " COALESCE(SUM(size), 0) FROM items").fetchone()
        self._pending, self._dead, self._bytes = row
        dropped = conn.execute("SELECT value FROM meta WHERE key = 'dropped_total'").fetchone()
        self._dropped_total = int(dropped[0]) if dropped else 0

    @staticmethod
    def quarantine(path: str | os.PathLike[str], clock: Callable[[], float] = time.time) -> Path:
        """Move a damaged outbox (and its -wal and -shm files) aside, kept for recovery; returns the new name."""
        path = Path(path)
        stamp = datetime.fromtimestamp(clock(), timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        target = path.with_name(f"{path.name}.corrupt-{stamp}")
        for suffix in ("-wal", "-shm", ""):
            source = Path(str(path) + suffix)
            if source.exists():
                source.rename(Path(str(target) + suffix))
        log.warning("outbox %s moved aside to %s for recovery", path, target)
        return target

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> "Outbox":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- enqueueing --------------------------------------------------------------------------------

    @_alerting
    def enqueue(self, kind: str, payload: Mapping[str, Any], *, stream: str | None = None) -> str:
        """Commit one item for delivery and return its id (the citizen's reference number).

        Returns only once the item is on the disk. Raises `OutboxFull`, `OutboxUnavailable` or
        `OutboxCorrupt` when it cannot be kept; a droppable item (see the module docstring) may be
        dropped under pressure instead, which is counted and alerted.
        """
        spec = self.kinds.get(kind)
        if spec is None:
            raise ValueError(f"unknown outbox kind {kind!r}; known: {', '.join(sorted(self.kinds))}")
        if not isinstance(payload, Mapping):
            raise TypeError(f"an outbox {kind} payload must be a JSON object (a mapping)")
        try:
            plaintext = _encode_json(payload if type(payload) is dict else dict(payload)).encode("utf-8")
        except (TypeError, ValueError):
            raise TypeError(f"an outbox {kind} payload must hold only JSON values (str, number, bool, None,"
                            " lists and objects)") from None
        item_id = new_item_id()
        sealed = self._seal(item_id, plaintext)
        size = len(sealed) + len(item_id) + _ROW_OVERHEAD
        with self._lock:
            try:
                self._insert(spec, stream or spec.stream, item_id, sealed, size)
            except OutboxError:
                self._recount()
                raise
        for listener in list(self._listeners):
            listener()
        return item_id

    def enqueue_review(self, body: Mapping[str, Any]) -> str:
        """A 好差评 review, the body of POST /v1/reviews (call-back phone included, if any)."""
        return self.enqueue("review", body)

    def enqueue_complaint(self, body: Mapping[str, Any]) -> str:
        """A complaint or suggestion, the body of POST /v1/complaints."""
        return self.enqueue("complaint", body)

    def enqueue_event(self, type: str, severity: str, message: str = "", *, occurred_at: str | None = None) -> str:
        """A device event (POST /v1/devices/events); its id becomes the hall's event_id."""
        when = occurred_at or datetime.fromtimestamp(self._clock(), timezone.utc).isoformat(timespec="seconds")
        return self.enqueue("event", {"type": type, "severity": severity, "message": message, "occurred_at": when})

    def enqueue_heartbeat(self, body: Mapping[str, Any]) -> str:
        """A heartbeat (POST /v1/devices/heartbeat); replaces any older undelivered one."""
        return self.enqueue("heartbeat", body)

    def add_listener(self, listener: Callable[[], None]) -> None:
        """Call `listener()` after every enqueue (the sender wakes up on it); never with the lock held."""
        self._listeners.append(listener)

    def _insert(self, spec: ItemKind, stream: str, item_id: str, sealed: bytes, size: int) -> None:
        now = self._clock()
        free = self._disk_free()
        disk_short = free < self.min_free_bytes
        if disk_short and not spec.protected:
            # The reserve below min_free_bytes is kept for the items that may never be dropped.
            with self._write("count a dropped item") as conn:
                self._store_dropped(conn, 1)
            self._note_dropped(1, f"disk has {free // 2**20} MiB free, below the {self.min_free_bytes // 2**20} MiB"
                                  f" reserve: {spec.name} items are not kept")
            return
        if not spec.coalesce and self._bytes + size <= self.max_bytes:
            # The common case: one statement, its own transaction, one sync.
            try:
                seq = self._take_seq(self._conn, stream)
                self._conn.execute(_INSERT, (seq, item_id, spec.name, stream, 0 if spec.protected else 1, sealed,
                                             size, now))
            except sqlite3.Error as error:
                raise self._translate(error, "enqueue") from None
            self._bytes += size
            self._pending += 1
            self._watch_levels(free)
            return
        with self._write("enqueue") as conn:
            freed = 0
            if spec.coalesce:
                base = self._stream_base(conn, stream)
                freed += self._delete_returning(conn, "DELETE FROM items WHERE seq > ? AND seq < ? AND state ="
                                                      " 'pending' AND kind = ? RETURNING size, state",
                                                (base, base + _STREAM_SPAN, spec.name))[0]
            over = self._bytes - freed + size - self.max_bytes
            dropped = 0
            if over > 0:
                freed_more, dropped = self._drop_oldest_droppable(conn, over)
                freed += freed_more
                if self._bytes - freed + size > self.max_bytes:
                    if spec.protected:
                        self._queue_alert("critical", "outbox_full", f"outbox {self.path} is full of reviews,"
                                          " complaints and confirmations: new ones are refused until the hall"
                                          " takes delivery")
                        raise OutboxFull(f"outbox {self.path} holds {self._bytes // 1024} KiB of reviews, complaints"
                                         f" and confirmations, its limit is {self.max_bytes // 1024} KiB: the hall"
                                         " has not taken delivery for a long time; check the network and the"
                                         " dead items")
                    dropped += 1
                    self._store_dropped(conn, dropped)
                    self._bytes -= freed
                    self._note_dropped(dropped, f"outbox over its {self.max_bytes // 1024} KiB limit")
                    return
            conn.execute(_INSERT, (self._take_seq(conn, stream), item_id, spec.name, stream,
                                   0 if spec.protected else 1, sealed, size, now))
            if dropped:
                self._store_dropped(conn, dropped)
        self._bytes += size - freed
        self._pending += 1
        if dropped:
            self._note_dropped(dropped, f"outbox over its {self.max_bytes // 1024} KiB limit")
        self._watch_levels(free)

    def _stream_base(self, conn: sqlite3.Connection, stream: str) -> int:
        """The start of `stream`'s rowid range, given to it (and committed) the first time it is used."""
        base = self._stream_bases.get(stream)
        if base is None:
            base = max(self._stream_bases.values(), default=0) + _STREAM_SPAN
            conn.execute("INSERT INTO streams (name, base) VALUES (?, ?)", (stream, base))
            self._stream_bases[stream] = base
        return base

    def _take_seq(self, conn: sqlite3.Connection, stream: str) -> int:
        """The next position at the end of `stream` (kept in memory: one Outbox per file and process)."""
        seq = self._next_seq.get(stream)
        if seq is None:
            base = self._stream_base(conn, stream)
            last = conn.execute("SELECT MAX(seq) FROM items WHERE seq > ? AND seq < ?",
                                (base, base + _STREAM_SPAN)).fetchone()[0]
            seq = (last or base) + 1
        self._next_seq[stream] = seq + 1
        return seq

    def _drop_oldest_droppable(self, conn: sqlite3.Connection, needed: int) -> tuple[int, int]:
        freed = dropped = 0
        victims = []
        for seq, size in conn.execute("SELECT seq, size FROM items WHERE droppable = 1 ORDER BY created_at, seq"):
            if freed >= needed:
                break
            victims.append(seq)
            freed += size
        for seq in victims:
            state = conn.execute("DELETE FROM items WHERE seq = ? RETURNING state", (seq,)).fetchone()[0]
            self._adjust_counts(state, -1)
            dropped += 1
        return freed, dropped

    def _delete_returning(self, conn: sqlite3.Connection, sql: str, params: Iterable[Any]) -> tuple[int, int]:
        freed = count = 0
        for size, state in conn.execute(sql, tuple(params)).fetchall():
            freed += size
            count += 1
            self._adjust_counts(state, -1)
        return freed, count

    def _adjust_counts(self, state: str, delta: int) -> None:
        if state == "pending":
            self._pending += delta
        else:
            self._dead += delta

    def _store_dropped(self, conn: sqlite3.Connection, dropped: int) -> None:
        conn.execute("INSERT INTO meta VALUES ('dropped_total', ?) ON CONFLICT (key) DO UPDATE"
                     " SET value = value + excluded.value", (dropped,))

    def _note_dropped(self, count: int, why: str) -> None:
        self._dropped_total += count
        self._queue_alert("warning", "outbox_dropping", f"dropped {count} heartbeat/event item(s): {why};"
                          f" {self._dropped_total} dropped since the outbox was made", once=False)

    # -- sending side ------------------------------------------------------------------------------

    @_alerting
    def pending(self, stream: str, limit: int) -> list[OutboxItem]:
        """The first `limit` undelivered items of `stream`, in order, opened.

        An item that cannot be opened (damaged, or sealed with another key) is parked as dead on
        the spot, with an alert, and left out: it must not block the items behind it.
        """
        with self._lock:
            base = self._stream_bases.get(stream)
            if base is None:
                return []
            try:
                rows = self._conn.execute("SELECT seq, id, kind, stream, sealed, attempts, created_at FROM items"
                                          " WHERE seq > ? AND seq < ? AND state = 'pending' ORDER BY seq LIMIT ?",
                                          (base, base + _STREAM_SPAN, limit)).fetchall()
            except sqlite3.Error as error:
                raise self._translate(error, "read") from None
        items = []
        for seq, item_id, kind, stream_name, sealed, attempts, created_at in rows:
            try:
                payload = json.loads(self._open_sealed(item_id, sealed))
            except ValueError:  # SealBroken, or a payload that is not JSON
                unreadable = OutboxItem(seq, item_id, kind, stream_name, {}, attempts, created_at)
                self.park_dead(unreadable, "cannot be decrypted: damaged on disk or sealed with another outbox_key")
                self._queue_alert("critical", "outbox_item_corrupt", f"outbox item {item_id} ({kind}) is damaged"
                                  " and was parked as dead", once=False)
                continue
            items.append(OutboxItem(seq, item_id, kind, stream_name, payload, attempts, created_at))
        return items

    @_alerting
    def acknowledge(self, items: Iterable[OutboxItem]) -> int:
        """Delete delivered items, in one transaction; returns how many were still there."""
        # By row and id: after a restart a new item may take the row number of one in flight that a newer
        # heartbeat replaced, and must not be deleted for it.
        keys = [(item.seq, item.id) for item in items]
        if not keys:
            return 0
        with self._lock:
            try:
                freed, count = self._delete_delivered(keys, chunk_size=len(keys))
            except OutboxDiskFull:
                # A full disk: one transaction of them all needs more WAL than there is room for.
                freed, count = self._on_full_disk_use_reserve(lambda: self._delete_delivered(keys, chunk_size=10),
                                                              "acknowledge")
            self._bytes -= freed
            self._give_space_back()
        return count

    def _delete_delivered(self, keys: list[tuple[int, str]], chunk_size: int = 250) -> tuple[int, int]:
        """Delete these items, `chunk_size` per transaction (one on a full disk: each then frees its WAL)."""
        freed = count = 0
        for start in range(0, len(keys), chunk_size):
            chunk = keys[start:start + chunk_size]
            marks = " OR ".join("(seq = ? AND id = ?)" for _ in chunk)
            with self._write("acknowledge") as conn:
                more, n = self._delete_returning(conn, f"DELETE FROM items WHERE {marks} RETURNING size, state",
                                                 [value for key in chunk for value in key])
            freed += more
            count += n
            if chunk_size < len(keys):
                self._checkpoint()
        return freed, count

    # -- a full disk -------------------------------------------------------------------------------

    def _keep_reserve(self) -> None:
        """Hold `reserve_bytes` of the disk in a file beside the outbox while there is room for it: on a full
        disk, deleting delivered items needs room in the WAL, and this is where it comes from."""
        if self._reserve_bytes <= 0 or self._reserve_path.exists():
            return
        try:
            if self._free_bytes_on_disk() < 4 * self._reserve_bytes:
                return
            descriptor = os.open(self._reserve_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(descriptor, bytes(self._reserve_bytes))      # written, not sparse: the blocks are held
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        except OSError:
            self._reserve_path.unlink(missing_ok=True)

    def _on_full_disk_use_reserve(self, step: Callable[[], T], what: str) -> T:
        """Run a step that frees space; when the disk is too full even for that, give up the reserve, move the
        WAL into the file (its frames are the largest thing the outbox holds apart from the items) and retry."""
        try:
            return step()
        except OutboxDiskFull:
            released = self._reserve_path.exists()
            self._reserve_path.unlink(missing_ok=True)
            log.warning("outbox %s: disk full during %s; %s", self.path, what,
                        f"the reserve of {self._reserve_bytes // 1024} KiB was released" if released
                        else "no reserve was left")
            self._checkpoint()
            # Deleted rows are overwritten as usual (secure_delete) only where the page is written anyway:
            # the items are sealed, and every page written now needs room that is not there.
            self._conn.execute("PRAGMA secure_delete = FAST")
            try:
                return step()
            finally:
                self._conn.execute("PRAGMA secure_delete = ON")

    def _checkpoint(self) -> None:
        try:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass

    def _give_space_back(self) -> None:
        """After delivery: shrink the WAL and the file to what they hold, and take the reserve again if it went."""
        try:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            if not self._pending and not self._dead:
                self._conn.execute("PRAGMA incremental_vacuum")
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass                                # a full disk still: the next delivery tries again
        self._keep_reserve()

    @_alerting
    def record_failure(self, items: Iterable[OutboxItem], reason: str) -> None:
        """Count a failed attempt (kept for the technician's view), the item stays pending."""
        with self._lock:
            with self._write("record a failed attempt") as conn:
                conn.executemany("UPDATE items SET attempts = attempts + 1, last_error = ? WHERE seq = ? AND id = ?",
                                 [(reason[:300], item.seq, item.id) for item in items])

    @_alerting
    def park_dead(self, item: "OutboxItem | str", reason: str) -> None:
        """The hall refused this item (an opened item, or an id) for good: keep it, out of the way, for a technician."""
        if isinstance(item, OutboxItem):
            item_id, where, keys = item.id, "seq = ? AND id = ?", (item.seq, item.id)
        else:
            item_id, where, keys = item, "id = ?", (item,)
        with self._lock:
            with self._write("park a dead item") as conn:
                changed = conn.execute("UPDATE items SET state = 'dead', attempts = attempts + 1, last_error = ?"
                                       f" WHERE {where} AND state = 'pending'", (reason[:300], *keys)).rowcount
            if changed:
                self._pending -= 1
                self._dead += 1
        if changed:
            log.warning("outbox item %s parked as dead: %s", item_id, reason)

    def dead_items(self) -> list[DeadItem]:
        with self._lock:
            rows = self._conn.execute("SELECT id, kind, created_at, attempts, last_error FROM items"
                                      " WHERE state = 'dead' ORDER BY created_at, seq").fetchall()
        return [DeadItem(*row) for row in rows]

    @_alerting
    def requeue_dead(self, item_id: str) -> bool:
        """A technician's retry of a dead item: it goes to the end of its stream, with the same id."""
        with self._lock:
            with self._write("requeue a dead item") as conn:
                row = conn.execute("DELETE FROM items WHERE id = ? AND state = 'dead' RETURNING kind, stream,"
                                   " droppable, sealed, size, created_at", (item_id,)).fetchone()
                if row is not None:
                    kind, stream, *rest = row
                    conn.execute(_INSERT, (self._take_seq(conn, stream), item_id, kind, stream, *rest))
            if row is not None:
                self._dead -= 1
                self._pending += 1
        if row is not None:
            for listener in list(self._listeners):
                listener()
        return row is not None

    @_alerting
    def discard_dead(self, item_id: str, reason: str) -> bool:
        """A technician's decision that a dead item will never be delivered (a duplicate, settled by hand,
        invalid). Only dead items can be discarded, and only with a reason, which the caller audits and
        reports to the hall: nothing accepted from a citizen ever disappears silently."""
        if not reason.strip():
            raise ValueError("a dead item is discarded only with a reason")
        with self._lock:
            with self._write("discard a dead item") as conn:
                gone = conn.execute("DELETE FROM items WHERE id = ? AND state = 'dead'", (item_id,)).rowcount
            if gone:
                self._dead -= 1
        if gone:
            log.warning("dead outbox item %s discarded by a technician: %s", item_id, reason)
        return bool(gone)

    @_alerting
    def prune(self) -> int:
        """Drop droppable items older than `max_droppable_age`; alert on an old undelivered backlog."""
        now = self._clock()
        with self._lock:
            with self._write("prune") as conn:
                freed, count = self._delete_returning(conn, "DELETE FROM items WHERE droppable = 1 AND created_at < ?"
                                                            " RETURNING size, state",
                                                      (now - self._max_droppable_age,))
                if count:
                    self._store_dropped(conn, count)
            self._bytes -= freed
            if count:
                self._note_dropped(count, f"older than {self._max_droppable_age / 86400:g} days")
            oldest = self._oldest_pending_created_at()
            if oldest is not None and now - oldest > self._alert_age:
                self._queue_alert("warning", "outbox_backlog_old", f"the oldest undelivered outbox item is"
                                  f" {(now - oldest) / 3600:.0f} h old: the hall has not taken delivery; check the"
                                  " network and the hall")
            else:
                self._active_alerts.discard("outbox_backlog_old")
        return count

    def stats(self) -> OutboxStats:
        with self._lock:
            oldest = self._oldest_pending_created_at()
            return OutboxStats(self._pending, self._dead, self._bytes, self.max_bytes, self._dropped_total,
                               None if oldest is None else max(0.0, self._clock() - oldest), self._problem)

    def _oldest_pending_created_at(self) -> float | None:
        row = self._conn.execute("SELECT MIN(created_at) FROM items WHERE state = 'pending'").fetchone()
        return row[0]

    # -- sealing -----------------------------------------------------------------------------------

    def _seal(self, item_id: str, plaintext: bytes) -> bytes:
        return self._sealer.seal(plaintext, bound_to=item_id.encode("ascii"))

    def _open_sealed(self, item_id: str, sealed: bytes) -> bytes:
        return self._sealer.open(sealed, bound_to=item_id.encode("ascii"))

    # -- transactions, errors, alerts --------------------------------------------------------------

    def _write(self, what: str) -> "_Transaction":
        return _Transaction(self, what)

    def _translate(self, error: sqlite3.Error, what: str) -> OutboxError:
        code = getattr(error, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        name = getattr(error, "sqlite_errorname", type(error).__name__)
        if primary == _SQLITE_FULL:
            self._queue_alert("critical", "outbox_disk_full", f"outbox {self.path}: disk or file size limit full"
                              f" during {what}: free disk space; reviews and complaints are refused until then")
            return OutboxDiskFull(f"outbox {self.path} cannot {what}: the disk (or the outbox's file size limit)"
                                     " is full; free space on the data partition")
        if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
            self._queue_alert("critical", "outbox_corrupt", f"outbox {self.path} is damaged ({name})")
            return OutboxCorrupt(f"outbox {self.path} is damaged ({name}) during {what}: move it aside with"
                                 " Outbox.quarantine() and keep it for recovery; a fresh outbox starts empty")
        self._queue_alert("critical", "outbox_unavailable", f"outbox {self.path}: {name} during {what}")
        if primary == _SQLITE_BUSY:
            return OutboxBusy(f"outbox {self.path} cannot {what}: another process holds it (only one kiosk app"
                              " may run; a running kiosk shows its outbox on the maintenance screen)")
        hint = {_SQLITE_READONLY: "the data directory is read-only", _SQLITE_CANTOPEN: "check the data directory",
                _SQLITE_IOERR: "the disk reports I/O errors; check the storage"}.get(primary, "check the data disk")
        return OutboxUnavailable(f"outbox {self.path} cannot {what} ({name}): {hint}")

    def _watch_levels(self, free: int) -> None:
        if not self._active_alerts and self._bytes < self._alert_bytes and free >= 4 * self.min_free_bytes:
            self._problem = None
            return                                  # the common case, on every enqueue: nothing to raise or clear
        if self._bytes >= self._alert_bytes:
            self._queue_alert("warning", "outbox_filling", f"outbox holds {self._bytes // 1024} KiB of its"
                              f" {self.max_bytes // 1024} KiB limit: the hall has not taken delivery for a while")
        else:
            self._active_alerts.discard("outbox_filling")
        if free < 4 * self.min_free_bytes:
            self._queue_alert("warning", "outbox_disk_low", f"data disk has {free // 2**20} MiB free; below"
                              f" {self.min_free_bytes // 2**20} MiB heartbeats and events are no longer kept")
        else:
            self._active_alerts.discard("outbox_disk_low")
        for code in ("outbox_disk_full", "outbox_unavailable", "outbox_full"):
            self._active_alerts.discard(code)
        self._problem = None

    def _queue_alert(self, level: str, code: str, message: str, *, once: bool = True) -> None:
        """Alerts are raised once per episode (until the condition clears) and sent outside the lock."""
        if level == "critical" and code != "outbox_item_corrupt":
            self._problem = code
        if once:
            if code in self._active_alerts:
                return
            self._active_alerts.add(code)
        self._pending_alerts.append(OutboxAlert(level, code, message))  # type: ignore[arg-type]

    def _flush_alerts(self) -> None:
        if not self._pending_alerts:        # the common case; an alert queued meanwhile is flushed by its own call
            return
        with self._lock:
            alerts, self._pending_alerts = self._pending_alerts, []
        for alert in alerts:
            (log.error if alert.level == "critical" else log.warning)("outbox alert %s: %s", alert.code, alert.message)
            if self._on_alert is not None:
                self._on_alert(alert)

    def _disk_free(self) -> int:
        """Free bytes on the data disk, looked up at most once per `disk_check_interval` seconds."""
        checked = time.monotonic()
        if checked - self._disk_checked_at >= self._disk_check_interval:
            self._disk_free_seen = self._disk_free_now()
            self._disk_checked_at = checked
        return self._disk_free_seen

    def _free_bytes_on_disk(self) -> int:
        stat = os.statvfs(self._folder)
        return stat.f_bavail * stat.f_frsize


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT on the outbox's connection; SQLite errors become outbox errors."""

    def __init__(self, outbox: Outbox, what: str) -> None:
        self._outbox = outbox
        self._what = what

    def __enter__(self) -> sqlite3.Connection:
        try:
            self._outbox._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise self._outbox._translate(error, self._what) from None
        return self._outbox._conn

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        conn = self._outbox._conn
        if exc is None:
            try:
                conn.execute("COMMIT")
                return
            except sqlite3.Error as error:
                self._rollback(conn)
                raise self._outbox._translate(error, self._what) from None
        self._rollback(conn)
        if isinstance(exc, sqlite3.Error):
            raise self._outbox._translate(exc, self._what) from None

    def _rollback(self, conn: sqlite3.Connection) -> None:
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
        self._outbox._forget_positions()
        # The counters were moved inside the transaction: read them back from what the file holds.
        self._outbox._recount()
