"""Reviews (好差评): from the kiosk, or from a phone through the signed link in the ticket's QR code.

One review per ticket or case; an unsatisfied one must name its reasons and may leave a phone
number for a call-back, which is stored as a call-back request for the hall's supervisors.
This module is the kiosk's API (token, review) and the one way a review is stored; the phone page
at /r/<token> (hall_server.routes.review_page) stores through `store` too.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from typing import Any

from flask import Blueprint, g, request

from domain.review_scale import UNSATISFIED
from hall_server import db, review_tokens
from hall_server.case_proof import proven_case
from hall_server.context import hall_config, hall_now
from hall_server.problems import Problem
from hall_server.schemas import ReviewRequest, ReviewTargetRequest, parse
from hall_server.security import idempotent
from hall_server.tickets import is_reviewed

__all__ = ["blueprint", "review_key", "target_row", "store", "submit"]

blueprint = Blueprint("reviews", __name__)


def review_key() -> bytes:
    """The hall's own key for review links (kept in the database, never sent to kiosks)."""
    return bytes.fromhex(g.conn.execute("SELECT value FROM settings WHERE key = 'review_key'").fetchone()["value"])


def target_row(kind: str, target_id: str) -> sqlite3.Row:
    """What is reviewed: id, display (A023 or the case number), status and title (queue or matter)."""
    if kind == "ticket":
        row = g.conn.execute("SELECT t.id, t.display, t.status, q.name AS title FROM tickets t"
                             " JOIN queues q ON q.code = t.queue_code WHERE t.id = ?", (target_id,)).fetchone()
        if row is None:
            raise Problem("ticket_not_found")
    else:
        row = g.conn.execute("SELECT c.case_number AS id, c.case_number AS display, 'served' AS status,"
                             " m.name AS title FROM cases c JOIN matters m ON m.code = c.matter_code"
                             " WHERE c.case_number = ?", (target_id,)).fetchone()
        if row is None:
            raise Problem("case_not_found")
    return row


def _kind_and_id(body: ReviewTargetRequest) -> tuple[str, str]:
    """What a kiosk reviews; a case only with its proof (hall_server.case_proof), a ticket by its id."""
    if body.ticket_id is not None:
        return "ticket", body.ticket_id
    case_number = body.case_number or ""
    proven_case(g.conn, review_key(), case_number, body)
    return "case", case_number


def store(kind: str, target_id: str, body: ReviewRequest, channel: str, review_id: str | None = None) -> dict[str, Any]:
    """Store the one review of a ticket or case (`review_id`: a fresh random one unless the caller names it)."""
    if body.level in UNSATISFIED and not body.reasons:
        raise Problem("reasons_required")
    now = hall_now().isoformat(timespec="seconds")
    review_id = review_id or "rv" + secrets.token_hex(6)
    with db.write(g.conn):
        if target_row(kind, target_id)["status"] != "served":
            raise Problem("not_yet_served")
        if is_reviewed(g.conn, kind, target_id):
            raise Problem("already_reviewed")
        g.conn.execute("INSERT INTO reviews VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (review_id, kind, target_id, body.level, body.indicators.overall, body.indicators.efficiency,
                        body.indicators.service_level, body.indicators.attitude, json.dumps(body.reasons),
                        body.comment, channel, g.kiosk_id, now))
        callback = body.callback_phone is not None and body.level in UNSATISFIED
        if callback:
            g.conn.execute("INSERT INTO callback_requests (review_id, phone, status, created_at)"
                           " VALUES (?, ?, 'pending', ?)", (review_id, body.callback_phone, now))
    return {"review_id": review_id, "target": {"kind": kind, "id": target_id}, "level": body.level,
            "callback_requested": callback, "created_at": now}


@blueprint.post("/v1/reviews/token")
@idempotent
def token() -> tuple[dict, int]:
    body = parse(ReviewTargetRequest)
    kind, target_id = _kind_and_id(body)
    target_row(kind, target_id)
    expires_at = int(time.time()) + hall_config().review_token_seconds
    value = review_tokens.make_token(review_key(), kind, target_id, expires_at)
    base = (hall_config().public_base_url or request.host_url).rstrip("/")
    return {"token": value, "url": f"{base}/r/{value}",
            "expires_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires_at))}, 201


def submit(body: ReviewRequest) -> tuple[dict, int]:
    """POST /v1/reviews, alone or as a batch member: the kiosk's review of a ticket or a case."""
    kind, target_id = _kind_and_id(body)
    return store(kind, target_id, body, "kiosk"), 201


@blueprint.post("/v1/reviews")
@idempotent
def review() -> tuple[dict, int]:
    return submit(parse(ReviewRequest))

