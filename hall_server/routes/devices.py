"""Device heartbeats and events, for the technician's and the monitoring side.

Events carry the kiosk's own event id, so an outbox that delivers a batch twice stores it once.
"""

from __future__ import annotations

import json

from flask import Blueprint, current_app, g

from hall_server import db
from hall_server.context import hall_now
from hall_server.schemas import DeviceEvents, Heartbeat, parse
from hall_server.security import idempotent

blueprint = Blueprint("devices", __name__)

HEARTBEAT_INTERVAL_SECONDS = 60


@blueprint.post("/v1/devices/heartbeat")
@idempotent
def heartbeat() -> dict:
    body = parse(Heartbeat)
    now = hall_now().isoformat(timespec="seconds")
    with db.write(g.conn):
        g.conn.execute("INSERT INTO heartbeats VALUES (?, ?, ?, ?) ON CONFLICT (kiosk_id) DO UPDATE"
                       " SET received_at = excluded.received_at, status = excluded.status, report = excluded.report",
                       (g.kiosk_id, now, body.status, json.dumps(body.model_dump(), ensure_ascii=False)))
    current_app.extensions["fleet_model"].touch()        # the live fleet page shows it at once
    return {"received_at": now, "next_heartbeat_seconds": HEARTBEAT_INTERVAL_SECONDS}


@blueprint.post("/v1/devices/events")
@idempotent
def events() -> tuple[dict, int]:
    body = parse(DeviceEvents)
    now = hall_now().isoformat(timespec="seconds")
    accepted = 0
    with db.write(g.conn):
        for event in body.events:
            cursor = g.conn.execute("INSERT INTO device_events (kiosk_id, event_id, type, severity, message,"
                                    " occurred_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                                    " ON CONFLICT (kiosk_id, event_id) DO NOTHING",
                                    (g.kiosk_id, event.event_id, event.type, event.severity, event.message,
                                     event.occurred_at, now))
            accepted += cursor.rowcount
    current_app.extensions["fleet_model"].touch()
    return {"accepted": accepted, "duplicates": len(body.events) - accepted}, 202
