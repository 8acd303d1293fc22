"""The embedded demo utility, the command line, the database's forward-only migrations, and a locked
database answered with 503 before anything is done (so the identical request may come again)."""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from domain.gas_signing import GAS_SIGNING
from gas_server import db
from gas_server.app import GasConfig
from gas_server.embedded import start_embedded
from gas_server.seed import DEMO_HOUSEHOLDS
from gas_server.server import prepare_database
from kiosk.gas.utility import GasUtilityClient, GasUtilityUnavailable
from tests.fixtures.gas_utility import TERMINALS, new_key, start_live_gas_utility

ROOT = Path(__file__).resolve().parents[2]


def test_the_embedded_utility_serves_the_demo_households_over_http_and_stops(tmp_path):
    utility = start_embedded(str(tmp_path / "gas.sqlite3"), "demo-gas-terminal-01", "demo-gas-key-0123456789")
    client = GasUtilityClient(utility.base_url, "demo-gas-terminal-01", "demo-gas-key-0123456789", retries=0)
    try:
        assert utility.base_url.startswith("http://127.0.0.1:")
        assert client.account("3101002468", 3).can_buy
        assert client.account("3101002471", 5).card_status == "rewrite_pending"
    finally:
        utility.stop()
    with pytest.raises(GasUtilityUnavailable):
        client.utility_info()
    client.close()


def test_the_embedded_utility_starts_from_a_fresh_database_every_time(tmp_path):
    path = str(tmp_path / "gas.sqlite3")
    for _ in range(2):
        utility = start_embedded(path, "t", b"key-key-key-key-key")
        with GasUtilityClient(utility.base_url, "t", b"key-key-key-key-key", retries=0) as client:
            quote = client.quote("3101002468", volume_tenths_m3=100)
            assert client.create_order("3101002468", 4, quote, idempotency_key=new_key()).order_id.endswith("000001")
        utility.stop()


def test_migration_is_forward_only_and_idempotent_and_seeding_happens_once(tmp_path):
    config = GasConfig(db_path=str(tmp_path / "gas.sqlite3"), terminals={})
    assert db.migrate(config.db_path) == db.latest_version() == 1
    prepare_database(config, demo=True)
    prepare_database(config, demo=True)
    with sqlite3.connect(config.db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM accounts").fetchone()[0] == len(DEMO_HOUSEHOLDS)
        assert conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 1          # the lost write
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn = db.connect(config.db_path)
    try:
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2                      # FULL
    finally:
        conn.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_command_line_serves_the_api(tmp_path):
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "gas_server", "--host", "127.0.0.1", "--port", str(port),
                                "--db", str(tmp_path / "cli.sqlite3"), "--terminal", "gt-cli:cli-key-0123456789"],
                               cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        banner = process.stderr.readline()                        # printed once the socket is bound
        assert f"http://127.0.0.1:{port}" in banner and "gt-cli" in banner
        with GasUtilityClient(f"http://127.0.0.1:{port}", "gt-cli", "cli-key-0123456789", retries=0) as client:
            assert client.account("3101002468", 3).purchase_count == 3
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0


def test_a_locked_database_is_a_503_that_did_nothing_and_the_same_signed_request_may_come_again(
        tmp_path, gas_openapi_contract):
    utility = start_live_gas_utility(tmp_path, gas_openapi_contract, db_busy_timeout_seconds=0.1)
    try:
        raw = json.dumps({"card_number": "3101002468", "purchase_count": 4, "amount_fen": 2670,
                          "volume_tenths_m3": 100}).encode()
        headers = GAS_SIGNING.sign("gas-test-01", TERMINALS["gas-test-01"], "POST", "/v1/orders", raw)
        headers.update({"Content-Type": "application/json", "Idempotency-Key": new_key()})
        blocker = sqlite3.connect(utility.db_path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            busy = requests.post(utility.base_url + "/v1/orders", data=raw, headers=headers, timeout=10)
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        gas_openapi_contract.check(busy)
        assert (busy.status_code, busy.json()["code"]) == (503, "database_busy")
        assert utility.rows("SELECT COUNT(*) FROM idempotency") == [(0,)]
        again = requests.post(utility.base_url + "/v1/orders", data=raw, headers=headers, timeout=10)
        assert again.status_code == 201
        assert utility.rows("SELECT COUNT(*) FROM orders WHERE terminal_id = 'gas-test-01'") == [(1,)]
    finally:
        utility.server.stop()
