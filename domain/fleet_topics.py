"""The MQTT topic scheme of fleet telemetry, shared by the kiosks that publish and the hall that reads.

Every kiosk publishes under its own site and id, and nowhere else (the broker's ACL says so; docs/deployment.md):

| topic                                  | retained | QoS | payload (JSON, UTF-8)                                     |
|----------------------------------------|----------|-----|-----------------------------------------------------------|
| `kiosk/v1/{site}/{kiosk}/state`        | yes      | 1   | the kiosk's current state (kiosk.devices.telemetry.state) |
| `kiosk/v1/{site}/{kiosk}/events`       | no       | 1   | one event: event_id, type, severity, message, occurred_at |
| `kiosk/v1/{site}/{kiosk}/availability` | yes      | 1   | `{"online": true}` at connect; the last will: `false`     |

`v1` is the payload version: a kiosk that changes a payload incompatibly publishes under `v2` beside it. A site
or kiosk id is one topic level: 1–64 characters, none of `/ + #`, no control characters, not starting with `$`.
Nothing personal is ever in a topic or a payload: ids of machines and places, states, codes and technicians'
messages that were masked before they left the kiosk.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PREFIX", "CHANNELS", "SUBSCRIPTION", "KioskTopic", "topic", "parse", "check_level"]

PREFIX = "kiosk/v1"
CHANNELS = ("state", "events", "availability")
SUBSCRIPTION = f"{PREFIX}/+/+/+"      # what the hall's fleet page reads: every channel of every kiosk


@dataclass(frozen=True)
class KioskTopic:
    site: str
    kiosk: str
    channel: str


def check_level(value: str, what: str) -> str:
    """`value` as one topic level, or ValueError saying why it cannot be one."""
    if not 1 <= len(value) <= 64:
        raise ValueError(f"{what} must have 1 to 64 characters, got {len(value)}")
    if any(c in value for c in "/+#") or any(ord(c) < 32 or ord(c) == 127 for c in value) or value[0] == "$":
        raise ValueError(f"{what} {value!r} cannot be an MQTT topic level: no '/', '+', '#', control characters"
                         " or leading '$'")
    return value


def topic(site: str, kiosk: str, channel: str) -> str:
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; known: {', '.join(CHANNELS)}")
    return f"{PREFIX}/{check_level(site, 'site')}/{check_level(kiosk, 'kiosk id')}/{channel}"


def parse(name: str) -> KioskTopic | None:
    """The kiosk a topic belongs to; None for a topic outside the scheme."""
    parts = name.split("/")
    if len(parts) != 5 or "/".join(parts[:2]) != PREFIX or parts[4] not in CHANNELS:
        return None
    try:
        return KioskTopic(check_level(parts[2], "site"), check_level(parts[3], "kiosk id"), parts[4])
    except ValueError:
        return None
