"""Heartbeat and device events: from the kiosk's state changes, through the real outbox and sender, into
the reference hall's database."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from kiosk.devices.heartbeat import HealthReporter, event_for
from kiosk.outbox.sender import OutboxSender
from kiosk.outbox.store import Outbox, derive_key

DEADLINE_S = 20


class Clock:
    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        return self.now


def hall_rows(db_path: str, sql: str) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def wait_until(condition, what: str):
    deadline = time.monotonic() + DEADLINE_S
    while not (result := condition()):
        assert time.monotonic() < deadline, f"not reached: {what}"
        time.sleep(0.02)  # polling a condition with a deadline, not a sleep as synchronisation
    return result


@pytest.fixture
def outbox(tmp_path: Path):
    box = Outbox(tmp_path / "outbox.sqlite3", derive_key("heartbeat-test-key-0123456789"))
    yield box
    box.close()


@pytest.mark.parametrize("component, previous, state, expected", [
    ("printer", None, "ready", None),                              # first healthy reading: nothing to say
    ("printer", "ready", "paper_near_end", ("printer.paper_near_end", "warning")),
    ("printer", "paper_near_end", "paper_out", ("printer.paper_out", "error")),
    ("printer", "paper_out", "ready", ("printer.ready", "info")),  # recovered
    ("printer", None, "offline", ("printer.offline", "error")),
    ("reader", "connected", "no_reader", ("reader.lost", "error")),
    ("reader", "no_reader", "sam_fault", ("reader.sam_fault", "error")),
    ("reader", "sam_fault", "connected", ("reader.connected", "info")),
    ("reader", "connected", "connected", None),
    ("hall", "online", "offline", None),                           # the hall's own event waits N minutes
])
def test_which_changes_become_events(component, previous, state, expected) -> None:
    assert event_for(component, previous, state) == expected


def test_state_changes_queue_events_and_a_heartbeat_with_every_component(outbox: Outbox) -> None:
    clock = Clock()
    reporter = HealthReporter(lambda: outbox, app_version="0.1.0", interval_s=60, clock=clock)
    reporter.report("printer", "ready", "printer ready")
    reporter.report("reader", "connected")
    reporter.report("printer", "paper_out", "paper roll is empty: load a new roll")
    clock.now += 3600
    reporter.run_once()
    events = [item.payload for item in outbox.pending("events", 10)]
    assert [(e["type"], e["severity"]) for e in events] == [("printer.paper_out", "error")]
    [heartbeat] = outbox.pending("heartbeat", 10)
    assert heartbeat.payload == {
        "status": "error", "app_version": "0.1.0", "uptime_seconds": 3600,
        "components": {"printer": {"status": "error", "message": "paper roll is empty: load a new roll"},
                       "reader": {"status": "ok", "message": ""},
                       "outbox": {"status": "ok", "message": "1 pending, 0 dead, oldest 0 s"}}}


def test_heartbeats_follow_the_interval_and_coalesce_while_undelivered(outbox: Outbox) -> None:
    clock = Clock()
    reporter = HealthReporter(lambda: outbox, app_version="0.1.0", interval_s=60, clock=clock)
    reporter.run_once()
    assert outbox.pending("heartbeat", 10) == []   # the first waits one interval: states have settled by then
    clock.now += 60
    reporter.run_once()
    clock.now += 30
    reporter.run_once()                             # not due: still the first
    assert outbox.pending("heartbeat", 10)[0].payload["uptime_seconds"] == 60
    clock.now += 30
    reporter.run_once()
    [newest] = outbox.pending("heartbeat", 10)
    assert newest.payload["uptime_seconds"] == 120
    reporter.beat_now()
    reporter.run_once()
    assert outbox.pending("heartbeat", 10)[0].id != newest.id


def test_the_hall_unreachable_for_n_minutes_is_one_event_and_its_return_another(outbox: Outbox) -> None:
    clock = Clock()
    reporter = HealthReporter(lambda: outbox, app_version="0.1.0", interval_s=3600,
                              backend_alert_after_s=300, clock=clock)
    reporter.report("hall", "offline")
    clock.now += 299
    reporter.run_once()
    assert outbox.pending("events", 10) == []
    clock.now += 1
    reporter.run_once()
    clock.now += 600
    reporter.run_once()                     # still the same outage: no second alert
    reporter.report("hall", "online")
    reporter.run_once()
    types = [item.payload["type"] for item in outbox.pending("events", 10)]
    assert types == ["hall.unreachable", "hall.reachable"]


def test_a_short_outage_is_not_reported(outbox: Outbox) -> None:
    clock = Clock()
    reporter = HealthReporter(lambda: outbox, app_version="0.1.0", backend_alert_after_s=300, clock=clock)
    reporter.report("hall", "offline")
    clock.now += 120
    reporter.report("hall", "online")
    clock.now += 600
    reporter.run_once()
    assert outbox.pending("events", 10) == []


def test_events_reported_before_the_hall_connection_exists_are_sent_once_it_does(outbox: Outbox) -> None:
    connection: list[Outbox] = []
    reporter = HealthReporter(lambda: connection[0] if connection else None, app_version="0.1.0", clock=Clock())
    reporter.report("reader", "connected")
    reporter.report("reader", "no_reader", "port /dev/ttyUSB0 is gone")
    reporter.run_once()
    connection.append(outbox)
    reporter.run_once()
    assert [item.payload["type"] for item in outbox.pending("events", 10)] == ["reader.lost"]


def test_the_running_reporter_gets_events_and_heartbeats_into_the_hall(hall_server, hall_client, outbox) -> None:
    sender = OutboxSender(outbox, hall_client).start()
    reporter = HealthReporter(lambda: outbox, app_version="0.1.0", interval_s=60)
    reporter.report("printer", "ready")
    reporter.report("printer", "paper_near_end", "paper roll nearly used up: replace it soon")
    reporter.beat_now()
    reporter.start()
    try:
        events = wait_until(lambda: hall_rows(hall_server.db_path, "SELECT type, severity, message FROM device_events"),
                            "the event at the hall")
        assert events == [("printer.paper_near_end", "warning", "paper roll nearly used up: replace it soon")]
        [(status, report)] = wait_until(lambda: hall_rows(hall_server.db_path, "SELECT status, report FROM heartbeats"),
                                        "a heartbeat at the hall")
        assert status == "degraded"
        assert json.loads(report)["components"]["printer"]["status"] == "degraded"
    finally:
        reporter.stop()
        sender.stop()
