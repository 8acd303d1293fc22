"""The embedded demo hall, the command line, and the database's forward-only migrations (SQLite and PostgreSQL)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from domain.demo_citizens import DEMO_CITIZENS, demo_citizen
from hall_server import db
from hall_server.app import HallConfig
from hall_server.embedded import start_embedded
from hall_server.kiosk_secrets import write_kiosks_file
from hall_server.seed import DEMO_WAITING, MATTERS, QUEUES
from hall_server.server import prepare_database
from kiosk.hall.client import HallClient, HallUnavailable
from tests.fixtures.hall import hall_execute, hall_rows, start_live_hall

ROOT = Path(__file__).resolve().parents[2]


def test_embedded_hall_serves_the_demo_over_http_and_stops(tmp_path):
    hall = start_embedded(str(tmp_path / "demo.sqlite3"), "kiosk-demo-01", "demo-secret", call_interval=None)
    client = HallClient(hall.base_url, "kiosk-demo-01", "demo-secret", connect_timeout=1, read_timeout=5, retries=0)
    try:
        assert hall.base_url.startswith("http://127.0.0.1:")
        assert all(queue.open for queue in client.queues())        # demo: open whatever the time
        resident = demo_citizen("resident").id_number
        assert len(client.todays_appointments(resident)) == 2
        ticket = client.issue_ticket("social")                    # citizens were already waiting
        assert ticket.number == f"A{DEMO_WAITING['social'] + 1:03d}"
        assert ticket.people_ahead == DEMO_WAITING["social"]
    finally:
        hall.stop()
    with pytest.raises(HallUnavailable):
        client.queues()


def test_embedded_hall_starts_from_a_fresh_database_every_time(tmp_path):
    path = str(tmp_path / "demo.sqlite3")
    for _ in range(2):
        hall = start_embedded(path, "k", b"s", call_interval=None)
        client = HallClient(hall.base_url, "k", b"s", retries=0)
        try:
            assert client.issue_ticket("tax").number == f"F{DEMO_WAITING['tax'] + 1:03d}"
        finally:
            client.close()
            hall.stop()


def test_migration_is_forward_only_and_idempotent(hall_database):
    assert db.migrate(hall_database) == db.latest_version()
    hall_execute(hall_database, "INSERT INTO settings VALUES ('marker', 'kept')")
    assert db.migrate(hall_database) == db.latest_version()
    assert hall_rows(hall_database, "SELECT value FROM settings WHERE key = 'marker'") == [("kept",)]
    if not db.is_postgresql(hall_database):
        assert hall_rows(hall_database, "PRAGMA journal_mode") == [("wal",)]


def test_demo_seed_covers_the_demo_citizens_and_a_real_looking_hall(hall_database):
    config = HallConfig(db_path=hall_database, kiosks={})
    prepare_database(config, demo=True)
    prepare_database(config, demo=True)                          # a second start seeds nothing twice
    assert hall_rows(hall_database, "SELECT COUNT(*) FROM queues") == [(len(QUEUES),)]
    assert hall_rows(hall_database, "SELECT COUNT(*) FROM matters") == [(len(MATTERS),)]
    with_data = {row[0] for row in hall_rows(hall_database, "SELECT id_number FROM records UNION"
                                             " SELECT id_number FROM appointments UNION SELECT id_number FROM cases")}
    assert with_data == {citizen.id_number for citizen in DEMO_CITIZENS}
    names = {m[2] for m in MATTERS}
    assert {"社保参保登记", "医疗费用零星报销", "新生儿参保登记", "换领机动车驾驶证", "公积金提取", "营业执照办理",
            "不动产登记", "老龄补贴年审", "代开发票"} <= names


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_command_line_serves_the_api(hall_database, tmp_path):
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "hall_server", "--host", "127.0.0.1", "--port", str(port),
                                "--db", hall_database, "--kiosks-file",
                                str(write_kiosks_file(tmp_path / "kiosks", {"kiosk-cli": "cli-secret-0123456789"})),
                                "--always-open", "--simulate", "0"],
                               cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        banner = process.stderr.readline()                        # printed once the socket is bound
        assert f"http://127.0.0.1:{port}" in banner
        client = HallClient(f"http://127.0.0.1:{port}", "kiosk-cli", "cli-secret-0123456789", retries=0)
        assert client.issue_ticket("social").number == "A001"
        client.close()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)


def test_a_database_of_an_older_version_is_migrated_forward_keeping_its_rows(hall_database):
    assert db.migrate(hall_database, up_to=1) == 1
    hall_execute(hall_database, "INSERT INTO idempotency VALUES ('k', 'key-1', 'h', 'done', 201, '{}', 1.0)")
    assert db.migrate(hall_database) == db.latest_version() >= 2
    assert hall_rows(hall_database, "SELECT key FROM idempotency") == [("key-1",)]
    index = ("SELECT indexname FROM pg_indexes WHERE indexname = 'idempotency_age'"
             if db.is_postgresql(hall_database) else "SELECT name FROM sqlite_master WHERE name = 'idempotency_age'")
    assert hall_rows(hall_database, index) == [("idempotency_age",)]


def test_stored_answers_older_than_a_week_are_purged(hall_server, hall_client):
    hall_execute(hall_server.db_path, "INSERT INTO idempotency VALUES (?, 'ancient-key', 'h', 'done', 201, '{}', 1.0)",
                 (hall_server.kiosk_id,))
    hall_client.issue_ticket("social")
    keys = [row[0] for row in hall_rows(hall_server.db_path, "SELECT key FROM idempotency")]
    assert "ancient-key" not in keys and len(keys) == 1


def test_complaints_from_before_the_reference_keep_their_numbers_and_the_next_follows_on(tmp_path, hall_database):
    """GIVEN a version-2 database with two complaints of the day WHEN migrated and served THEN they keep their
    numbers (with no reference) and the next complaint of the day is numbered after them."""
    assert db.migrate(hall_database, up_to=2) == 2
    for number, at in (("TS202611230001", "2026-11-23T09:00:00+08:00"),
                       ("TS202611230002", "2026-11-23T09:30:00+08:00")):
        hall_execute(hall_database, "INSERT INTO complaints VALUES (?, 'complaint', '等候时间太长了', NULL, NULL, NULL,"
                     " 'k', ?)", (number, at))
    hall = start_live_hall(tmp_path, database=hall_database)
    try:
        client = hall.client()
        receipt = client.submit_complaint("complaint", "窗口工作人员离岗时间过长", idempotency_key="7F3K-9Q2M-XA4B-C8D1")
        client.close()
    finally:
        hall.server.stop()
    assert receipt.number == "TS202611230003"
    assert hall_rows(hall_database, "SELECT number, reference FROM complaints ORDER BY number") == [
        ("TS202611230001", None), ("TS202611230002", None), ("TS202611230003", "7F3K-9Q2M-XA4B-C8D1")]
