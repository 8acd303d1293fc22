"""Orders and their states: one purchase of one card, from creation to gas confirmed on the card or money
returned. Every transition runs in one database transaction that reads the order again under the lock.

    created ──payment paid──▶ paid ──reserve──▶ write_reserved ──confirm written──▶ written
       │                       │                   │      ▲
       │ payment not_paid      │ refund            │      │ reserve again (补写卡, any terminal)
       ▼                       ▼                   ▼      │
    cancelled               refunded ◀──refund── write_failed

* An order is keyed by card and purchase count: one live order per (card, count). Creating the same
  purchase again from the same terminal with the same terms returns the existing order; an unpaid order
  older than the payment window may be superseded by a new one (it is cancelled), anything else is 409.
* A step repeated with the same data is answered with the order as it stands (200, no change), so a
  terminal that lost an answer can ask again; the same step with other data is a conflict.
* A reservation makes one terminal the writer for `reservation_seconds`; after that another terminal may
  take the write over (the first one's confirmation is then refused as reservation_mismatch). The
  reserving terminal may always re-reserve (after a restart).
* "written" needs the card's read-back to show the purchase (count and gas); "failed" is refused when the
  read-back shows it (the card does carry it: confirm it as written). A failed write keeps the money:
  the order stays pending (补写卡 on any terminal) until written or refunded.
* Refund only when the card is known not to carry the purchase: from paid (never reserved, so never
  written) or from write_failed with a read-back (the card was read after the failure and lacks it). A
  failure reported without a read-back (the card could not be read) is refused as write_unverified: the
  card may carry the gas, so the order stays pending until a card read settles it. A reserved write must
  be confirmed first; a written one is never refunded. So no purchase is both on a card and refunded.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from datetime import datetime, timedelta
from typing import Any

from gas_server import accounts
from gas_server.accounts import MONEY_STATES, PENDING_STATES
from gas_server.problems import Problem
from gas_server.schemas import OrderRequest, PaymentResult, RefundRequest, WriteConfirmation

__all__ = ["STATES", "order_view", "orders_view", "create", "record_payment", "reserve_write", "confirm_write",
           "refund", "order_row", "pending_for_card"]

STATES = ("created", "paid", "write_reserved", "written", "write_failed", "refunded", "cancelled")


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def order_row(conn: sqlite3.Connection, order_id: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM orders WHERE order_id = ?", (order_id,)).fetchone()
    if row is None:
        raise Problem("order_not_found")
    return row


def _conflict(row: sqlite3.Row, step: str) -> Problem:
    return Problem("order_state_conflict", detail=f"The order is {row['state']}; {step} is not possible.")


def _move(conn: sqlite3.Connection, order_id: str, state: str, now: datetime, terminal: str,
          **columns: Any) -> None:
    sets = ", ".join(f"{name} = ?" for name in columns)
    conn.execute(f"UPDATE orders SET state = ?, updated_at = ?{', ' + sets if sets else ''} WHERE order_id = ?",
                 (state, _iso(now), *columns.values(), order_id))
    seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM order_events WHERE order_id = ?",
                       (order_id,)).fetchone()[0]
    conn.execute("INSERT INTO order_events (order_id, seq, state, at, terminal_id) VALUES (?, ?, ?, ?, ?)",
                 (order_id, seq, state, _iso(now), terminal))


def _new_order_id(conn: sqlite3.Connection, now: datetime) -> str:
    day = now.date().isoformat()
    conn.execute("INSERT INTO order_counters (service_date, last_number) VALUES (?, 1)"
                 " ON CONFLICT (service_date) DO UPDATE SET last_number = last_number + 1", (day,))
    number = conn.execute("SELECT last_number FROM order_counters WHERE service_date = ?", (day,)).fetchone()[0]
    return f"GO{now:%Y%m%d}{number:06d}"


# -- steps ---------------------------------------------------------------------------------------------

def create(conn: sqlite3.Connection, body: OrderRequest, now: datetime, terminal: str,
           payment_window: timedelta) -> tuple[str, bool]:
    """The order for this purchase: (order id, True) when made now, (id, False) for the same one again."""
    account = accounts.account_by_card(conn, body.card_number)
    existing = conn.execute("SELECT * FROM orders WHERE card_number = ? AND purchase_count = ?"
                            " AND state NOT IN ('cancelled', 'refunded')",
                            (body.card_number, body.purchase_count)).fetchone()
    if existing is not None:
        if (existing["terminal_id"] == terminal and existing["amount_fen"] == body.amount_fen
                and existing["volume_tenths_m3"] == body.volume_tenths_m3):
            return existing["order_id"], False
        if existing["state"] != "created":
            code = "already_written" if existing["state"] == "written" else "rewrite_pending"
            raise Problem(code, detail="This purchase count already belongs to a paid order.")
        if datetime.fromisoformat(existing["created_at"]) + payment_window > now:
            raise Problem("order_exists", detail="An unpaid order holds this purchase; pay it or record not_paid.")
        _move(conn, existing["order_id"], "cancelled", now, terminal, cancel_reason="superseded",
              cancelled_at=_iso(now), cancelled_by=terminal)
    count = accounts.server_count(conn, account)
    if accounts.pending_order_id(conn, body.card_number) is not None:
        raise Problem("rewrite_pending")
    if body.purchase_count != count + 1:
        raise Problem("purchase_count_mismatch",
                      detail=f"The next purchase is {count + 1}, not {body.purchase_count}.")
    if account["measure"] == "volume":
        priced = accounts.quote(conn, account, now, volume=body.volume_tenths_m3)
    else:
        priced = accounts.quote(conn, account, now, amount_fen=body.amount_fen)
    if (priced.amount_fen, priced.volume_tenths_m3) != (body.amount_fen, body.volume_tenths_m3):
        raise Problem("quote_changed", detail=f"At the tariff now: {priced.amount_fen} fen for "
                                              f"{priced.volume_tenths_m3} tenths of a m³.")
    order_id = _new_order_id(conn, now)
    conn.execute("INSERT INTO orders (order_id, account_number, card_number, purchase_count, state, amount_fen,"
                 " volume_tenths_m3, card_measure, card_value, tiers, tariff_year, terminal_id, service_date,"
                 " created_at, updated_at) VALUES (?, ?, ?, ?, 'created', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (order_id, account["account_number"], body.card_number, body.purchase_count, priced.amount_fen,
                  priced.volume_tenths_m3, priced.card_measure, priced.card_value, json.dumps(priced.tiers_json()),
                  priced.tariff_year, terminal, now.date().isoformat(), _iso(now), _iso(now)))
    conn.execute("INSERT INTO order_events (order_id, seq, state, at, terminal_id) VALUES (?, 1, 'created', ?, ?)",
                 (order_id, _iso(now), terminal))
    return order_id, True


def record_payment(conn: sqlite3.Connection, order_id: str, body: PaymentResult, now: datetime,
                   terminal: str) -> None:
    row = order_row(conn, order_id)
    state = row["state"]
    if body.outcome == "not_paid":
        if state == "cancelled":
            return
        if state != "created":
            raise _conflict(row, "recording it as not paid")
        _move(conn, order_id, "cancelled", now, terminal, cancel_reason=body.reason, cancelled_at=_iso(now),
              cancelled_by=terminal)
        return
    if body.amount_fen != row["amount_fen"]:
        raise Problem("payment_amount_mismatch", detail=f"The order is {row['amount_fen']} fen.")
    if state == "cancelled":
        raise Problem("order_cancelled")
    if state != "created":
        if (row["payment_method"], row["payment_transaction"]) == (body.method, body.transaction_id):
            return
        raise Problem("payment_conflict")
    _move(conn, order_id, "paid", now, terminal, payment_method=body.method, payment_transaction=body.transaction_id,
          paid_at=body.paid_at, payment_recorded_at=_iso(now), payment_recorded_by=terminal)


def reserve_write(conn: sqlite3.Connection, order_id: str, now: datetime, terminal: str,
                  hold: timedelta) -> None:
    row = order_row(conn, order_id)
    state = row["state"]
    if state == "written":
        raise Problem("already_written")
    if state == "write_reserved" and row["reserved_by"] != terminal \
            and datetime.fromisoformat(row["reservation_expires_at"]) > now:
        raise Problem("write_reserved_elsewhere")
    if state not in ("paid", "write_reserved", "write_failed"):
        raise _conflict(row, "reserving the write")
    _move(conn, order_id, "write_reserved", now, terminal, reservation_id="wr" + secrets.token_hex(12),
          reserved_by=terminal, reserved_at=_iso(now), reservation_expires_at=_iso(now + hold))


def _shows_purchase(row: sqlite3.Row, read_back: Any) -> bool:
    return (read_back is not None and read_back.purchase_count == row["purchase_count"]
            and read_back.gas.measure == row["card_measure"] and read_back.gas.value == row["card_value"])


def confirm_write(conn: sqlite3.Connection, order_id: str, body: WriteConfirmation, now: datetime,
                  terminal: str) -> None:
    row = order_row(conn, order_id)
    state = row["state"]
    carries = _shows_purchase(row, body.read_back)
    if body.outcome == "written" and not carries:
        raise Problem("read_back_mismatch", detail="The read-back does not show this order's count and gas.")
    if body.outcome == "failed" and carries:
        raise Problem("read_back_mismatch", detail="The read-back shows this purchase on the card: confirm it"
                                                   " as written.")
    if state == "written":
        if body.outcome == "written":
            return                      # a fact about the card, true however often it is told
        raise Problem("already_written")
    if state == "write_failed" and body.outcome == "failed" and body.reservation_id == row["reservation_id"]:
        return
    if state != "write_reserved":
        raise _conflict(row, "confirming a write")
    if body.reservation_id != row["reservation_id"]:
        raise Problem("reservation_mismatch")
    read_back = None if body.read_back is None else json.dumps(body.read_back.model_dump(), separators=(",", ":"))
    _move(conn, order_id, "written" if body.outcome == "written" else "write_failed", now, terminal,
          write_outcome=body.outcome, write_read_back=read_back, write_error_code=body.error_code,
          write_reported_at=_iso(now), write_reported_by=terminal)


def refund(conn: sqlite3.Connection, order_id: str, body: RefundRequest, now: datetime, terminal: str) -> None:
    row = order_row(conn, order_id)
    state = row["state"]
    if state == "refunded":
        if (row["refund_reason"], row["refund_method"], row["refund_reference"]) == (
                body.reason, body.method, body.reference):
            return
        raise _conflict(row, "another refund")
    if state == "written":
        raise Problem("already_written")
    if state not in ("paid", "write_failed"):
        raise _conflict(row, "a refund")
    if state == "write_failed" and row["write_read_back"] is None:
        raise Problem("write_unverified")
    _move(conn, order_id, "refunded", now, terminal, refund_reason=body.reason, refund_method=body.method,
          refund_reference=body.reference, refunded_at=_iso(now), refunded_by=terminal)


# -- views ---------------------------------------------------------------------------------------------

def pending_for_card(conn: sqlite3.Connection, card_number: str) -> list[dict]:
    """Orders of this card that hold money the card does not carry yet (补写卡), oldest first."""
    placeholders = ", ".join("?" for _ in PENDING_STATES)
    rows = conn.execute(f"SELECT order_id FROM orders WHERE card_number = ? AND state IN ({placeholders})"
                        " ORDER BY purchase_count", (card_number, *PENDING_STATES)).fetchall()
    return orders_view(conn, [r["order_id"] for r in rows])


def orders_view(conn: sqlite3.Connection, order_ids: list[str]) -> list[dict]:
    return [order_view(conn, order_id) for order_id in order_ids]


def order_view(conn: sqlite3.Connection, order_id: str) -> dict:
    row = order_row(conn, order_id)
    history = conn.execute("SELECT state, at, terminal_id FROM order_events WHERE order_id = ? ORDER BY seq",
                           (order_id,)).fetchall()
    return {
        "order_id": row["order_id"],
        "card_number": row["card_number"],
        "account_number": row["account_number"],
        "purchase_count": row["purchase_count"],
        "state": row["state"],
        "money_held": row["state"] in MONEY_STATES,
        "amount_fen": row["amount_fen"],
        "volume_tenths_m3": row["volume_tenths_m3"],
        "card_gas": {"measure": row["card_measure"], "value": row["card_value"]},
        "tiers": json.loads(row["tiers"]),
        "tariff_year": row["tariff_year"],
        "terminal_id": row["terminal_id"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "payment": None if row["payment_recorded_at"] is None else {
            "method": row["payment_method"], "transaction_id": row["payment_transaction"],
            "amount_fen": row["amount_fen"], "paid_at": row["paid_at"],
            "recorded_at": row["payment_recorded_at"], "recorded_by": row["payment_recorded_by"]},
        "reservation": None if row["reservation_id"] is None else {
            "reservation_id": row["reservation_id"], "terminal_id": row["reserved_by"],
            "reserved_at": row["reserved_at"], "expires_at": row["reservation_expires_at"]},
        "write": None if row["write_outcome"] is None else {
            "outcome": row["write_outcome"],
            "read_back": None if row["write_read_back"] is None else json.loads(row["write_read_back"]),
            "error_code": row["write_error_code"], "at": row["write_reported_at"],
            "terminal_id": row["write_reported_by"]},
        "refund": None if row["refunded_at"] is None else {
            "reason": row["refund_reason"], "method": row["refund_method"], "reference": row["refund_reference"],
            "at": row["refunded_at"], "terminal_id": row["refunded_by"]},
        "cancellation": None if row["cancelled_at"] is None else {
            "reason": row["cancel_reason"], "at": row["cancelled_at"], "terminal_id": row["cancelled_by"]},
        "history": [{"state": h["state"], "at": h["at"], "terminal_id": h["terminal_id"]} for h in history],
    }
