"""Complaints and suggestions (投诉建议), each answered with a number to quote when following up.

A complaint also keeps the citizen's reference: the Idempotency-Key it arrived with, which the kiosk
shows the citizen (its outbox item id), so staff can find it by either number.
"""

from __future__ import annotations

from flask import Blueprint, g

from hall_server import db
from hall_server.context import hall_now
from hall_server.problems import Problem
from hall_server.schemas import ComplaintRequest, parse
from hall_server.security import idempotent, require_idempotency_key

blueprint = Blueprint("feedback", __name__)

REPLY_WITHIN_WORKING_DAYS = 5


def submit(body: ComplaintRequest, reference: str) -> tuple[dict, int]:
    """POST /v1/complaints, alone or as a batch member: store it under the hall's next number of the day."""
    if body.matter_code is not None and g.conn.execute(
            "SELECT 1 FROM matters WHERE code = ?", (body.matter_code,)).fetchone() is None:
        raise Problem("matter_not_found")
    now = hall_now()
    prefix = ("TS" if body.kind == "complaint" else "JY") + now.strftime("%Y%m%d")
    with db.write(g.conn):
        sequence = g.conn.execute("INSERT INTO complaint_counters (prefix, last_number) VALUES (?, 1)"
                                  " ON CONFLICT (prefix) DO UPDATE SET last_number = complaint_counters.last_number + 1"
                                  " RETURNING last_number", (prefix,)).fetchone()[0]
        number = f"{prefix}{sequence:04d}"
        g.conn.execute("INSERT INTO complaints (number, kind, content, matter_code, ticket_id, contact_phone,"
                       " kiosk_id, created_at, reference) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (number, body.kind, body.content, body.matter_code, body.ticket_id, body.contact_phone,
                        g.kiosk_id, now.isoformat(timespec="seconds"), reference))
    return {"number": number, "kind": body.kind, "created_at": now.isoformat(timespec="seconds"),
            "reply_within_working_days": REPLY_WITHIN_WORKING_DAYS, "reference": reference}, 201


@blueprint.post("/v1/complaints")
@idempotent
def complaint() -> tuple[dict, int]:
    return submit(parse(ComplaintRequest), require_idempotency_key())
