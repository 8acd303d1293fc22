"""Queues and tickets: business hours, gapless daily numbering, position and estimated wait.

Numbers run per queue prefix and per service date (A001, A002, ... reset every day), allocated in
the same write transaction as the ticket row, so no number is skipped or given twice however many
kiosks ask at once. Calling order: checked-in appointments first when the queue says so, then
priority tickets (elderly, disabled, pregnant), then walk-ins, each in order of issue.
"""

from __future__ import annotations

import json
import math
import secrets
import sqlite3
from datetime import datetime
from typing import Any

from hall_server import db
from hall_server.english import english, named
from hall_server.problems import Problem

__all__ = ["RANK_APPOINTMENT", "RANK_PRIORITY", "RANK_WALK_IN", "queue_row", "is_open", "hours_text",
           "queue_view", "issue", "ticket_view", "is_reviewed", "call_next", "finish"]

RANK_APPOINTMENT, RANK_PRIORITY, RANK_WALK_IN = 0, 1, 2
_WEEKDAYS_ZH = "一二三四五六日"


def queue_row(conn: sqlite3.Connection, code: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM queues WHERE code = ?", (code,)).fetchone()
    if row is None:
        raise Problem("queue_not_found")
    return row


def is_open(queue: sqlite3.Row, now: datetime, always_open: bool = False) -> bool:
    if always_open:
        return True
    hhmm = now.strftime("%H:%M")
    return str(now.isoweekday()) in queue["weekdays"] and queue["opens"] <= hhmm < queue["closes"]


def hours_text(queue: sqlite3.Row) -> str:
    days = queue["weekdays"]
    if days == "12345":
        span = "周一至周五"
    elif days == "123456":
        span = "周一至周六"
    else:
        span = "、".join("周" + _WEEKDAYS_ZH[int(d) - 1] for d in days)
    return f"{span} {queue['opens']}-{queue['closes']}"


def _waiting(conn: sqlite3.Connection, queue_code: str, service_date: str) -> int:
    return conn.execute("SELECT COUNT(*) FROM tickets WHERE queue_code = ? AND service_date = ?"
                        " AND status = 'waiting'", (queue_code, service_date)).fetchone()[0]


def _estimated_minutes(queue: sqlite3.Row, people_ahead: int) -> int:
    windows = max(1, len(json.loads(queue["windows"])))
    return math.ceil(people_ahead * queue["avg_service_minutes"] / windows)


def queue_view(conn: sqlite3.Connection, queue: sqlite3.Row, now: datetime, always_open: bool) -> dict[str, Any]:
    waiting = _waiting(conn, queue["code"], now.date().isoformat())
    return {
        "code": queue["code"],
        "name": queue["name"],
        **english(queue),
        "prefix": queue["prefix"],
        "open": is_open(queue, now, always_open),
        "business_hours": hours_text(queue),
        "windows": json.loads(queue["windows"]),
        "waiting": waiting,
        "estimated_wait_minutes": _estimated_minutes(queue, waiting),
    }


def issue(conn: sqlite3.Connection, queue: sqlite3.Row, now: datetime, *, rank: int, priority: str,
          id_number: str | None, matter_code: str | None, appointment_id: str | None,
          kiosk_id: str | None) -> str:
    """Allocate the next number of the day and store the ticket; the caller holds `db.write`."""
    service_date = now.date().isoformat()
    conn.execute("INSERT INTO queue_counters (queue_code, service_date, last_number) VALUES (?, ?, 1)"
                 " ON CONFLICT (queue_code, service_date) DO UPDATE SET last_number = queue_counters.last_number + 1",
                 (queue["code"], service_date))
    number = conn.execute("SELECT last_number FROM queue_counters WHERE queue_code = ? AND service_date = ?",
                          (queue["code"], service_date)).fetchone()[0]
    ticket_id = "t" + secrets.token_hex(8)
    conn.execute("INSERT INTO tickets (id, queue_code, service_date, number, display, rank, priority, id_number,"
                 " matter_code, appointment_id, kiosk_id, status, issued_at)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'waiting', ?)",
                 (ticket_id, queue["code"], service_date, number, f"{queue['prefix']}{number:03d}", rank, priority,
                  id_number, matter_code, appointment_id, kiosk_id, now.isoformat(timespec="seconds")))
    return ticket_id


def ticket_view(conn: sqlite3.Connection, ticket_id: str) -> dict[str, Any]:
    ticket = conn.execute("SELECT * FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
    if ticket is None:
        raise Problem("ticket_not_found")
    queue = queue_row(conn, ticket["queue_code"])
    ahead = 0
    if ticket["status"] == "waiting":
        ahead = conn.execute(
            "SELECT COUNT(*) FROM tickets WHERE queue_code = ? AND service_date = ? AND status = 'waiting'"
            " AND (rank < ? OR (rank = ? AND number < ?))",
            (ticket["queue_code"], ticket["service_date"], ticket["rank"], ticket["rank"], ticket["number"]),
        ).fetchone()[0]
    return {
        "ticket_id": ticket["id"],
        "number": ticket["display"],
        "queue": named(queue),
        "service_date": ticket["service_date"],
        "status": ticket["status"],
        "window": ticket["window"],
        "priority": ticket["priority"],
        "appointment_id": ticket["appointment_id"],
        "people_ahead": ahead,
        "estimated_wait_minutes": _estimated_minutes(queue, ahead) if ticket["status"] == "waiting" else 0,
        "issued_at": ticket["issued_at"],
        "called_at": ticket["called_at"],
        "finished_at": ticket["finished_at"],
        "reviewed": is_reviewed(conn, "ticket", ticket["id"]),
    }


def is_reviewed(conn: sqlite3.Connection, kind: str, target_id: str) -> bool:
    """Whether the ticket or case (kind "ticket" or "case") already has its one review, from any channel."""
    return conn.execute("SELECT 1 FROM reviews WHERE target_kind = ? AND target_id = ?",
                        (kind, target_id)).fetchone() is not None


def call_next(conn: sqlite3.Connection, queue_code: str, window: int, now: datetime) -> str | None:
    """Call the first waiting ticket of the day to `window`; None when nobody waits."""
    with db.write(conn):
        row = conn.execute("SELECT id FROM tickets WHERE queue_code = ? AND service_date = ? AND status = 'waiting'"
                           " ORDER BY rank, number LIMIT 1", (queue_code, now.date().isoformat())).fetchone()
        if row is None:
            return None
        conn.execute("UPDATE tickets SET status = 'called', \"window\" = ?, called_at = ? WHERE id = ?",
                     (window, now.isoformat(timespec="seconds"), row["id"]))
        return row["id"]


def finish(conn: sqlite3.Connection, ticket_id: str, now: datetime, *, served: bool) -> None:
    """Close a called ticket as served, or as missed when the citizen did not come to the window."""
    with db.write(conn):
        updated = conn.execute("UPDATE tickets SET status = ?, finished_at = ? WHERE id = ? AND status = 'called'",
                               ("served" if served else "missed", now.isoformat(timespec="seconds"), ticket_id))
        if updated.rowcount != 1:
            raise Problem("ticket_not_found", detail="No called ticket with this id.")
