"""What a kiosk says about itself on the fleet bus: the retained state and the events, built from what it knows.

The state (topic `kiosk/v1/{site}/{kiosk}/state`, retained, so an operator's tool that subscribes later sees it
at once) carries the hall heartbeat's fields unchanged — status, app_version, uptime_seconds, components
({part: {status, message}}), read by hall_server.fleet_status as a heartbeat is — and, beside them:

| field          | what                                                                                  |
|----------------|---------------------------------------------------------------------------------------|
| `kiosk_id`, `site`, `profile` | who and where (the topic says it too)                                  |
| `devices`      | each device's own state word (`paper_near_end`, `no_reader`, `absent`, …)             |
| `paper_low`    | the printer's paper is running low or out                                             |
| `outbox`       | `{pending, dead, oldest_age_s}`: work the hall has not yet received                   |
| `suspended`    | a technician has paused the service (暂停服务)                                         |
| `last_errors`  | the latest error event types, newest first (`printer.paper_out`, …)                   |
| `at`           | when the state was taken (UTC, ISO 8601)                                              |

Nothing personal: every message passes through domain.privacy.redact (identity and phone numbers, the current
citizen's name and address masked) and is cut to 200 characters; no field holds anything a citizen typed.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

from domain.privacy import redact

__all__ = ["kiosk_state", "event_payload", "MESSAGE_LIMIT"]

MESSAGE_LIMIT = 200
_PAPER_LOW = {"paper_near_end", "paper_out"}


def _clean(message: str) -> str:
    return redact(message)[:MESSAGE_LIMIT]


def kiosk_state(*, kiosk_id: str, site: str, profile: str, heartbeat: Mapping[str, Any],
                devices: Mapping[str, str], suspended: bool, last_errors: Iterable[str],
                outbox: Any = None, at: float) -> dict[str, Any]:
    """`heartbeat`: kiosk.devices.heartbeat.HealthReporter.heartbeat_body(); `devices`: {part: state word};
    `outbox`: the hall outbox's OutboxStats, if there is an outbox yet; `at`: Unix time."""
    components = {part: {"status": str(reported.get("status", "")), "message": _clean(str(reported.get("message", "")))}
                  for part, reported in heartbeat.get("components", {}).items()}
    state: dict[str, Any] = {
        "kiosk_id": kiosk_id, "site": site, "profile": profile,
        "status": heartbeat.get("status", "ok"), "app_version": heartbeat.get("app_version", ""),
        "uptime_seconds": int(heartbeat.get("uptime_seconds", 0)),
        "components": components,
        "devices": dict(devices),
        "paper_low": devices.get("printer") in _PAPER_LOW,
        "suspended": suspended,
        "last_errors": list(last_errors),
        "at": datetime.fromtimestamp(at, timezone.utc).isoformat(timespec="seconds"),
    }
    if outbox is not None:
        age = outbox.oldest_pending_age
        state["outbox"] = {"pending": outbox.pending, "dead": outbox.dead,
                           "oldest_age_s": None if age is None else round(age)}
    return state


def event_payload(event_id: str, type_: str, severity: str, message: str, occurred_at: str) -> dict[str, Any]:
    return {"event_id": event_id, "type": type_, "severity": severity, "message": _clean(message),
            "occurred_at": occurred_at}
