"""One terminal's day (对账): its orders by state with counts and sums, and each order, so that the terminal's
journal and the payment channel's statement can be laid beside the utility's books.

The day is the utility's site day on which the terminal created the order (an order never moves from one
day to another, whatever happens to it later). Money is counted by what happened to it:

    =========================  ==================================================================
    paid_fen                   orders with a payment recorded (whatever their state now)
    refunded_fen               ... of which returned to the citizen (reversal or refund)
    net_fen                    paid − refunded: what the payment channel should have settled
    written_fen                gas confirmed on the card
    awaiting_write_fen         money held, gas not yet on the card (paid, write_reserved, write_failed)
    =========================  ==================================================================

so that paid = refunded + written + awaiting_write always holds. `rewrites_for_others` lists the orders
of other terminals (or days) whose gas this terminal wrote that day (补写卡): its journal has them too.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

from domain.gas_card import mask_digits
from gas_server.orders import STATES

__all__ = ["reconciliation_view"]

_LINE_COLUMNS = ("order_id, card_number, purchase_count, state, amount_fen, volume_tenths_m3, terminal_id,"
                 " payment_method, payment_transaction, paid_at, write_reported_at, write_reported_by,"
                 " refund_method, refund_reference, refunded_at, created_at")


def _line(row: sqlite3.Row) -> dict:
    return {
        "order_id": row["order_id"],
        "card_number_masked": mask_digits(row["card_number"]),
        "purchase_count": row["purchase_count"],
        "state": row["state"],
        "amount_fen": row["amount_fen"],
        "volume_tenths_m3": row["volume_tenths_m3"],
        "terminal_id": row["terminal_id"],
        "created_at": row["created_at"],
        "payment_method": row["payment_method"],
        "transaction_id": row["payment_transaction"],
        "paid_at": row["paid_at"],
        "written_at": row["write_reported_at"] if row["state"] == "written" else None,
        "written_by": row["write_reported_by"] if row["state"] == "written" else None,
        "refund_method": row["refund_method"],
        "refund_reference": row["refund_reference"],
        "refunded_at": row["refunded_at"],
    }


def reconciliation_view(conn: sqlite3.Connection, terminal: str, day: date, now: datetime) -> dict:
    rows = conn.execute(f"SELECT {_LINE_COLUMNS} FROM orders WHERE terminal_id = ? AND service_date = ?"
                        " ORDER BY order_id", (terminal, day.isoformat())).fetchall()
    by_state = {state: {"count": 0, "amount_fen": 0} for state in STATES}
    for row in rows:
        by_state[row["state"]]["count"] += 1
        by_state[row["state"]]["amount_fen"] += row["amount_fen"]
    paid = [r for r in rows if r["payment_transaction"] is not None]
    refunded = [r for r in rows if r["state"] == "refunded"]
    written = [r for r in rows if r["state"] == "written"]
    awaiting = [r for r in rows if r["state"] in ("paid", "write_reserved", "write_failed")]
    others = conn.execute(f"SELECT {_LINE_COLUMNS} FROM orders WHERE state = 'written' AND write_reported_by = ?"
                          " AND substr(write_reported_at, 1, 10) = ? AND NOT (terminal_id = ? AND service_date = ?)"
                          " ORDER BY order_id", (terminal, day.isoformat(), terminal, day.isoformat())).fetchall()
    return {
        "terminal_id": terminal,
        "date": day.isoformat(),
        "generated_at": now.isoformat(timespec="seconds"),
        "by_state": by_state,
        "totals": {
            "orders": len(rows),
            "paid_count": len(paid), "paid_fen": sum(r["amount_fen"] for r in paid),
            "refunded_count": len(refunded), "refunded_fen": sum(r["amount_fen"] for r in refunded),
            "net_fen": sum(r["amount_fen"] for r in paid) - sum(r["amount_fen"] for r in refunded),
            "written_count": len(written), "written_fen": sum(r["amount_fen"] for r in written),
            "written_volume_tenths_m3": sum(r["volume_tenths_m3"] for r in written),
            "awaiting_write_count": len(awaiting), "awaiting_write_fen": sum(r["amount_fen"] for r in awaiting),
        },
        "orders": [_line(r) for r in rows],
        "rewrites_for_others": [_line(r) for r in others],
    }
