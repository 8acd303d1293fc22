"""The hall staff's fleet page: every kiosk with its last heartbeat, its state and its latest events.

Server-rendered HTML at ``/fleet`` for a browser on the hall's intranet; it is not part of the signed
kiosk API (/v1). Who may see it: with ``HallConfig.fleet_password`` set, HTTP Basic authentication as
user ``staff`` with that password (compared in constant time; serve the hall over HTTPS); without it,
only a browser on the server itself (loopback), so a fresh install never shows its fleet to the network.
Heartbeats and events never carry personal data, so the page shows them as stored (HTML-escaped).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from datetime import datetime

from flask import Blueprint, Response, g, render_template, request

from hall_server.context import hall_config, hall_now
from hall_server.routes.devices import HEARTBEAT_INTERVAL_SECONDS

blueprint = Blueprint("fleet", __name__)

STAFF_USER = "staff"
RECENT_EVENTS = 5
# A kiosk that has missed three heartbeats is shown as silent: powered off, frozen or cut off.
SILENT_AFTER_SECONDS = 3 * HEARTBEAT_INTERVAL_SECONDS


def _allowed() -> bool:
    password = hall_config().fleet_password
    if password is None:
        return ipaddress.ip_address(request.remote_addr or "0.0.0.0").is_loopback
    auth = request.authorization
    return (auth is not None and auth.type == "basic" and hmac.compare_digest(auth.username or "", STAFF_USER)
            and hmac.compare_digest((auth.password or "").encode(), password.encode()))


@blueprint.get("/fleet")
def fleet() -> Response:
    if not _allowed():
        if hall_config().fleet_password is None:
            return Response("The fleet page is shown on the hall server itself only; set a fleet password "
                            "to open it to the hall's network.", status=403, mimetype="text/plain")
        return Response("Hall staff only.", status=401, mimetype="text/plain",
                        headers={"WWW-Authenticate": 'Basic realm="hall fleet", charset="UTF-8"'})
    now = hall_now()
    kiosks = []
    for row in g.conn.execute("SELECT kiosk_id, received_at, status, report FROM heartbeats ORDER BY kiosk_id"):
        report = json.loads(row["report"])
        age = (now - datetime.fromisoformat(row["received_at"])).total_seconds()
        events = g.conn.execute("SELECT type, severity, message, occurred_at FROM device_events WHERE kiosk_id = ?"
                                " ORDER BY occurred_at DESC, id DESC LIMIT ?",
                                (row["kiosk_id"], RECENT_EVENTS)).fetchall()
        kiosks.append({
            "kiosk_id": row["kiosk_id"],
            "received_at": row["received_at"],
            "status": "silent" if age > SILENT_AFTER_SECONDS else row["status"],
            "app_version": report.get("app_version", ""),
            "uptime_hours": report.get("uptime_seconds", 0) / 3600,
            "components": report.get("components", {}),
            "events": events,
        })
    html = render_template("fleet.html", kiosks=kiosks, now=now.isoformat(timespec="seconds"),
                           refresh=HEARTBEAT_INTERVAL_SECONDS)
    return Response(html, mimetype="text/html", headers={"Cache-Control": "no-store"})
