"""The gas top-up journal: every step of every purchase, committed to disk before its side effect happens.

A purchase moves money and writes a card across three systems that can each fail at any moment (the payer,
the gas utility, a card pulled out mid-write), and the kiosk itself can die between any two instructions.
So the top-up saga (kiosk/gas/saga.py) writes each step here first ("paying GT… 10000 fen by wechat as
GT…P1"), then does it, then writes what came of it; after a crash the journal says exactly what may have
happened, and recovery (kiosk/gas/recovery.py) finishes or undoes it. SQLite in WAL mode with
``synchronous = FULL``: `record` returns only once the step is on the disk, power cut or not.

    journal = Journal(settings.data_dir / "gas-journal.sqlite3", journal_key(secrets.outbox_key),
                      terminal_id="yt-gas-terminal-01", clock=site_clock)
    entry = journal.create(card, quote, PaymentMethod.WECHAT)           # state INITIAL
    entry = journal.record(entry.order_id, Step.ORDERING)               # before the utility is asked
    entry = journal.record(entry.order_id, Step.ORDERED, utility_order_id="GO20261123000001")
    journal.unfinished()        # what recovery looks at; journal.for_card(number), journal.of_day(day)

Each purchase is one row of `purchases` (its facts and where it stands) and one row of `events` per step
(append-only, the history a technician reads). The card's number, user number and meter number are
personal: they are sealed with AES-GCM (domain.sealing, bound to the order id) under a key derived from
the secrets file's ``outbox_key`` for this purpose only; a keyed hash of the card number (`card_tag`)
finds a card's purchases without opening them, and the masked number (31****2468) is kept for display.
Nothing else stored is personal (payers are masked by the payment values already).

States (`PurchaseState`) follow the bank-side utility systems' transaction states (gas-and-payments.md):

    state          code  meaning
    initial        99    amount confirmed on screen; nothing asked of anyone yet
    ordered              the utility's order is asked for or exists; no money asked for
    paying               the payer was asked: money may have moved
    paid           14    paid; the gas is not confirmed on the card yet (writing it, or waiting to)
    write_failed   06    paid; the write failed: kept for 补写卡 (any terminal) or a refund
    reversing            the money is being given back
    reversed       04    the money went back (reversed or refunded)
    cancelled            ended with no money taken
    done           00    the gas is on the card and the utility confirmed it

The state is a function of the last step (`STATE_OF`). The saga's module docstring has the step-by-step
table, recovery's the table of what is done in each state after a crash.

One `Journal` per file, in one process: the file is held locked while open (a second process gets
`JournalUnavailable`); thread-safe (one connection behind a lock). `hook(moment, step)`, when set, is called
just before and just after each step's commit ("before" / "after"): the kill tests end the process there,
and fault tests make something happen at an exact step.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sqlite3
import threading
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Iterable, Protocol

from domain.gas_card import GasCard, GasMeasure, GasQuantity, mask_digits
from domain.payment import PaymentMethod
from domain.sealing import SealBroken, Sealer, derive_key

__all__ = ["Journal", "JournalEntry", "PurchaseState", "Step", "STATE_OF", "PrintState", "JournalError",
           "JournalUnavailable", "JournalKeyError", "journal_key", "new_order_id", "CardOnRecord"]

SCHEMA_VERSION = 1
_KEY_CHECK_LABEL = b"kiosk-gas-journal-key-check"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class PurchaseState(Enum):
    INITIAL = "initial"
    ORDERED = "ordered"
    PAYING = "paying"
    PAID = "paid"
    WRITE_FAILED = "write_failed"
    REVERSING = "reversing"
    REVERSED = "reversed"
    CANCELLED = "cancelled"
    DONE = "done"

    @property
    def final(self) -> bool:
        return self in (PurchaseState.REVERSED, PurchaseState.CANCELLED, PurchaseState.DONE)

    @property
    def holds_money(self) -> bool:
        """The citizen's money is the merchant's and the gas is not on the card (yet)."""
        return self in (PurchaseState.PAID, PurchaseState.WRITE_FAILED)


class Step(Enum):
    """What was journaled last: "…ing" before an effect, the past tense after it."""

    CONFIRMED = "confirmed"                    # the citizen confirmed amount and method
    ORDERING = "ordering"                      # → utility create_order
    ORDERED = "ordered"
    PAYING = "paying"                          # → payments.pay (payment id journaled)
    NOT_PAID = "not_paid"                      # the payment ended without money; another attempt may follow
    PAYMENT_UNRESOLVED = "payment_unresolved"  # no final answer from the payer: reverse later
    PAID = "paid"                              # the payer took the money
    RECORDING_PAYMENT = "recording_payment"    # → utility record_payment
    PAYMENT_RECORDED = "payment_recorded"
    ADOPTED = "adopted"                        # another terminal's paid order, to be written here (补写卡)
    RESERVING = "reserving"                    # → utility reserve_write
    RESERVED = "reserved"
    WRITING = "writing"                        # → the card write
    WRITTEN = "written"                        # read back: the card carries the purchase
    CONFIRMING = "confirming"                  # → utility confirm_written
    WRITE_FAILED = "write_failed"              # the write failed (error code; read-back if any)
    REPORTING_FAILURE = "reporting_failure"    # → utility report_write_failed
    FAILURE_REPORTED = "failure_reported"
    DONE = "done"                              # the utility confirmed the gas on the card
    CANCELLING = "cancelling"                  # → utility record_not_paid
    CANCELLED = "cancelled"
    REFUNDING = "refunding"                    # → utility refund (before the money moves)
    REVERSING = "reversing"                    # → payments reverse or refund
    REVERSED = "reversed"


STATE_OF: dict[Step, PurchaseState] = {
    Step.CONFIRMED: PurchaseState.INITIAL,
    Step.ORDERING: PurchaseState.ORDERED,
    Step.ORDERED: PurchaseState.ORDERED,
    Step.NOT_PAID: PurchaseState.ORDERED,
    Step.CANCELLING: PurchaseState.ORDERED,
    Step.PAYING: PurchaseState.PAYING,
    Step.PAYMENT_UNRESOLVED: PurchaseState.PAYING,
    Step.PAID: PurchaseState.PAID,
    Step.RECORDING_PAYMENT: PurchaseState.PAID,
    Step.PAYMENT_RECORDED: PurchaseState.PAID,
    Step.ADOPTED: PurchaseState.PAID,
    Step.RESERVING: PurchaseState.PAID,
    Step.RESERVED: PurchaseState.PAID,
    Step.WRITING: PurchaseState.PAID,
    Step.WRITTEN: PurchaseState.PAID,
    Step.CONFIRMING: PurchaseState.PAID,
    Step.WRITE_FAILED: PurchaseState.WRITE_FAILED,
    Step.REPORTING_FAILURE: PurchaseState.WRITE_FAILED,
    Step.FAILURE_REPORTED: PurchaseState.WRITE_FAILED,
    Step.DONE: PurchaseState.DONE,
    Step.CANCELLED: PurchaseState.CANCELLED,
    Step.REFUNDING: PurchaseState.REVERSING,
    Step.REVERSING: PurchaseState.REVERSING,
    Step.REVERSED: PurchaseState.REVERSED,
}


class PrintState(Enum):
    """A receipt's or a voucher's: journaled before the printer is asked, and after it answered."""

    NONE = ""
    PRINTING = "printing"
    PRINTED = "printed"
    FAILED = "failed"


class JournalError(Exception):
    """Base of the journal's errors: the top-up must stop, since nothing may happen unjournaled."""


class JournalUnavailable(JournalError):
    """The file cannot be opened or written (disk full, I/O error, held by another process)."""


class JournalKeyError(JournalError):
    """The journal was sealed with another key: restore the secrets file it was made with."""


def journal_key(outbox_key: str | bytes) -> bytes:
    """The journal's own sealing key, derived from the secrets file's ``outbox_key`` (never the outbox's key)."""
    return derive_key(outbox_key, purpose=b"gov-service-kiosk gas journal v1")


def new_order_id(day: date) -> str:
    """GT + the site's date + 8 random Crockford characters: GT2611239K3QX7AB. Unique across the utility's
    terminals (the payment provider's merchant order numbers must be), short enough for a voucher, and with
    room for a payment attempt's suffix (…P1) within the 32 characters WeChat Pay allows."""
    value = int.from_bytes(os.urandom(5), "big")
    tail = "".join(_CROCKFORD[value >> shift & 31] for shift in range(35, -1, -5))
    return f"GT{day:%y%m%d}{tail}"


@dataclass(frozen=True, repr=False)
class CardOnRecord:
    """The card a purchase is for, as sealed in the journal."""

    card_number: str
    user_number: str
    meter_number: str
    layout: str

    @property
    def masked(self) -> str:
        return mask_digits(self.card_number)

    def __repr__(self) -> str:
        return f"CardOnRecord({self.masked}, {self.layout})"


@dataclass(frozen=True, repr=False)
class JournalEntry:
    """One purchase as the journal holds it now."""

    order_id: str
    terminal_id: str
    state: PurchaseState
    step: Step
    created_at: str                       # ISO 8601, site time
    updated_at: str
    business_day: str                     # the utility's day of its order (reconciliation), else the site's
    card: CardOnRecord
    card_masked: str
    purchase_count: int                   # the count the card carries once this purchase is written
    measure: GasMeasure
    card_gas: int                         # what the card is written with, in the card's unit
    amount_fen: int
    volume_tenths_m3: int
    method: PaymentMethod | None          # None: another terminal's order, written here (补写卡)
    origin: str = "sale"                  # sale | rewrite (another terminal's paid order)
    utility_order_id: str = ""
    payment_attempt: int = 0
    payment_id: str = ""
    payment_state: str = ""               # the payer's final state (SUCCESS, CLOSED, REVOKED, REFUNDED)
    payment_reason: str = ""
    transaction_id: str = ""
    paid_at: str = ""
    payer_masked: str = ""
    payment_recorded: bool = False
    reserve_attempt: int = 0
    reservation_id: str = ""
    write_attempt: int = 0
    read_back: dict[str, Any] | None = None
    write_error: str = ""
    written_by: str = ""                  # the terminal that wrote the gas (this one, or another's 补写卡)
    refund_method: str = ""               # reversal | refund
    refund_state: str = ""
    receipt: PrintState = PrintState.NONE
    voucher: PrintState = PrintState.NONE
    problem: str = ""                     # the last problem's stable code, for the technician
    events: tuple[tuple[str, str, str], ...] = field(default=())   # (at, step, detail) when asked for

    @property
    def gas(self) -> GasQuantity:
        return GasQuantity(self.measure, self.card_gas)

    def idempotency_key(self, what: str, attempt: int | None = None) -> str:
        """The key of one utility write, a function of what the journal holds (so a restart repeats it)."""
        return f"{self.order_id}-{what}" + (f"-{attempt}" if attempt is not None else "")

    def __repr__(self) -> str:
        return (f"JournalEntry({self.order_id}, {self.state.value}/{self.step.value}, card {self.card_masked}, "
                f"count {self.purchase_count}, {self.amount_fen} fen, utility {self.utility_order_id or '-'})")

    __str__ = __repr__


# Facts a step may set, with their column types; everything else in a row is set once, at creation.
_FACTS = {"business_day": str, "utility_order_id": str, "payment_attempt": int, "payment_id": str,
          "payment_state": str, "payment_reason": str, "transaction_id": str, "paid_at": str, "payer_masked": str,
          "payment_recorded": bool, "reserve_attempt": int, "reservation_id": str, "write_attempt": int,
          "read_back": dict, "write_error": str, "written_by": str, "refund_method": str, "refund_state": str,
          "receipt": PrintState, "voucher": PrintState, "problem": str, "amount_fen": int, "volume_tenths_m3": int,
          "card_gas": int, "method": PaymentMethod}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS purchases (
    order_id          TEXT PRIMARY KEY,
    terminal_id       TEXT NOT NULL,
    state             TEXT NOT NULL,
    step              TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    business_day      TEXT NOT NULL,
    card_sealed       BLOB NOT NULL,               -- nonce || AES-GCM(card JSON), order id as associated data
    card_tag          TEXT NOT NULL,               -- keyed hash of the card number: finds a card's purchases
    card_masked       TEXT NOT NULL,
    purchase_count    INTEGER NOT NULL,
    measure           TEXT NOT NULL,
    card_gas          INTEGER NOT NULL,
    amount_fen        INTEGER NOT NULL,
    volume_tenths_m3  INTEGER NOT NULL,
    method            TEXT NOT NULL,               -- '' for another terminal's order written here
    origin            TEXT NOT NULL,
    utility_order_id  TEXT NOT NULL DEFAULT '',
    payment_attempt   INTEGER NOT NULL DEFAULT 0,
    payment_id        TEXT NOT NULL DEFAULT '',
    payment_state     TEXT NOT NULL DEFAULT '',
    payment_reason    TEXT NOT NULL DEFAULT '',
    transaction_id    TEXT NOT NULL DEFAULT '',
    paid_at           TEXT NOT NULL DEFAULT '',
    payer_masked      TEXT NOT NULL DEFAULT '',
    payment_recorded  INTEGER NOT NULL DEFAULT 0,
    reserve_attempt   INTEGER NOT NULL DEFAULT 0,
    reservation_id    TEXT NOT NULL DEFAULT '',
    write_attempt     INTEGER NOT NULL DEFAULT 0,
    read_back         TEXT NOT NULL DEFAULT '',
    write_error       TEXT NOT NULL DEFAULT '',
    written_by        TEXT NOT NULL DEFAULT '',
    refund_method     TEXT NOT NULL DEFAULT '',
    refund_state      TEXT NOT NULL DEFAULT '',
    receipt           TEXT NOT NULL DEFAULT '',
    voucher           TEXT NOT NULL DEFAULT '',
    problem           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS purchases_open ON purchases (state) WHERE state NOT IN ('done', 'reversed', 'cancelled');
CREATE INDEX IF NOT EXISTS purchases_card ON purchases (card_tag);
CREATE INDEX IF NOT EXISTS purchases_day ON purchases (business_day);
CREATE TABLE IF NOT EXISTS events (
    seq       INTEGER PRIMARY KEY,
    order_id  TEXT NOT NULL,
    at        TEXT NOT NULL,
    step      TEXT NOT NULL,
    detail    TEXT NOT NULL                        -- JSON of the facts the step set: never personal
);
CREATE INDEX IF NOT EXISTS events_order ON events (order_id, seq);
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
"""


class Clock(Protocol):
    def now(self) -> datetime: ...


StepHook = Callable[[str, Step], None]


class Journal:
    def __init__(self, path: str | os.PathLike[str], key: bytes, *, terminal_id: str, clock: Clock,
                 hook: StepHook | None = None, busy_timeout: float = 5.0) -> None:
        self.path = Path(path)
        self.terminal_id = terminal_id
        self._clock = clock
        self._sealer = Sealer(key)
        # The tag key: a hash of the card number that only this journal's key can make (no dictionary of
        # the utility's card numbers can be matched against the file without it).
        self._tag_key = hmac.new(key, b"card tag", hashlib.sha256).digest()
        self.hook = hook
        self._lock = threading.RLock()
        self._conn = self._open(busy_timeout)

    # -- opening -----------------------------------------------------------------------------------

    def _open(self, busy_timeout: float) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as error:
            raise JournalUnavailable(f"gas journal {self.path}: cannot open: {error}") from None
        try:
            # One kiosk process owns the file (a second one would resume the same purchases).
            conn.execute("PRAGMA locking_mode = EXCLUSIVE")
            if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
                raise JournalUnavailable(f"gas journal {self.path}: the file system does not support WAL mode")
            conn.execute("PRAGMA synchronous = FULL")          # a step is on the disk before its effect
            conn.execute("PRAGMA secure_delete = ON")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise JournalUnavailable(f"gas journal {self.path} has schema {version}, newer than this kiosk's"
                                         f" {SCHEMA_VERSION}: was the software downgraded?")
            conn.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
            row = conn.execute("SELECT value FROM meta WHERE key = 'key_check'").fetchone()
            if row is None:
                conn.execute("INSERT INTO meta VALUES ('key_check', ?)", (self._sealer.key_check(_KEY_CHECK_LABEL),))
            else:
                try:
                    self._sealer.verify_key_check(row[0], _KEY_CHECK_LABEL)
                except SealBroken:
                    raise JournalKeyError(f"gas journal {self.path} was sealed with another outbox_key: restore"
                                          " the secrets file it was made with; never delete the journal to get"
                                          " past this (it holds purchases that may hold money)") from None
        except sqlite3.Error as error:
            conn.close()
            raise JournalUnavailable(f"gas journal {self.path}: {error}") from None
        except JournalError:
            conn.close()
            raise
        return conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> "Journal":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -----------------------------------------------------------------------------------

    def create(self, card: GasCard, *, amount_fen: int, volume_tenths_m3: int, card_gas: GasQuantity,
               method: PaymentMethod | None, origin: str = "sale", order_id: str | None = None,
               purchase_count: int | None = None, facts: dict[str, Any] | None = None) -> JournalEntry:
        """A new purchase for `card` (CONFIRMED, state INITIAL), or another terminal's order adopted for
        writing here (ADOPTED, state PAID: give `order_id`, `purchase_count` and the utility's facts)."""
        now = self._clock.now()
        order_id = order_id or new_order_id(now.date())
        step = Step.CONFIRMED if origin == "sale" else Step.ADOPTED
        record = {"card_number": card.card_number, "user_number": card.user_number,
                  "meter_number": card.meter_number, "layout": card.layout}
        sealed = self._sealer.seal(json.dumps(record).encode("utf-8"), bound_to=order_id.encode("ascii"))
        count = purchase_count if purchase_count is not None else card.purchase_count + 1
        stamp = now.isoformat(timespec="seconds")
        row = {"order_id": order_id, "terminal_id": self.terminal_id, "state": STATE_OF[step].value,
               "step": step.value, "created_at": stamp, "updated_at": stamp, "business_day": now.date().isoformat(),
               "card_sealed": sealed, "card_tag": self._tag(card.card_number), "card_masked": card.masked_card_number,
               "purchase_count": count, "measure": card_gas.measure.value, "card_gas": card_gas.value,
               "amount_fen": amount_fen, "volume_tenths_m3": volume_tenths_m3,
               "method": method.value if method else "", "origin": origin}
        extra = self._columns(facts or {})
        row.update(extra)
        detail = {"count": count, "amount_fen": amount_fen, "volume_tenths_m3": volume_tenths_m3,
                  "method": row["method"], "origin": origin, **_plain(extra)}
        columns = ", ".join(row)
        self._commit(step, [(f"INSERT INTO purchases ({columns}) VALUES ({', '.join('?' * len(row))})",
                             tuple(row.values())),
                            ("INSERT INTO events (order_id, at, step, detail) VALUES (?, ?, ?, ?)",
                             (order_id, stamp, step.value, json.dumps(detail, ensure_ascii=False)))])
        return self.get(order_id)

    def record(self, order_id: str, step: Step, **facts: Any) -> JournalEntry:
        """Commit `step` of a purchase, with the facts it learnt or is about to act on; returns the entry."""
        stamp = self._clock.now().isoformat(timespec="seconds")
        columns = self._columns(facts)
        assignments = {"state": STATE_OF[step].value, "step": step.value, "updated_at": stamp, **columns}
        sql = f"UPDATE purchases SET {', '.join(f'{name} = ?' for name in assignments)} WHERE order_id = ?"
        self._commit(step, [(sql, (*assignments.values(), order_id)),
                            ("INSERT INTO events (order_id, at, step, detail) VALUES (?, ?, ?, ?)",
                             (order_id, stamp, step.value, json.dumps(_plain(columns), ensure_ascii=False)))],
                     must_change=True)
        return self.get(order_id)

    def mark(self, order_id: str, **facts: Any) -> JournalEntry:
        """Commit facts without a new step (a receipt or voucher printing, a problem seen): the step stays."""
        entry = self.get(order_id)
        return self.record(order_id, entry.step, **facts)

    def _columns(self, facts: dict[str, Any]) -> dict[str, Any]:
        columns = {}
        for name, value in facts.items():
            kind = _FACTS.get(name)
            if kind is None:
                raise ValueError(f"{name!r} is not a fact a journal step records")
            if kind is PrintState or kind is PaymentMethod:
                columns[name] = kind(value).value
            elif kind is dict:
                columns[name] = json.dumps(value, sort_keys=True) if value is not None else ""
            elif kind is bool:
                columns[name] = 1 if value else 0
            else:
                if not isinstance(value, kind) or isinstance(value, bool):
                    raise TypeError(f"{name} must be {kind.__name__}, got {type(value).__name__}")
                columns[name] = value
        return columns

    def _commit(self, step: Step, statements: list[tuple[str, tuple]], *, must_change: bool = False) -> None:
        if self.hook is not None:
            self.hook("before", step)
        with self._lock:
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    for sql, parameters in statements:
                        cursor = conn.execute(sql, parameters)
                        if must_change and cursor.rowcount == 0:
                            raise KeyError("no such purchase in the journal")
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as error:
                raise JournalUnavailable(f"gas journal {self.path}: cannot commit {step.value}: {error}") from None
        if self.hook is not None:
            self.hook("after", step)

    # -- reading -----------------------------------------------------------------------------------

    def get(self, order_id: str, *, with_events: bool = False) -> JournalEntry:
        with self._lock:
            row = self._query("SELECT * FROM purchases WHERE order_id = ?", (order_id,))
            if not row:
                raise KeyError(f"no purchase {order_id} in the journal")
            events = ()
            if with_events:
                events = tuple(self._conn.execute("SELECT at, step, detail FROM events WHERE order_id = ?"
                                                  " ORDER BY seq", (order_id,)).fetchall())
        return self._entry(row[0], events)

    def unfinished(self) -> list[JournalEntry]:
        """Purchases not in a final state, oldest first: what recovery looks at."""
        return self._entries("SELECT * FROM purchases WHERE state NOT IN ('done', 'reversed', 'cancelled')"
                             " ORDER BY created_at, order_id")

    def for_card(self, card_number: str) -> list[JournalEntry]:
        """This card's purchases, oldest first."""
        return self._entries("SELECT * FROM purchases WHERE card_tag = ? ORDER BY created_at, order_id",
                             (self._tag(card_number),))

    def of_day(self, day: date) -> list[JournalEntry]:
        """Purchases of one business day (the utility's day of their order), for reconciliation."""
        return self._entries("SELECT * FROM purchases WHERE business_day = ? ORDER BY created_at, order_id",
                             (day.isoformat(),))

    def recent(self, limit: int = 50) -> list[JournalEntry]:
        return self._entries("SELECT * FROM purchases ORDER BY created_at DESC, order_id DESC LIMIT ?", (limit,))

    def all(self) -> list[JournalEntry]:
        return self._entries("SELECT * FROM purchases ORDER BY created_at, order_id")

    def _entries(self, sql: str, parameters: Iterable[Any] = ()) -> list[JournalEntry]:
        with self._lock:
            rows = self._query(sql, tuple(parameters))
        return [self._entry(row) for row in rows]

    def _query(self, sql: str, parameters: tuple) -> list[sqlite3.Row]:
        try:
            cursor = self._conn.execute(sql, parameters)
        except sqlite3.Error as error:
            raise JournalUnavailable(f"gas journal {self.path}: cannot read: {error}") from None
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]   # type: ignore[misc]

    def _entry(self, row: dict[str, Any], events: tuple = ()) -> JournalEntry:
        try:
            card = json.loads(self._sealer.open(row["card_sealed"], bound_to=row["order_id"].encode("ascii")))
        except SealBroken:
            raise JournalUnavailable(f"gas journal {self.path}: purchase {row['order_id']}'s card cannot be"
                                     " opened (damaged on disk)") from None
        values = {f.name: row[f.name] for f in fields(JournalEntry) if f.name in row}
        values.update(
            state=PurchaseState(row["state"]), step=Step(row["step"]), card=CardOnRecord(**card),
            measure=GasMeasure(row["measure"]), method=PaymentMethod(row["method"]) if row["method"] else None,
            payment_recorded=bool(row["payment_recorded"]),
            read_back=json.loads(row["read_back"]) if row["read_back"] else None,
            receipt=PrintState(row["receipt"]), voucher=PrintState(row["voucher"]), events=events)
        return JournalEntry(**values)

    def _tag(self, card_number: str) -> str:
        return hmac.new(self._tag_key, card_number.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def _plain(columns: dict[str, Any]) -> dict[str, Any]:
    """A step's facts for its event row (none of them personal)."""
    return {name: (json.loads(value) if _FACTS.get(name) is dict and value else value)
            for name, value in columns.items()}
