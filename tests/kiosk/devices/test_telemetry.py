"""Fleet telemetry through a real, private Mosquitto with the fleet ACL: a kiosk's state and events reach the hall's
live /fleet page, its last will marks it offline, and the broker refuses a kiosk that writes under another's name."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import paho.mqtt.client as mqtt
import pytest
import requests
from paho.mqtt.enums import CallbackAPIVersion

from domain.fleet_topics import topic
from hall_server.fleet_feed import FleetBroker
from kiosk.config import ConfigError, load_settings
from kiosk.devices.heartbeat import HealthReporter
from kiosk.devices.telemetry.connection import EventTee
from kiosk.devices.telemetry.publisher import TelemetryPublisher, open_event_outbox
from kiosk.devices.telemetry.state import event_payload, kiosk_state
from kiosk.outbox.store import Outbox
from tests.fixtures.hall import STAFF, LiveHall, start_live_hall
from tests.fixtures.mosquitto import FLEET_USER, SITE, Broker, mosquitto  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[3]
KEY = b"t" * 32
WAIT_S = 20.0           # generous: the acceptance is 2 s, measured in bench/fleet.py, never asserted here


def _hall(folder: Path, broker: Broker) -> LiveHall:
    hall = start_live_hall(folder, fleet_broker=FleetBroker(broker.url, FLEET_USER, broker.password(FLEET_USER)))
    assert hall.server.fleet_feed.subscribed.wait(WAIT_S), "the hall never subscribed at the broker"
    return hall


def _publisher(broker: Broker, kiosk: str, reporter: HealthReporter, folder: Path) -> TelemetryPublisher:
    state = lambda: kiosk_state(kiosk_id=kiosk, site=SITE, profile="hall", heartbeat=reporter.heartbeat_body(),
                                devices={p: s.state for p, s in reporter.components().items()}, suspended=False,
                                last_errors=[], at=time.time())
    return TelemetryPublisher(broker_url=broker.url, site=SITE, kiosk_id=kiosk, username=kiosk,
                              password=broker.password(kiosk), state=state,
                              events=open_event_outbox(folder / f"{kiosk}-events.sqlite3", KEY))


def _wait_for_page(hall: LiveHall, shows: Callable[[str], bool]) -> str:
    """The live page's kiosks once `shows` holds for them, following /fleet/live as the page's script does."""
    version, deadline = 0, time.monotonic() + WAIT_S
    while True:
        update = requests.get(f"{hall.base_url}/fleet/live", params={"after": version}, auth=STAFF, timeout=30).json()
        if shows(update["html"]):
            return update["html"]
        assert time.monotonic() < deadline, f"the fleet page never showed it; last seen:\n{update['html'][:2000]}"
        version = update["version"]


def test_a_kiosk_out_of_paper_shows_paper_out_on_the_fleet_page_through_mosquitto(tmp_path, mosquitto):
    """GIVEN a kiosk whose events go to the hall's outbox and the bus WHEN its printer runs out of paper THEN the
    live fleet page shows it in fault with 打印机缺纸, from what came through Mosquitto alone."""
    hall = _hall(tmp_path, mosquitto)
    hall_outbox = Outbox(tmp_path / "outbox.sqlite3", KEY)
    outboxes: list[EventTee] = []           # the runtime's outbox(): the hall's, its events also on the bus
    reporter = HealthReporter(lambda: outboxes[0], app_version="0.1.0")
    publisher = _publisher(mosquitto, "kiosk-a", reporter, tmp_path).start()
    outboxes.append(EventTee(hall_outbox, publisher))
    try:
        reporter.report("printer", "ready")
        reporter.report("printer", "paper_out", "paper roll is empty: load a new roll")
        reporter.run_once()                 # what its thread does at once: the event into both outboxes
        publisher.changed()
        html = _wait_for_page(hall, lambda html: "打印机缺纸" in html)
        assert 'data-kiosk="kiosk-a" data-state="error"' in html
        assert [item.payload["type"] for item in hall_outbox.pending("events", 10)] == ["printer.paper_out"]
        page = requests.get(f"{hall.base_url}/fleet", auth=STAFF, timeout=10).text
        assert page.count("打印机缺纸") == 2            # the current problem, and the event among the recent ones
    finally:
        publisher.stop()
        hall_outbox.close()
        hall.server.stop()


def test_a_kiosk_killed_with_sigkill_shows_offline_through_its_last_will(tmp_path, mosquitto):
    """GIVEN a kiosk online on the fleet page WHEN its process is killed (no goodbye) THEN the broker publishes its
    last will and the page shows it 失联 at once, without waiting for three missed heartbeats."""
    hall = _hall(tmp_path, mosquitto)
    kiosk = subprocess.Popen([sys.executable, "-m", "tests.fixtures.telemetry_kiosk", mosquitto.url, SITE, "kiosk-b",
                              mosquitto.password("kiosk-b"), str(tmp_path)], cwd=ROOT, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert kiosk.stdout.readline().strip() == "online"
        _wait_for_page(hall, lambda html: 'data-kiosk="kiosk-b" data-state="ok"' in html)
        kiosk.kill()
        kiosk.wait(timeout=10)
        html = _wait_for_page(hall, lambda html: 'data-kiosk="kiosk-b" data-state="silent"' in html)
        assert "失联" in html
    finally:
        if kiosk.poll() is None:
            kiosk.kill()
            kiosk.wait(timeout=10)
        hall.server.stop()


def _client(broker: Broker, user: str) -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"{user}-probe", protocol=mqtt.MQTTv5)
    client.username_pw_set(user, broker.password(user))
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    return client


def test_the_acl_refuses_a_kiosk_publishing_under_another_kiosks_topic(tmp_path, mosquitto):
    """GIVEN kiosk-a's credentials WHEN it publishes under kiosk-b's topic THEN the broker refuses it (PUBACK: not
    authorised) and the hall never hears it, while the same kiosk's message under its own topic, sent after it on
    the same connection, arrives; nor may a kiosk read anything."""
    hall = _hall(tmp_path, mosquitto)
    acks: dict[int, str] = {}
    client = _client(mosquitto, "kiosk-a")
    client.on_publish = lambda _c, _u, mid, reason, _p: acks.__setitem__(mid, str(reason))
    try:
        state = json.dumps({"status": "ok", "app_version": "x", "components": {}, "at": "2026-11-23T02:00:00+00:00"})
        forged = client.publish(topic(SITE, "kiosk-b", "state"), state, qos=1)
        own = client.publish(topic(SITE, "kiosk-a", "state"), state, qos=1, retain=True)
        forged.wait_for_publish(WAIT_S)
        own.wait_for_publish(WAIT_S)
        assert acks == {forged.mid: "Not authorized", own.mid: "Success"}
        html = _wait_for_page(hall, lambda html: 'data-kiosk="kiosk-a"' in html)
        assert 'data-kiosk="kiosk-b"' not in html and set(hall.server.app.extensions["fleet_model"].kiosks()) == {
            "kiosk-a"}

        # Its own state is retained at the broker now: a subscriber allowed to read would be sent it at once.
        received: list[str] = []
        client.on_message = lambda _c, _u, message: received.append(message.topic)
        client.subscribe("kiosk/v1/#", qos=1)
        after = client.publish(topic(SITE, "kiosk-a", "availability"), '{"online": true}', qos=1)
        after.wait_for_publish(WAIT_S)      # retained messages, if any, came before this PUBACK on the connection
        assert received == []
    finally:
        client.disconnect()
        client.loop_stop()
        hall.server.stop()


def test_events_wait_on_disk_while_the_broker_is_away_and_go_once_it_is_there(tmp_path, mosquitto):
    """GIVEN a kiosk not connected to the broker WHEN an event happens THEN it is kept in the telemetry outbox,
    and delivered (then deleted) once the kiosk connects."""
    hall = _hall(tmp_path, mosquitto)
    reporter = HealthReporter(lambda: None, app_version="0.1.0")
    publisher = _publisher(mosquitto, "kiosk-a", reporter, tmp_path)
    publisher.enqueue_event("printer.cover_open", "error", "cover open")
    assert publisher.events.stats().pending == 1
    publisher.start()
    try:
        _wait_for_page(hall, lambda html: "打印机盖未关" in html)
    finally:
        publisher.stop()
        hall.server.stop()
    assert publisher.events.stats().pending == 0


def test_nothing_personal_goes_on_the_bus():
    """GIVEN a technician's message that quotes an identity number and a phone WHEN it becomes state or an event
    THEN both are masked."""
    message = "card 110101199003074514 of 13800138000 stuck in the reader"
    state = kiosk_state(kiosk_id="k", site="s", profile="hall", heartbeat={
        "status": "error", "components": {"reader": {"status": "error", "message": message}}},
        devices={"reader": "no_reader"}, suspended=False, last_errors=["reader.lost"], at=0)
    event = event_payload("E1", "reader.lost", "error", message, "2026-11-23T02:00:00+00:00")
    for text in (json.dumps(state), json.dumps(event)):
        assert "110101199003074514" not in text and "13800138000" not in text
        assert "1101**********4514" in text or "110101********4514" in text


@pytest.mark.parametrize("telemetry, problem", [
    ('enabled = true', "broker_url"),
    ('site = "hall/2"', "topic level"),
    ('client_cert = "kiosk.pem"', "go together"),
])
def test_a_telemetry_section_that_cannot_work_stops_the_kiosk_with_one_line(tmp_path, telemetry, problem):
    profile = tmp_path / "kiosk.toml"
    profile.write_text((ROOT / "config" / "hall.toml").read_text(encoding="utf-8") + f"\n[telemetry]\n{telemetry}\n",
                       encoding="utf-8")
    with pytest.raises(ConfigError, match=problem):
        load_settings(profile)


def test_telemetry_is_off_in_the_demo():
    assert load_settings(ROOT / "config" / "demo.toml").telemetry.enabled is False
