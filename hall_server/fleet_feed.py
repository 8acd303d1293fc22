"""The fleet as the MQTT broker tells it: a subscriber (`FleetFeed`) and what it has heard (`FleetModel`).

`FleetFeed` subscribes to every kiosk's topics (domain.fleet_topics.SUBSCRIPTION) with the hall's own broker
user, which may read them all and write nothing, in a persistent session (QoS 1: what kiosks said while the hall
was down is handed over when it is back). `FleetModel` keeps, per kiosk, the newest state (shaped as the stored
heartbeat that hall_server.fleet_status reads, so the page reads a kiosk the same way whichever way it reported),
its latest events (each once by its event_id) and whether the broker holds it online (its last will says when
it is not). Every change counts up `version` and wakes the pages waiting in `wait_for_change`: the live /fleet.

    model = FleetModel(clock.now)
    feed = FleetFeed(model, FleetBroker("mqtts://broker:8883", "hall-fleet", password)).start()
    version = model.wait_for_change(after=version, timeout=25.0)
    for kiosk in model.kiosks(): kiosk.heartbeat, kiosk.events, kiosk.online
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from domain.fleet_topics import SUBSCRIPTION, KioskTopic, parse

__all__ = ["FleetBroker", "FleetFeed", "FleetModel", "FedKiosk"]

log = logging.getLogger("hall_server.fleet_feed")

EVENTS_KEPT = 100
SESSION_EXPIRY_S = 24 * 3600


@dataclass(frozen=True)
class FleetBroker:
    url: str                        # mqtt://host:port or mqtts://host:port
    username: str
    password: str
    ca_bundle: str | None = None
    client_id: str = "hall-fleet"

    def __repr__(self) -> str:
        return f"FleetBroker({self.url!r}, {self.username!r}, <password hidden>)"


@dataclass(frozen=True)
class FedKiosk:
    site: str
    heartbeat: dict[str, Any] | None        # kiosk_id, received_at, status, report: as fleet_status reads it
    events: tuple[dict[str, Any], ...]      # type, severity, message, occurred_at, received_at; oldest first
    online: bool | None                     # None: the broker has not said


class _Kiosk:
    def __init__(self, site: str) -> None:
        self.site = site
        self.heartbeat: dict[str, Any] | None = None
        self.events: deque[dict[str, Any]] = deque(maxlen=EVENTS_KEPT)
        self.event_ids: deque[str] = deque(maxlen=EVENTS_KEPT)
        self.online: bool | None = None


class FleetModel:
    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now
        self._changed = threading.Condition()
        self._kiosks: dict[str, _Kiosk] = {}
        self.version = 0

    def apply(self, where: KioskTopic, payload: bytes, *, retained: bool = False) -> bool:
        """Take one message; False (and nothing changed) for a payload that is not what the scheme says.
        A retained state (kept by the broker, perhaps from long ago) counts from the moment the kiosk took it."""
        try:
            body = json.loads(payload)
            if not isinstance(body, dict):
                raise ValueError("not an object")
            now = self._now()
            received = now.isoformat(timespec="seconds")
            if retained and where.channel == "state":
                taken = datetime.fromisoformat(str(body["at"])).astimezone(now.tzinfo)
                received = min(taken, now).isoformat(timespec="seconds")
            with self._changed:
                kiosk = self._kiosks.setdefault(where.kiosk, _Kiosk(where.site))
                kiosk.site = where.site
                if where.channel == "state":
                    kiosk.heartbeat = {"kiosk_id": where.kiosk, "received_at": received,
                                       "status": str(body["status"]), "report": body}
                    kiosk.online = True if kiosk.online is None else kiosk.online
                elif where.channel == "events":
                    if body["event_id"] in kiosk.event_ids:
                        return True         # delivered again (at least once): kept once
                    kiosk.event_ids.append(str(body["event_id"]))
                    kiosk.events.append({"type": str(body["type"]), "severity": str(body["severity"]),
                                         "message": str(body.get("message", "")),
                                         "occurred_at": str(body["occurred_at"]), "received_at": received})
                else:
                    kiosk.online = bool(body["online"])
                self._bump()
            return True
        except (ValueError, KeyError, TypeError):
            log.warning("kiosk %s sent a %s message that is not in the topic scheme's form", where.kiosk,
                        where.channel)
            return False

    def touch(self) -> None:
        """Something else the page shows changed (a heartbeat over the hall API): wake the live pages."""
        with self._changed:
            self._bump()

    def _bump(self) -> None:
        self.version += 1
        self._changed.notify_all()

    def wait_for_change(self, after: int, timeout: float) -> int:
        """The version once it is past `after`, or after `timeout` seconds whatever it is."""
        with self._changed:
            self._changed.wait_for(lambda: self.version > after, timeout)
            return self.version

    def kiosks(self) -> dict[str, FedKiosk]:
        with self._changed:
            return {kiosk_id: FedKiosk(k.site, k.heartbeat, tuple(k.events), k.online)
                    for kiosk_id, k in self._kiosks.items()}


class FleetFeed:
    """The hall's MQTT subscriber; `subscribed` is set once the broker has granted the subscription."""

    def __init__(self, model: FleetModel, broker: FleetBroker) -> None:
        where = urlsplit(broker.url)
        if where.scheme not in ("mqtt", "mqtts") or not where.hostname:
            raise ValueError(f"fleet broker: expected mqtt://host[:port] or mqtts://host[:port], got {broker.url!r}")
        self._model = model
        self._host, self._port = where.hostname, where.port or (8883 if where.scheme == "mqtts" else 1883)
        self.subscribed = threading.Event()
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=broker.client_id, protocol=mqtt.MQTTv5)
        self._client.username_pw_set(broker.username, broker.password or None)
        if where.scheme == "mqtts":
            self._client.tls_set(ca_certs=broker.ca_bundle, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        self._client.reconnect_delay_set(min_delay=1, max_delay=30)
        self._client.on_connect = self._on_connect
        self._client.on_subscribe = self._on_subscribe
        self._client.on_message = self._on_message

    def start(self) -> "FleetFeed":
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = SESSION_EXPIRY_S
        self._client.connect_async(self._host, self._port, keepalive=30, clean_start=False, properties=properties)
        self._client.loop_start()
        return self

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(self, client: mqtt.Client, _userdata: Any, _flags: Any, reason_code: Any, _props: Any) -> None:
        if reason_code.is_failure:
            log.error("the MQTT broker %s:%d refused the hall's fleet user: %s", self._host, self._port, reason_code)
            return
        client.subscribe(SUBSCRIPTION, qos=1)

    def _on_subscribe(self, _client: mqtt.Client, _userdata: Any, _mid: int, reason_codes: Any, _props: Any) -> None:
        if all(not code.is_failure for code in reason_codes):
            self.subscribed.set()
        else:
            log.error("the MQTT broker refused the fleet subscription %s: %s", SUBSCRIPTION, reason_codes)

    def _on_message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        where = parse(message.topic)
        if where is not None:
            self._model.apply(where, message.payload, retained=bool(message.retain))
