"""Reviews (好差评): from the kiosk, or from a phone through the signed link in the ticket's QR code.

One review per ticket or case; an unsatisfied one must name its reasons and may leave a phone
number for a call-back, which is stored as a call-back request for the hall's supervisors.
The phone page at /r/<token> is public (no kiosk signature): the token itself is the permission.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from typing import Any

from flask import Blueprint, Response, g, render_template, request
from pydantic import ValidationError

from domain.review_scale import REVIEW_INDICATORS, REVIEW_LEVELS, REVIEW_REASONS, UNSATISFIED
from hall_server import db, review_tokens
from hall_server.context import hall_config, hall_now
from hall_server.problems import Problem
from hall_server.schemas import ReviewRequest, ReviewTargetRequest, parse
from hall_server.security import idempotent
from hall_server.tickets import is_reviewed

blueprint = Blueprint("reviews", __name__)



def _review_key() -> bytes:
    return bytes.fromhex(g.conn.execute("SELECT value FROM settings WHERE key = 'review_key'").fetchone()["value"])


def _target(kind: str, target_id: str) -> sqlite3.Row:
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
    return ("ticket", body.ticket_id) if body.ticket_id is not None else ("case", body.case_number or "")


def _store(kind: str, target_id: str, body: ReviewRequest, channel: str) -> dict[str, Any]:
    if body.level in UNSATISFIED and not body.reasons:
        raise Problem("reasons_required")
    now = hall_now().isoformat(timespec="seconds")
    review_id = "rv" + secrets.token_hex(6)
    with db.write(g.conn):
        if _target(kind, target_id)["status"] != "served":
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
    _target(kind, target_id)
    expires_at = int(time.time()) + hall_config().review_token_seconds
    value = review_tokens.make_token(_review_key(), kind, target_id, expires_at)
    base = (hall_config().public_base_url or request.host_url).rstrip("/")
    return {"token": value, "url": f"{base}/r/{value}",
            "expires_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires_at))}, 201


def submit(body: ReviewRequest) -> tuple[dict, int]:
    """POST /v1/reviews, alone or as a batch member: the kiosk's review of a ticket or a case."""
    kind, target_id = _kind_and_id(body)
    return _store(kind, target_id, body, "kiosk"), 201


@blueprint.post("/v1/reviews")
@idempotent
def review() -> tuple[dict, int]:
    return submit(parse(ReviewRequest))


def _page(template: str, status: int = 200, **context: Any) -> Response:
    html = render_template(template, levels=REVIEW_LEVELS, reasons=REVIEW_REASONS, indicators=REVIEW_INDICATORS, **context)
    return Response(html, status=status, mimetype="text/html")


@blueprint.route("/r/<token>", methods=["GET", "POST"])
def mobile_review(token: str) -> Response:
    target = review_tokens.read_token(_review_key(), token, time.time())
    if target is None:
        return _page("review_done.html", 404, title="评价链接无效或已过期",
                     message="请向工作人员索取新的评价二维码，或在自助终端上评价。")
    row = _target(target.kind, target.target_id)
    if request.method == "GET":
        return _page("review.html", subject=row, error=None)
    form = request.form
    payload: dict[str, Any] = {
        f"{target.kind}_id" if target.kind == "ticket" else "case_number": target.target_id,
        "level": form.get("level", ""),
        # On the phone the main level is the overall indicator; the others are optional.
        "indicators": {name: form.get("level" if name == "overall" else name, "")
                       for name in REVIEW_INDICATORS if form.get("level" if name == "overall" else name)},
        "reasons": form.getlist("reasons"),
        "comment": form.get("comment", ""),
    }
    if form.get("callback_phone"):
        payload["callback_phone"] = form["callback_phone"]
    try:
        body = ReviewRequest.model_validate(payload)
        _store(target.kind, target.target_id, body, "mobile")
    except ValidationError:
        return _page("review.html", 422, subject=row, error="请选择评价等级，并检查手机号码是否正确。")
    except Problem as problem:
        if problem.code in ("already_reviewed", "not_yet_served"):
            return _page("review_done.html", 409, title=problem.message_zh, message="")
        return _page("review.html", problem.status, subject=row, error=problem.message_zh)
    return _page("review_done.html", title="感谢您的评价", message="您的评价已提交，我们将持续改进服务。")
