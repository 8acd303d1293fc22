"""How the fleet page reads a kiosk's state from its heartbeat and events (hall_server.fleet_status)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from hall_server.clock import CHINA_STANDARD_TIME
from hall_server.fleet_status import fleet_counts, kiosk_status, worst_first
from hall_server.pages import relative_time

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=CHINA_STANDARD_TIME)
SILENT_AFTER = 180


def heartbeat(status="ok", seconds_ago=30, **components):
    return {"kiosk_id": "k1", "received_at": (NOW - timedelta(seconds=seconds_ago)).isoformat(), "status": status,
            "report": {"app_version": "0.1.0", "uptime_seconds": 3600,
                       "components": {name: {"status": value, "message": ""} for name, value in components.items()}}}


def event(type_, severity, minutes_ago, message=""):
    moment = (NOW - timedelta(minutes=minutes_ago)).isoformat()
    return {"type": type_, "severity": severity, "message": message, "occurred_at": moment, "received_at": moment}


def status(beat, *events):
    return kiosk_status(beat, list(events), NOW, silent_after_seconds=SILENT_AFTER)


def test_a_healthy_kiosk_is_in_service():
    kiosk = status(heartbeat(printer="ok", reader="ok"))
    assert (kiosk.state, kiosk.problems, kiosk.stale) == ("ok", (), False)


def test_a_part_in_error_makes_a_fault_even_when_the_kiosk_says_ok():
    kiosk = status(heartbeat("ok", printer="error", reader="degraded"))
    assert kiosk.state == "error"
    assert [(p.part, p.severity) for p in kiosk.problems] == [("printer", "error"), ("reader", "degraded")]


def test_an_error_event_nothing_resolved_is_a_current_problem_with_its_start():
    kiosk = status(heartbeat("ok", printer="ok"), event("reader.lost", "error", 5, "no reader"))
    assert kiosk.state == "error"
    [problem] = kiosk.problems
    assert (problem.label("zh"), problem.label("en"), problem.message) == ("身份证阅读器断开", "ID card reader lost",
                                                                           "no reader")
    assert problem.since == NOW - timedelta(minutes=5)


@pytest.mark.parametrize("resolution", ["event", "heartbeat"])
def test_an_error_is_resolved_by_a_later_event_of_its_part_or_a_later_heartbeat_saying_the_part_is_well(resolution):
    lost = event("reader.lost", "error", 5)
    if resolution == "event":
        kiosk = status(heartbeat("ok", printer="ok"), lost, event("reader.connected", "info", 2))
    else:
        kiosk = status(heartbeat("ok", reader="ok", seconds_ago=60), lost)
    assert (kiosk.state, kiosk.problems) == ("ok", ())


def test_a_heartbeat_older_than_the_event_does_not_resolve_it():
    assert status(heartbeat("ok", reader="ok", seconds_ago=170), event("reader.lost", "error", 1)).state == "error"


def test_a_warning_degrades_and_maintenance_records_never_set_the_state():
    assert status(heartbeat(), event("printer.paper_near_end", "warning", 3)).state == "degraded"
    assert status(heartbeat(), event("maintenance.pin_locked", "error", 3)).state == "ok"


def test_a_kiosk_that_names_no_part_is_taken_at_its_word():
    kiosk = status(heartbeat("degraded"))
    assert kiosk.state == "degraded" and kiosk.problems[0].label("zh") == "终端自报异常"


def test_a_kiosk_silent_for_three_intervals_is_silent_and_its_problems_are_stale():
    kiosk = status(heartbeat("error", seconds_ago=SILENT_AFTER + 1, printer="error"))
    assert (kiosk.state, kiosk.stale) == ("silent", True)
    assert [p.part for p in kiosk.problems] == ["printer"]


def test_kiosks_are_counted_and_sorted_worst_first():
    def kiosk(kiosk_id, **beat):
        return kiosk_status({**heartbeat(**beat), "kiosk_id": kiosk_id}, [], NOW, silent_after_seconds=SILENT_AFTER)

    kiosks = [kiosk("a", printer="ok"), kiosk("b", printer="degraded"), kiosk("c", seconds_ago=600),
              kiosk("d", reader="error"), kiosk("e")]
    assert [k.kiosk_id for k in worst_first(kiosks)] == ["c", "d", "b", "a", "e"]
    assert fleet_counts(kiosks) == {"in_service": 2, "degraded": 2, "error": 1, "silent": 1}


@pytest.mark.parametrize("seconds, zh, en", [(3, "刚刚", "just now"), (40, "40 秒前", "40 s ago"),
                                             (180, "3 分钟前", "3 min ago"), (7300, "2 小时前", "2 h ago"),
                                             (3 * 86400 + 5, "3 天前", "3 d ago")])
def test_times_read_as_how_long_ago(seconds, zh, en):
    then = NOW - timedelta(seconds=seconds)
    assert (relative_time(then, NOW, "zh"), relative_time(then, NOW, "en")) == (zh, en)
