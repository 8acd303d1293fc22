"""Fleet telemetry over MQTT (paho-mqtt 2.x, MQTT 5): the kiosk's retained state, its events, its last will.

One connection per kiosk, as its own user (per-kiosk credentials; TLS with `mqtts://`), with a persistent session
(clean_start off, kept a day) and a last will on its availability topic, which the broker publishes when the
kiosk dies without saying goodbye (power cut, SIGKILL, network gone for 1.5 keep-alives):

| what                 | how                                                                                  |
|----------------------|--------------------------------------------------------------------------------------|
| state                | retained, QoS 1, at once on every change (`changed()`) and every `state_interval_s` |
| events               | QoS 1, from their own durable outbox (`events`): enqueued first, deleted only once  |
|                      | the broker has acknowledged them, so nothing is lost while the broker is away       |
| availability         | retained, QoS 1: `{"online": true}` on every connect; `false` on `stop()` and as the |
|                      | last will                                                                            |

Events are delivered at least once (a crash between the broker's PUBACK and the delete sends one again): each
carries its outbox id as `event_id`, by which readers (hall_server.fleet_feed) keep it once. An event the broker
refuses (its ACL: a kiosk configured with another kiosk's site or id) is parked as dead for the technician,
never retried for ever. Topics: domain.fleet_topics. Payloads: kiosk.devices.telemetry.state.

    publisher = TelemetryPublisher(broker_url="mqtts://broker:8883", site="yanta-hall", kiosk_id="kiosk-01",
                                   username="kiosk-01", password=secrets.telemetry_password,
                                   state=lambda: kiosk_state(...), events=open_event_outbox(path, key)).start()
    publisher.changed()                                  # the state changed: publish it now
    publisher.enqueue_event("printer.paper_out", "error", "paper roll is empty")
    publisher.stop()
"""

from __future__ import annotations

import json
import logging
import os
import ssl
import threading
import time
from collections import deque
from typing import Any, Callable
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from domain.background_loop import BackgroundLoop
from domain.fleet_topics import topic
from kiosk.outbox.store import ItemKind, Outbox, OutboxError
from kiosk.devices.telemetry.state import event_payload

__all__ = ["TelemetryPublisher", "open_event_outbox", "EVENT_KINDS", "SESSION_EXPIRY_S"]

log = logging.getLogger("kiosk.devices.telemetry")

SESSION_EXPIRY_S = 24 * 3600
EVENT_STREAM = "telemetry"
# The outbox's "event" kind, on a stream of its own in a file of its own: the hall's sender never sees it.
EVENT_KINDS = {"event": ItemKind("event", "mqtt:events", EVENT_STREAM, protected=False)}
EVENTS_PER_ROUND = 100


def open_event_outbox(path: str | os.PathLike[str], key: bytes, **options: Any) -> Outbox:
    return Outbox(path, key, kinds=EVENT_KINDS, **options)


class TelemetryPublisher:
    def __init__(self, *, broker_url: str, site: str, kiosk_id: str, username: str, password: str,
                 state: Callable[[], dict[str, Any]], events: Outbox, ca_bundle: str | None = None,
                 client_cert: str | None = None, client_key: str | None = None, state_interval_s: float = 60.0,
                 keepalive_s: int = 30, publish_timeout_s: float = 10.0,
                 clock: Callable[[], float] = time.time) -> None:
        where = urlsplit(broker_url)
        if where.scheme not in ("mqtt", "mqtts") or not where.hostname:
            raise ValueError(f"broker_url: expected mqtt://host[:port] or mqtts://host[:port], got {broker_url!r}")
        self._host, self._tls = where.hostname, where.scheme == "mqtts"
        self._port = where.port or (8883 if self._tls else 1883)
        self.state_topic = topic(site, kiosk_id, "state")
        self.events_topic = topic(site, kiosk_id, "events")
        self.availability_topic = topic(site, kiosk_id, "availability")
        self._state = state
        self.events = events
        self._state_interval_s = state_interval_s
        self._keepalive_s = keepalive_s
        self._publish_timeout_s = publish_timeout_s
        self._clock = clock
        self._lock = threading.Lock()
        self._dirty = True
        self._next_state = 0.0
        self._refused: dict[int, str] = {}          # message id -> the broker's reason for refusing it
        self.last_errors: deque[str] = deque(maxlen=5)
        self.connected = threading.Event()
        self._stopping = False
        self._client = self._make_client(kiosk_id, username, password, ca_bundle, client_cert, client_key)
        self._loop = BackgroundLoop("telemetry", self._round, error_delay_s=5.0)
        events.add_listener(self._loop.wake)

    def _make_client(self, kiosk_id: str, username: str, password: str, ca_bundle: str | None,
                     client_cert: str | None, client_key: str | None) -> mqtt.Client:
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=kiosk_id, protocol=mqtt.MQTTv5)
        client.username_pw_set(username, password or None)
        if self._tls:
            client.tls_set(ca_certs=ca_bundle or None, certfile=client_cert or None, keyfile=client_key or None,
                           tls_version=ssl.PROTOCOL_TLS_CLIENT)
        client.will_set(self.availability_topic, self._availability(False), qos=1, retain=True)
        client.reconnect_delay_set(min_delay=1, max_delay=60)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        return client

    # --- what the kiosk calls (any thread, never blocks on the network) --------------------------------

    def start(self) -> "TelemetryPublisher":
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = SESSION_EXPIRY_S
        self._client.connect_async(self._host, self._port, keepalive=self._keepalive_s, clean_start=False,
                                   properties=properties)
        self._client.loop_start()
        self._loop.start()
        return self

    def changed(self) -> None:
        with self._lock:
            self._dirty = True
        self._loop.wake()

    def enqueue_event(self, type_: str, severity: str, message: str = "", *, occurred_at: str | None = None) -> str:
        """Keep an event on disk for the bus (it goes out as soon as the broker takes it); returns its id."""
        if severity == "error":
            self.last_errors.appendleft(type_)
            self.changed()
        return self.events.enqueue_event(type_, severity, message, occurred_at=occurred_at)

    def stop(self, timeout: float = 5.0) -> None:
        """Say goodbye (availability false, so no one waits for the last will), then disconnect."""
        self._loop.stop(timeout)
        self._stopping = True
        if self.connected.is_set():
            info = self._client.publish(self.availability_topic, self._availability(False), qos=1, retain=True)
            if info.rc == mqtt.MQTT_ERR_SUCCESS:
                info.wait_for_publish(timeout)
        self._client.disconnect()
        self._client.loop_stop()

    # --- paho's network thread ---------------------------------------------------------------------------

    def _on_connect(self, client: mqtt.Client, _userdata: Any, _flags: Any, reason_code: Any, _props: Any) -> None:
        if reason_code.is_failure:
            log.error("the MQTT broker %s:%d refused this kiosk: %s (check telemetry.username and "
                      "telemetry_password)", self._host, self._port, reason_code)
            return
        client.publish(self.availability_topic, self._availability(True), qos=1, retain=True)
        self.connected.set()
        self.changed()

    def _on_disconnect(self, _client: mqtt.Client, _userdata: Any, _flags: Any, reason_code: Any,
                       _props: Any) -> None:
        if self.connected.is_set() and not self._stopping:
            log.warning("MQTT broker connection lost (%s); reconnecting", reason_code)
        self.connected.clear()

    def _on_publish(self, _client: mqtt.Client, _userdata: Any, mid: int, reason_code: Any, _props: Any) -> None:
        if reason_code.is_failure:
            with self._lock:
                self._refused[mid] = str(reason_code)

    # --- the telemetry thread ----------------------------------------------------------------------------

    def _round(self) -> float | None:
        if not self.connected.is_set():
            return None                     # woken by the next connect
        with self._lock:
            due = self._dirty or self._clock() >= self._next_state
            self._dirty = False
        if due:
            self._publish_state()
        self._deliver_events()
        return max(0.05, self._next_state - self._clock())

    def _publish_state(self) -> None:
        payload = json.dumps(self._state(), ensure_ascii=False, separators=(",", ":"))
        self._client.publish(self.state_topic, payload, qos=1, retain=True)
        self._next_state = self._clock() + self._state_interval_s

    def _deliver_events(self) -> None:
        try:
            items = self.events.pending(EVENT_STREAM, EVENTS_PER_ROUND)
        except OutboxError as error:
            log.warning("telemetry events unreadable: %s", error)
            return
        sent = []
        for item in items:
            body = event_payload(item.id, item.payload["type"], item.payload["severity"],
                                 item.payload.get("message", ""), item.payload["occurred_at"])
            info = self._client.publish(self.events_topic, json.dumps(body, ensure_ascii=False), qos=1)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                break                       # the connection went: the rest stays on disk for the next connect
            sent.append((item, info))
        delivered = []
        for item, info in sent:
            try:
                info.wait_for_publish(self._publish_timeout_s)
            except (RuntimeError, ValueError):
                break
            if not info.is_published():
                break
            with self._lock:
                refused = self._refused.pop(info.mid, None)
            if refused is not None:
                log.error("the MQTT broker refused event %s on %s: %s", item.id, self.events_topic, refused)
                self.events.park_dead(item, f"refused by the broker: {refused}")
            else:
                delivered.append(item)
        self.events.acknowledge(delivered)

    @staticmethod
    def _availability(online: bool) -> str:
        return json.dumps({"online": online})
