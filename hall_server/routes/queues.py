"""Queues with their business hours and waiting counts; issuing tickets and reading their status."""

from __future__ import annotations

from flask import Blueprint, g

from hall_server import db, tickets
from hall_server.context import hall_config, hall_now
from hall_server.problems import Problem
from hall_server.schemas import TicketRequest, parse
from hall_server.security import idempotent

blueprint = Blueprint("queues", __name__)


@blueprint.get("/v1/queues")
def list_queues() -> dict:
    now = hall_now()
    rows = g.conn.execute("SELECT * FROM queues ORDER BY prefix").fetchall()
    return {"queues": [tickets.queue_view(g.conn, row, now, hall_config().always_open) for row in rows],
            "server_time": now.isoformat(timespec="seconds")}


@blueprint.post("/v1/tickets")
@idempotent
def issue_ticket() -> tuple[dict, int]:
    body = parse(TicketRequest)
    now = hall_now()
    queue = tickets.queue_row(g.conn, body.queue)
    if not tickets.is_open(queue, now, hall_config().always_open):
        raise Problem("queue_closed", message_zh=f"{queue['name']}当前不在办理时间（{tickets.hours_text(queue)}），"
                                                 "请在办理时间内取号。")
    if body.matter_code is not None and g.conn.execute(
            "SELECT 1 FROM matters WHERE code = ?", (body.matter_code,)).fetchone() is None:
        raise Problem("matter_not_found")
    rank = tickets.RANK_WALK_IN if body.priority == "none" else tickets.RANK_PRIORITY
    with db.write(g.conn):
        ticket_id = tickets.issue(g.conn, queue, now, rank=rank, priority=body.priority,
                                  id_number=body.citizen.id_number if body.citizen else None,
                                  matter_code=body.matter_code, appointment_id=None, kiosk_id=g.kiosk_id)
    return tickets.ticket_view(g.conn, ticket_id), 201


@blueprint.get("/v1/tickets/<ticket_id>")
def ticket_status(ticket_id: str) -> dict:
    return tickets.ticket_view(g.conn, ticket_id)
