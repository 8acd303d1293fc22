"""The outbox store: committed on return, sealed at rest, bounded by a clear rule, typed errors."""

from __future__ import annotations

import re
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from domain.citizen_id import check_digit
from kiosk.outbox.errors import OutboxAlert, OutboxBusy, OutboxCorrupt, OutboxFull, OutboxKeyError, OutboxUnavailable
from kiosk.outbox.store import Outbox, derive_key, new_item_id

KEY = derive_key("test-outbox-key-not-for-production")
FAKE_ID_NUMBER = "11010519491231002" + check_digit("11010519491231002")
FAKE_NAME = "测试甲"
FAKE_PHONE = "13800001234"


def complaint(text: str = "排队时间太长了，希望增加窗口", **extra: str) -> dict:
    return {"kind": "complaint", "content": text, **extra}


class Clock:
    def __init__(self, now: float = 1_795_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def alerts() -> list[OutboxAlert]:
    return []


@pytest.fixture
def outbox(tmp_path: Path, alerts: list[OutboxAlert]):
    box = Outbox(tmp_path / "outbox.sqlite3", KEY, on_alert=alerts.append)
    yield box
    box.close()


def file_bytes(path: Path) -> bytes:
    return b"".join(Path(str(path) + suffix).read_bytes() for suffix in ("", "-wal")
                    if Path(str(path) + suffix).exists())


def test_an_enqueued_item_is_in_the_files_when_enqueue_returns(tmp_path: Path) -> None:
    """GIVEN an outbox WHEN a complaint is enqueued THEN the database and WAL files as they are at that
    moment (copied while the outbox is still open, as a power cut would leave them) hold it, with the
    same id and payload. (SIGKILL at any point: tests/kiosk/test_outbox_crash.py.)"""
    first = Outbox(tmp_path / "o.sqlite3", KEY)
    reference = first.enqueue_complaint(complaint())
    (tmp_path / "copy").mkdir()
    for suffix in ("", "-wal"):
        shutil.copyfile(tmp_path / f"o.sqlite3{suffix}", tmp_path / "copy" / f"o.sqlite3{suffix}")
    second = Outbox(tmp_path / "copy" / "o.sqlite3", KEY)
    [item] = second.pending("feedback", 10)
    assert (item.id, item.kind, item.payload) == (reference, "complaint", complaint())
    first.close()
    second.close()


def test_one_process_owns_the_file_and_another_is_refused_with_a_typed_error(tmp_path: Path) -> None:
    """A second kiosk app on the same data directory must not send the same items: it cannot open the outbox."""
    owner = Outbox(tmp_path / "o.sqlite3", KEY)
    with pytest.raises(OutboxBusy, match="another process holds it"):
        Outbox(tmp_path / "o.sqlite3", KEY, busy_timeout=0.05)
    owner.enqueue_complaint(complaint())
    owner.close()
    after = Outbox(tmp_path / "o.sqlite3", KEY, busy_timeout=0.05)
    assert after.stats().pending == 1
    after.close()


def test_every_connection_is_wal_with_full_sync(outbox: Outbox) -> None:
    assert outbox._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert outbox._conn.execute("PRAGMA synchronous").fetchone()[0] == 2       # FULL
    assert outbox._conn.execute("PRAGMA secure_delete").fetchone()[0] == 1


def test_item_ids_are_readable_references_that_do_not_repeat() -> None:
    ids = {new_item_id() for _ in range(5000)}
    assert len(ids) == 5000
    assert all(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", i) for i in ids)


def test_personal_data_is_not_in_the_file_in_plain_text(tmp_path: Path, outbox: Outbox) -> None:
    """GIVEN a review with a call-back phone and a complaint naming a citizen and an identity number
    THEN neither the database nor its WAL contains any of them, yet the sender reads them back."""
    outbox.enqueue_review({"ticket_id": "T1", "level": "dissatisfied", "reasons": ["long_wait"],
                           "callback_phone": FAKE_PHONE})
    outbox.enqueue_complaint(complaint(f"{FAKE_NAME}的身份证{FAKE_ID_NUMBER}办理太慢"))
    raw = file_bytes(outbox.path)
    for secret in (FAKE_PHONE, FAKE_NAME, FAKE_ID_NUMBER, "long_wait"):
        assert secret.encode("utf-8") not in raw
    payloads = [item.payload for item in outbox.pending("feedback", 10)]
    assert payloads[0]["callback_phone"] == FAKE_PHONE
    assert FAKE_ID_NUMBER in payloads[1]["content"]


def test_the_key_is_not_stored_and_another_key_is_refused(tmp_path: Path) -> None:
    Outbox(tmp_path / "o.sqlite3", KEY).close()
    assert KEY not in file_bytes(tmp_path / "o.sqlite3")
    with pytest.raises(OutboxKeyError, match="another outbox_key"):
        Outbox(tmp_path / "o.sqlite3", derive_key("some-other-key-entirely"))


def test_a_missing_or_short_outbox_key_is_a_typed_error() -> None:
    for value in ("", "short"):
        with pytest.raises(OutboxKeyError, match="outbox_key"):
            derive_key(value)
    assert derive_key("x" * 16) == derive_key("x" * 16) != derive_key("y" * 16)


def test_a_sealed_body_cannot_be_moved_to_another_item(outbox: Outbox, alerts: list[OutboxAlert]) -> None:
    """GIVEN two items WHEN the first's sealed body is copied onto the second (tampering or damage)
    THEN the second is parked as dead with an alert and the first is still delivered."""
    first = outbox.enqueue_complaint(complaint("第一条投诉内容"))
    second = outbox.enqueue_complaint(complaint("第二条投诉内容"))
    outbox._conn.execute("UPDATE items SET sealed = (SELECT sealed FROM items WHERE id = ?) WHERE id = ?", (first, second))
    assert [item.id for item in outbox.pending("feedback", 10)] == [first]
    [dead] = outbox.dead_items()
    assert dead.id == second and "decrypted" in dead.reason
    assert any(alert.code == "outbox_item_corrupt" and alert.level == "critical" for alert in alerts)


def test_acknowledged_items_are_deleted(outbox: Outbox) -> None:
    ids = [outbox.enqueue_complaint(complaint(f"投诉内容第{i}条")) for i in range(3)]
    delivered = outbox.pending("feedback", 2)
    assert outbox.acknowledge(delivered) == 2
    assert outbox.acknowledge(delivered) == 0
    assert [item.id for item in outbox.pending("feedback", 10)] == ids[2:]
    assert outbox._conn.execute("SELECT id FROM items").fetchall() == [(ids[2],)]
    assert outbox.stats().pending == 1


def test_items_come_out_in_order_per_stream(outbox: Outbox) -> None:
    feedback = []
    for i in range(5):
        feedback.append(outbox.enqueue_complaint(complaint(f"投诉内容第{i}条")))
        outbox.enqueue_event("printer.paper_low", "warning", f"event {i}")
        feedback.append(outbox.enqueue_review({"case_number": f"C{i}", "level": "satisfied"}))
    assert [item.id for item in outbox.pending("feedback", 100)] == feedback
    assert [item.payload["message"] for item in outbox.pending("events", 100)] == [f"event {i}" for i in range(5)]


def test_only_the_newest_heartbeat_is_kept(outbox: Outbox) -> None:
    for uptime in (60, 120, 180):
        newest = outbox.enqueue_heartbeat({"status": "ok", "app_version": "0.1.0", "uptime_seconds": uptime})
    [heartbeat] = outbox.pending("heartbeat", 10)
    assert (heartbeat.id, heartbeat.payload["uptime_seconds"]) == (newest, 180)
    for i in range(3):
        outbox.enqueue_event("door.opened", "info", f"event {i}")
    assert len(outbox.pending("events", 10)) == 3
    assert outbox.stats().pending == 4


def test_bad_input_is_refused_before_anything_is_stored(outbox: Outbox) -> None:
    with pytest.raises(ValueError, match="unknown outbox kind 'ticket'"):
        outbox.enqueue("ticket", {"queue": "social"})
    with pytest.raises(TypeError, match="JSON values"):
        outbox.enqueue_complaint({"kind": "complaint", "content": object()})
    with pytest.raises(TypeError, match="JSON object"):
        outbox.enqueue("complaint", ["not", "a", "mapping"])  # type: ignore[arg-type]
    assert outbox.stats().pending == 0


def test_over_budget_events_and_heartbeats_go_first_oldest_first(tmp_path: Path, alerts: list[OutboxAlert]) -> None:
    """GIVEN a small budget filled with events WHEN complaints arrive THEN the oldest events are dropped
    to make room, counted and alerted, and no complaint is ever dropped."""
    box = Outbox(tmp_path / "o.sqlite3", KEY, max_bytes=6000, on_alert=alerts.append)
    events = [box.enqueue_event("sensor.tick", "info", f"event {i}") for i in range(20)]
    complaints = [box.enqueue_complaint(complaint(f"投诉内容第{i}条")) for i in range(12)]
    kept_events = [item.id for item in box.pending("events", 100)]
    assert kept_events == events[len(events) - len(kept_events):]          # the newest ones survive
    assert len(kept_events) < 20
    assert [item.id for item in box.pending("feedback", 100)] == complaints
    assert box.stats().dropped_total == 20 - len(kept_events)
    assert box.stats().bytes <= 6000
    assert any(alert.code == "outbox_dropping" for alert in alerts)
    box.close()


def test_when_protected_items_fill_the_budget_the_outbox_refuses_more(tmp_path: Path,
                                                                      alerts: list[OutboxAlert]) -> None:
    box = Outbox(tmp_path / "o.sqlite3", KEY, max_bytes=4000, alert_fraction=0.5, on_alert=alerts.append)
    kept = []
    with pytest.raises(OutboxFull, match="limit is 3 KiB") as refused:
        for i in range(100):
            kept.append(box.enqueue_complaint(complaint(f"{FAKE_NAME}投诉内容第{i}条", contact_phone=FAKE_PHONE)))
    assert FAKE_NAME not in str(refused.value) and FAKE_PHONE not in str(refused.value)
    assert [item.id for item in box.pending("feedback", 200)] == kept
    assert box.stats().dropped_total == 0
    assert [alert.code for alert in alerts] == ["outbox_filling", "outbox_full"]    # warned long before
    assert alerts[1].level == "critical" and box.stats().problem == "outbox_full"
    # A heartbeat has no room either; it is dropped, not an error: only its newest matters anyway.
    box.enqueue_heartbeat({"status": "ok", "app_version": "0.1.0", "uptime_seconds": 1})
    assert box.pending("heartbeat", 10) == [] and box.stats().dropped_total == 1
    box.close()


def test_below_the_disk_reserve_only_protected_items_are_kept(tmp_path: Path, alerts: list[OutboxAlert]) -> None:
    free = [10 * 2**30]
    box = Outbox(tmp_path / "o.sqlite3", KEY, min_free_bytes=64 * 2**20, disk_free=lambda: free[0],
                 disk_check_interval=0, on_alert=alerts.append)
    box.enqueue_event("door.opened", "info")
    assert alerts == []
    free[0] = 200 * 2**20                                   # below 4 x reserve: a maintenance warning
    box.enqueue_event("door.opened", "info")
    assert [alert.code for alert in alerts] == ["outbox_disk_low"]
    free[0] = 10 * 2**20                                    # below the reserve itself
    box.enqueue_event("door.opened", "info")
    reference = box.enqueue_complaint(complaint())
    assert len(box.pending("events", 10)) == 2
    assert [item.id for item in box.pending("feedback", 10)] == [reference]
    assert box.stats().dropped_total == 1
    assert alerts[-1].code == "outbox_dropping"
    box.close()


def test_a_full_disk_is_a_typed_error_and_loses_nothing_committed(tmp_path: Path,
                                                                  alerts: list[OutboxAlert]) -> None:
    """GIVEN an outbox whose file may not grow past 64 KiB (SQLite's own "disk full")
    WHEN complaints keep coming THEN enqueue raises OutboxUnavailable with an alert,
    every complaint it had confirmed is intact, and it works again once space is freed."""
    box = Outbox(tmp_path / "o.sqlite3", KEY, file_size_limit=64 * 1024, on_alert=alerts.append)
    confirmed = []
    with pytest.raises(OutboxUnavailable, match="full") as refused:
        for i in range(2000):
            confirmed.append(box.enqueue_complaint(complaint(f"{FAKE_ID_NUMBER} 投诉内容第{i}条" * 4)))
    assert FAKE_ID_NUMBER not in str(refused.value)
    assert alerts[-1].code == "outbox_disk_full" and alerts[-1].level == "critical"
    assert [item.id for item in box.pending("feedback", 5000)] == confirmed
    assert box.stats().pending == len(confirmed)
    assert box.stats().problem == "outbox_disk_full"
    box.acknowledge(box.pending("feedback", 50))
    box.enqueue_complaint(complaint())
    assert box.stats().problem is None
    box.close()
    reopened = Outbox(tmp_path / "o.sqlite3", KEY)
    assert reopened.stats().pending == len(confirmed) - 50 + 1
    reopened.close()


def test_a_damaged_file_is_refused_and_can_be_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite3"
    path.write_bytes(b"this is not an SQLite database, it was overwritten " * 100)
    with pytest.raises(OutboxCorrupt, match="quarantine"):
        Outbox(path, KEY)
    kept = Outbox.quarantine(path, clock=lambda: 1_795_000_000.0)
    assert kept.name == "outbox.sqlite3.corrupt-20261118T110640Z" and kept.exists() and not path.exists()
    fresh = Outbox(path, KEY)
    assert fresh.stats().pending == 0
    fresh.close()


def test_dead_items_are_kept_without_their_payload_and_can_be_requeued(outbox: Outbox) -> None:
    first = outbox.enqueue_complaint(complaint(f"{FAKE_NAME}的投诉"))
    second = outbox.enqueue_complaint(complaint())
    outbox.park_dead(first, "hall rejected the request: HTTP 422 invalid_request")
    [dead] = outbox.dead_items()
    assert (dead.id, dead.kind, dead.attempts) == (first, "complaint", 1)
    assert FAKE_NAME not in repr(dead)
    assert [item.id for item in outbox.pending("feedback", 10)] == [second]
    assert outbox.stats().dead == 1
    assert outbox.requeue_dead(first) is True
    assert [item.id for item in outbox.pending("feedback", 10)] == [second, first]
    assert outbox.requeue_dead(first) is False
    assert (outbox.stats().dead, outbox.stats().pending) == (0, 2)


def test_only_a_dead_item_is_discarded_and_only_with_a_reason(outbox: Outbox) -> None:
    pending = outbox.enqueue_complaint(complaint())
    dead = outbox.enqueue_complaint(complaint())
    outbox.park_dead(dead, "HTTP 422 invalid_request")
    with pytest.raises(ValueError):
        outbox.discard_dead(dead, " ")
    assert outbox.discard_dead(pending, "settled by hand") is False  # a pending item is never discarded
    assert outbox.discard_dead(dead, "settled by hand") is True
    assert outbox.dead_items() == [] and outbox.stats().dead == 0
    assert [item.id for item in outbox.pending("feedback", 10)] == [pending]


def test_prune_drops_old_events_and_warns_about_an_old_backlog(tmp_path: Path, alerts: list[OutboxAlert]) -> None:
    clock = Clock()
    box = Outbox(tmp_path / "o.sqlite3", KEY, clock=clock, alert_age=3600, max_droppable_age=86400,
                 on_alert=alerts.append)
    box.enqueue_event("door.opened", "info")
    box.enqueue_complaint(complaint())
    clock.now += 1800
    assert box.prune() == 0 and alerts == []
    clock.now += 86400
    recent = box.enqueue_event("door.closed", "info")
    assert box.prune() == 1
    assert [item.id for item in box.pending("events", 10)] == [recent]
    assert box.stats().pending == 2 and box.stats().oldest_pending_age == 88200
    assert [alert.code for alert in alerts] == ["outbox_dropping", "outbox_backlog_old"]
    box.prune()
    assert len(alerts) == 2                                 # one alert per episode, not one per round
    box.close()


def test_counters_survive_a_restart(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3", KEY, max_bytes=3000)
    for i in range(15):
        box.enqueue_event("sensor.tick", "info", f"event {i}")
    dead = box.enqueue_complaint(complaint())
    box.park_dead(dead, "HTTP 422")
    before = box.stats()
    box.close()
    after = Outbox(tmp_path / "o.sqlite3", KEY, max_bytes=3000).stats()
    assert (after.pending, after.dead, after.bytes, after.dropped_total) == \
        (before.pending, before.dead, before.bytes, before.dropped_total)
    assert after.dropped_total > 0


def test_order_per_stream_holds_across_restarts_and_after_a_stream_empties(tmp_path: Path) -> None:
    """Each stream's positions continue where the file left them: after a restart, after the stream
    was drained to empty, and for a stream that appears only later (the gas terminal's confirmations)."""
    path = tmp_path / "o.sqlite3"
    box = Outbox(path, KEY)
    first = [box.enqueue_complaint(complaint(f"投诉内容第{i}条")) for i in range(3)]
    box.close()
    box = Outbox(path, KEY)
    second = [box.enqueue_complaint(complaint(f"投诉内容第{i}条")) for i in range(3, 5)]
    assert [item.id for item in box.pending("feedback", 10)] == first + second
    box.acknowledge(box.pending("feedback", 10))
    third = [box.enqueue_complaint(complaint(f"投诉内容第{i}条")) for i in range(5, 7)]
    late = box.enqueue("complaint", complaint("燃气缴费确认"), stream="payments")
    box.close()
    box = Outbox(path, KEY)
    fourth = box.enqueue_complaint(complaint("重启之后的投诉"))
    assert [item.id for item in box.pending("feedback", 10)] == third + [fourth]
    assert [item.id for item in box.pending("payments", 10)] == [late]
    assert box.pending("never-used", 10) == []
    box.close()


def test_an_outbox_written_by_schema_1_is_upgraded_in_place_without_losing_order(tmp_path: Path) -> None:
    """Schema 1 kept one rowid order for all streams and an index on (state, stream, seq). Opening such
    a file gives each stream its own range, keeps every item and its order, and drops the index."""
    path = tmp_path / "o.sqlite3"
    box = Outbox(path, KEY)
    ids = []
    for i in range(3):
        ids.append(box.enqueue_complaint(complaint(f"投诉内容第{i}条")))
        box.enqueue_event("printer.paper_low", "warning", f"event {i}")
    box.park_dead(ids[0], "HTTP 422")
    box.close()
    with closing(sqlite3.connect(path)) as raw, raw:     # rewrite the file as schema 1 held it: one order for all
        rows = raw.execute("SELECT seq, seq - base FROM items JOIN streams ON name = stream").fetchall()
        raw.execute("UPDATE items SET seq = -seq")
        for new_seq, (seq, _position) in enumerate(sorted(rows, key=lambda row: row[1]), start=1):
            raw.execute("UPDATE items SET seq = ? WHERE seq = ?", (new_seq, -seq))
        raw.execute("DROP TABLE streams")
        raw.execute("CREATE INDEX items_queue ON items (state, stream, seq)")
        raw.execute("PRAGMA user_version = 1")
    box = Outbox(path, KEY)
    assert [item.id for item in box.pending("feedback", 10)] == ids[1:]
    assert [item.payload["message"] for item in box.pending("events", 10)] == [f"event {i}" for i in range(3)]
    assert [dead.id for dead in box.dead_items()] == ids[:1]
    newest = box.enqueue_complaint(complaint("升级之后的投诉"))
    assert [item.id for item in box.pending("feedback", 10)] == ids[1:] + [newest]
    assert box._conn.execute("PRAGMA user_version").fetchone()[0] == 2
    assert box._conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'items_queue'"
                             ).fetchall() == []
    box.close()
