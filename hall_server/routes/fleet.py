"""The hall staff's fleet page: every kiosk with its state, its current problems, its last heartbeat and events.

Server-rendered HTML at ``/fleet`` for a browser on the hall's intranet; it is not part of the signed
kiosk API (/v1). Who may see it: with ``HallConfig.fleet_password`` set, HTTP Basic authentication as
user ``staff`` with that password (compared in constant time; serve the hall over HTTPS); without it,
only a browser on the server itself (loopback), so a fresh install never shows its fleet to the network.
Heartbeats and events never carry personal data, so the page shows the kiosks' messages as stored
(HTML-escaped). In Chinese, or in English with ``?lang=en``; how a kiosk's state is read from what it sent
is hall_server.fleet_status. The page reloads itself every heartbeat interval.
"""

from __future__ import annotations

import hmac
import ipaddress
import json

from flask import Blueprint, Response, g, request

from hall_server.context import hall_config, hall_now
from hall_server.fleet_status import TEXTS, fleet_counts, kiosk_status, worst_first
from hall_server.pages import page, relative_time
from hall_server.routes.devices import HEARTBEAT_INTERVAL_SECONDS

blueprint = Blueprint("fleet", __name__)

STAFF_USER = "staff"
RECENT_EVENTS = 5
# Enough of a kiosk's latest events to know, for each of its parts, the last thing that happened to it.
EVENTS_READ = 100
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
    language = "en" if request.args.get("lang") == "en" else "zh"
    now = hall_now()
    kiosks = []
    for row in g.conn.execute("SELECT kiosk_id, received_at, status, report FROM heartbeats"):
        events = g.conn.execute("SELECT type, severity, message, occurred_at, received_at FROM device_events"
                                " WHERE kiosk_id = ? ORDER BY id DESC LIMIT ?", (row["kiosk_id"], EVENTS_READ))
        heartbeat = {"kiosk_id": row["kiosk_id"], "received_at": row["received_at"], "status": row["status"],
                     "report": json.loads(row["report"])}
        kiosks.append(kiosk_status(heartbeat, events.fetchall(), now, silent_after_seconds=SILENT_AFTER_SECONDS,
                                   recent=RECENT_EVENTS))
    texts = TEXTS[language]
    return page("fleet.html", kiosks=worst_first(kiosks), counts=fleet_counts(kiosks), now=now, language=language,
                t=texts, refresh=HEARTBEAT_INTERVAL_SECONDS, ago=lambda moment: relative_time(moment, now, language))
