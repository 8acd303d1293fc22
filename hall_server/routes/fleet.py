"""The hall staff's fleet page: every kiosk with its state, its current problems, its last heartbeat and events.

Server-rendered HTML at ``/fleet`` for a browser on the hall's intranet; it is not part of the signed
kiosk API (/v1). Who may see it: hall staff, by HTTP Basic authentication as user ``staff`` with
``HallConfig.fleet_password`` (compared in constant time; serve the hall over HTTPS). Without a password the
page is closed to everyone: "only from this machine" meant nothing behind a reverse proxy on the same host,
where every visitor comes from 127.0.0.1.
Heartbeats and events never carry personal data, so the page shows the kiosks' messages as stored
(HTML-escaped). In Chinese, or in English with ``?lang=en``; how a kiosk's state is read from what it sent
is hall_server.fleet_status. Kiosks report through the hall API (heartbeats and events, stored) or through the
MQTT broker (hall_server.fleet_feed, held in memory): the page shows both. It updates itself live: its script
asks ``/fleet/live?after=VERSION``, which answers the kiosks' part of the page again as soon as anything
changed (a long poll); without JavaScript it reloads every heartbeat interval.
"""

from __future__ import annotations

import hmac
import json

from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, render_template, request

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
# How long /fleet/live holds a page's request when nothing changes (under the usual 30 s proxy timeouts).
LIVE_WAIT_SECONDS = 20.0


def _allowed() -> bool:
    password = hall_config().fleet_password
    if password is None:
        return False
    auth = request.authorization
    return (auth is not None and auth.type == "basic" and hmac.compare_digest(auth.username or "", STAFF_USER)
            and hmac.compare_digest((auth.password or "").encode(), password.encode()))


def _refusal() -> Response | None:
    if _allowed():
        return None
    if hall_config().fleet_password is None:
        return Response("The fleet page is closed: start the hall server with --fleet-password-file to open it"
                        " to hall staff.", status=403, mimetype="text/plain")
    return Response("Hall staff only.", status=401, mimetype="text/plain",
                    headers={"WWW-Authenticate": 'Basic realm="hall fleet", charset="UTF-8"'})


@blueprint.get("/fleet")
def fleet() -> Response:
    if (refusal := _refusal()) is not None:
        return refusal
    return page("fleet.html", csp_connect="'self'", **_view(_language()))


@blueprint.get("/fleet/live")
def live() -> Response:
    """The page's kiosks again once the fleet has changed since `after` (or after LIVE_WAIT_SECONDS)."""
    if (refusal := _refusal()) is not None:
        return refusal
    try:
        after = int(request.args.get("after", "0"))
    except ValueError:
        after = 0
    current_app.extensions["fleet_model"].wait_for_change(after, LIVE_WAIT_SECONDS)
    view = _view(_language())
    html = render_template("fleet_kiosks.html", **view)
    response = jsonify(version=view["version"], html=html, updated=view["now"].strftime("%H:%M:%S"))
    response.headers["Cache-Control"] = "no-store"
    return response


def _language() -> str:
    return "en" if request.args.get("lang") == "en" else "zh"


def _view(language: str) -> dict[str, Any]:
    """What the page shows: every kiosk that reported through the hall API (stored heartbeats and events) or
    through the MQTT broker (hall_server.fleet_feed), the newer report winning, their events together."""
    now = hall_now()
    model = current_app.extensions["fleet_model"]
    version = model.version                 # read first: a change while reading is shown at the next wake
    reports: dict[str, tuple[dict[str, Any], list[dict[str, Any]], bool]] = {}
    for row in g.conn.execute("SELECT kiosk_id, received_at, status, report FROM heartbeats"):
        events = g.conn.execute("SELECT type, severity, message, occurred_at, received_at FROM device_events"
                                " WHERE kiosk_id = ? ORDER BY id DESC LIMIT ?", (row["kiosk_id"], EVENTS_READ))
        heartbeat = {"kiosk_id": row["kiosk_id"], "received_at": row["received_at"], "status": row["status"],
                     "report": json.loads(row["report"])}
        reports[row["kiosk_id"]] = (heartbeat, events.fetchall(), False)
    for kiosk_id, fed in model.kiosks().items():
        if fed.heartbeat is None:
            continue
        stored = reports.get(kiosk_id)
        heartbeat, events = fed.heartbeat, list(fed.events)
        if stored is not None:
            events += stored[1]
            if stored[0]["received_at"] > heartbeat["received_at"]:
                heartbeat = stored[0]
        reports[kiosk_id] = (heartbeat, events, fed.online is False)
    kiosks = [kiosk_status(heartbeat, events, now, silent_after_seconds=SILENT_AFTER_SECONDS, recent=RECENT_EVENTS,
                           offline=offline) for heartbeat, events, offline in reports.values()]
    return {"kiosks": worst_first(kiosks), "counts": fleet_counts(kiosks), "now": now, "language": language,
            "t": TEXTS[language], "refresh": HEARTBEAT_INTERVAL_SECONDS, "version": version,
            "ago": lambda moment: relative_time(moment, now, language)}
