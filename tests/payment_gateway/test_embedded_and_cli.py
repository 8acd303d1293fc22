"""The gateway as the demo starts it (fresh keys and database) and as `python -m payment_gateway` keeps its keys."""

from __future__ import annotations

import stat

import requests

from payment_gateway.__main__ import load_or_make_keys
from payment_gateway.embedded import gateway_config_for, start_embedded
from payment_gateway.server import GatewayServer


def test_the_demo_gateway_starts_fresh_with_new_keys_every_time(tmp_path):
    path = str(tmp_path / "gateway.sqlite3")
    first = start_embedded(path)
    try:
        requests.post(f"{first.base_url}/_control/behaviours", json={"out_trade_no": "GT20261123000001",
                                                                     "behaviour": {}}, timeout=5).raise_for_status()
        assert first.server.order("GT20261123000001") is None
    finally:
        first.stop()
    second = start_embedded(path)
    try:
        assert second.keys.platform_public_key_id != first.keys.platform_public_key_id
        assert requests.get(f"{second.base_url}/healthz", timeout=5).json()["status"] == "ok"
        assert requests.get(f"{second.base_url}/_control/orders", timeout=5).json() == {"orders": []}
    finally:
        second.stop()


def test_without_control_the_panel_does_not_exist(tmp_path, payment_keys):
    config = gateway_config_for(payment_keys, str(tmp_path / "g.sqlite3"), control=False)
    with GatewayServer(config) as server:
        answer = requests.get(f"{server.base_url}/_control/orders", timeout=5)
        assert (answer.status_code, answer.json()["code"]) == (404, "NOT_FOUND")


def test_the_command_line_keeps_the_keys_it_made(tmp_path):
    made = load_or_make_keys(tmp_path / "keys")
    again = load_or_make_keys(tmp_path / "keys")
    assert (again.mchid, again.platform_public_key_id, again.merchant.public_pem) == (
        made.mchid, made.platform_public_key_id, made.merchant.public_pem)
    for name in ("merchant_private.pem", "platform_private.pem"):
        assert stat.S_IMODE((tmp_path / "keys" / name).stat().st_mode) == 0o600
