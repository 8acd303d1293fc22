"""Appointments: today's (or today's and the coming days') by identity number, check-in (which issues a
ticket, today only), free slots, booking, cancelling (today or a coming day, never a past one).

Slots are every half hour within the matter's queue hours, two citizens each. Identity numbers
only ever arrive in JSON bodies; an appointment id alone is not enough to check in or cancel.
"""

from __future__ import annotations

import secrets
import sqlite3
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, g, request

from hall_server import db, tickets
from hall_server.clock import CHINA_STANDARD_TIME
from hall_server.context import hall_config, hall_now
from hall_server.english import named
from hall_server.problems import Problem
from hall_server.schemas import AppointmentLookup, BookingRequest, IdentityOnly, parse
from hall_server.security import guard_lookup, idempotent, require_idempotency_key

blueprint = Blueprint("appointments", __name__)

SLOT_MINUTES = 30
SLOT_CAPACITY = 2
BOOKING_DAYS_AHEAD = 14


def _matter(code: str) -> sqlite3.Row:
    row = g.conn.execute("SELECT * FROM matters WHERE code = ?", (code,)).fetchone()
    if row is None:
        raise Problem("matter_not_found")
    return row


def _view(row: sqlite3.Row) -> dict[str, Any]:
    matter = _matter(row["matter_code"])
    return {"appointment_id": row["id"], "matter": named(matter),
            "date": row["service_date"], "start": row["slot_start"], "end": row["slot_end"],
            "status": row["status"], "location": matter["location"], "ticket_id": row["ticket_id"]}


def _slots(matter: sqlite3.Row, day: date, now: datetime) -> list[dict[str, Any]]:
    queue = tickets.queue_row(g.conn, matter["queue_code"])
    if str(day.isoweekday()) not in queue["weekdays"]:
        return []
    booked = dict(g.conn.execute("SELECT slot_start, COUNT(*) FROM appointments WHERE matter_code = ?"
                                 " AND service_date = ? AND status != 'cancelled' GROUP BY slot_start",
                                 (matter["code"], day.isoformat())).fetchall())
    slots = []
    start = datetime.combine(day, time.fromisoformat(queue["opens"]), CHINA_STANDARD_TIME)
    closes = datetime.combine(day, time.fromisoformat(queue["closes"]), CHINA_STANDARD_TIME)
    while start + timedelta(minutes=SLOT_MINUTES) <= closes:
        if start > now:
            label = start.strftime("%H:%M")
            slots.append({"start": label, "end": (start + timedelta(minutes=SLOT_MINUTES)).strftime("%H:%M"),
                          "free": max(0, SLOT_CAPACITY - booked.get(label, 0))})
        start += timedelta(minutes=SLOT_MINUTES)
    return slots


@blueprint.post("/v1/appointments/lookup")
def lookup() -> dict:
    require_idempotency_key()
    body = parse(AppointmentLookup)
    guard_lookup(body.id_number)
    today = hall_now().date()
    # Upcoming: as far ahead as anyone can book, so a citizen sees (and can cancel) whatever they booked.
    last = today + timedelta(days=BOOKING_DAYS_AHEAD if body.upcoming else 0)
    rows = g.conn.execute("SELECT * FROM appointments WHERE id_number = ? AND service_date BETWEEN ? AND ?"
                          " AND status != 'cancelled' ORDER BY service_date, slot_start",
                          (body.id_number, today.isoformat(), last.isoformat())).fetchall()
    return {"appointments": [_view(row) for row in rows], "today": today.isoformat()}


def _owned(appointment_id: str, id_number: str) -> sqlite3.Row:
    row = g.conn.execute("SELECT * FROM appointments WHERE id = ? AND id_number = ?",
                         (appointment_id, id_number)).fetchone()
    if row is None:
        raise Problem("appointment_not_found")
    return row


@blueprint.post("/v1/appointments/<appointment_id>/check-in")
@idempotent
def check_in(appointment_id: str) -> tuple[dict, int]:
    body = parse(IdentityOnly)
    guard_lookup(body.id_number)
    now = hall_now()
    with db.write(g.conn):
        row = _owned(appointment_id, body.id_number)
        if row["status"] == "cancelled":
            raise Problem("appointment_cancelled")
        if row["status"] == "checked_in":
            raise Problem("already_checked_in")
        if row["service_date"] != now.date().isoformat():
            raise Problem("appointment_not_today")
        matter = _matter(row["matter_code"])
        queue = tickets.queue_row(g.conn, matter["queue_code"])
        if not tickets.is_open(queue, now, hall_config().always_open):
            raise Problem("queue_closed")
        rank = tickets.RANK_APPOINTMENT if queue["appointments_ahead"] else tickets.RANK_WALK_IN
        ticket_id = tickets.issue(g.conn, queue, now, rank=rank, priority="none", id_number=body.id_number,
                                  matter_code=matter["code"], appointment_id=appointment_id, kiosk_id=g.kiosk_id)
        g.conn.execute("UPDATE appointments SET status = 'checked_in', ticket_id = ? WHERE id = ?",
                       (ticket_id, appointment_id))
    return {"appointment": _view(_owned(appointment_id, body.id_number)),
            "ticket": tickets.ticket_view(g.conn, ticket_id)}, 201


@blueprint.get("/v1/matters/<code>/slots")
def slots(code: str) -> dict:
    matter = _matter(code)
    now = hall_now()
    raw = request.args.get("date", now.date().isoformat())
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise Problem("invalid_request", errors=[{"field": "date", "problem": "expected YYYY-MM-DD"}]) from None
    if not matter["appointable"]:
        raise Problem("matter_not_appointable")
    if not now.date() <= day <= now.date() + timedelta(days=BOOKING_DAYS_AHEAD):
        return {"matter": code, "date": day.isoformat(), "slots": []}
    return {"matter": code, "date": day.isoformat(), "slots": _slots(matter, day, now)}


@blueprint.post("/v1/appointments")
@idempotent
def book() -> tuple[dict, int]:
    body = parse(BookingRequest)
    now = hall_now()
    matter = _matter(body.matter_code)
    if not matter["appointable"]:
        raise Problem("matter_not_appointable")
    day = date.fromisoformat(body.date)
    with db.write(g.conn):
        offered = {slot["start"]: slot for slot in _slots(matter, day, now)} \
            if now.date() <= day <= now.date() + timedelta(days=BOOKING_DAYS_AHEAD) else {}
        slot = offered.get(body.start)
        if slot is None:
            raise Problem("slot_not_available")
        if slot["free"] <= 0:
            raise Problem("slot_full")
        if g.conn.execute("SELECT 1 FROM appointments WHERE id_number = ? AND matter_code = ? AND service_date = ?"
                          " AND status != 'cancelled'", (body.id_number, matter["code"], body.date)).fetchone():
            raise Problem("already_booked")
        appointment_id = "ap" + secrets.token_hex(6)
        g.conn.execute("INSERT INTO appointments VALUES (?, ?, ?, ?, ?, ?, ?, 'booked', NULL, ?)",
                       (appointment_id, body.id_number, matter["code"], body.date, slot["start"], slot["end"],
                        body.phone, now.isoformat(timespec="seconds")))
    return _view(_owned(appointment_id, body.id_number)), 201


@blueprint.post("/v1/appointments/<appointment_id>/cancel")
@idempotent
def cancel(appointment_id: str) -> dict:
    body = parse(IdentityOnly)
    guard_lookup(body.id_number)
    with db.write(g.conn):
        row = _owned(appointment_id, body.id_number)
        if row["status"] == "cancelled":
            raise Problem("appointment_cancelled")
        if row["status"] == "checked_in":
            raise Problem("already_checked_in", detail="A checked-in appointment cannot be cancelled.")
        if row["service_date"] < hall_now().date().isoformat():
            raise Problem("appointment_past")
        g.conn.execute("UPDATE appointments SET status = 'cancelled' WHERE id = ?", (appointment_id,))
    return _view(_owned(appointment_id, body.id_number))
