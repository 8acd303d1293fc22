"""Hostile and malformed input: every such request gets a 4xx problem document, never a 500, and never
changes anything; a body over 16 KiB (1 MiB here) is refused before it is read."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

POST_PATHS = ["/v1/accounts/lookup", "/v1/rewrites/lookup", "/v1/quotes", "/v1/orders",
              "/v1/orders/GO20261123000001/payment", "/v1/orders/GO20261123000001/write/reserve",
              "/v1/orders/GO20261123000001/write/confirm", "/v1/orders/GO20261123000001/refund"]


def _problem(response, *statuses):
    assert response.status_code in statuses, response.text[:300]
    assert response.headers["Content-Type"].startswith("application/problem+json")
    document = response.json()
    assert {"type", "title", "status", "code", "message_zh", "message_en"} <= set(document)
    assert document["status"] == response.status_code
    return document


@pytest.mark.parametrize("path", POST_PATHS)
@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b"null", b'"text"', b"{", b"\xff\xfe",
                                 b'{"a": ' * 2000])
def test_a_body_that_is_not_a_json_object_is_a_400(shared_gas_utility, path, raw):
    assert _problem(shared_gas_utility.send("POST", path, raw=raw, checked=False), 400)["code"] == "malformed_json"


@pytest.mark.parametrize("path", POST_PATHS)
def test_a_body_of_another_media_type_is_a_415(shared_gas_utility, path):
    response = shared_gas_utility.send("POST", path, raw=b"card_number=1",
                                       content_type="application/x-www-form-urlencoded", checked=False)
    assert _problem(response, 415)["code"] == "unsupported_media_type"


@pytest.mark.parametrize("path", POST_PATHS + ["/v1/utility"])
def test_a_body_of_one_mebibyte_is_refused_unread(gas_utility, path):
    raw = json.dumps({"card_number": "3101002468", "padding": "x" * (1 << 20)}).encode()
    method = "GET" if path == "/v1/utility" else "POST"
    assert _problem(gas_utility.send(method, path, raw=raw, checked=False), 413)["code"] == "payload_too_large"
    assert gas_utility.rows("SELECT COUNT(*) FROM orders WHERE terminal_id LIKE 'gas-test-%'") == [(0,)]


@pytest.mark.parametrize("path, body, field", [
    ("/v1/accounts/lookup", {"card_number": "3101002468"}, "purchase_count"),
    ("/v1/accounts/lookup", {"card_number": "3101002468", "purchase_count": "3"}, "purchase_count"),
    ("/v1/accounts/lookup", {"card_number": "3101002468", "purchase_count": True}, "purchase_count"),
    ("/v1/accounts/lookup", {"card_number": "3101002468", "purchase_count": -1}, "purchase_count"),
    ("/v1/accounts/lookup", {"card_number": "3101002468", "purchase_count": 65536}, "purchase_count"),
    ("/v1/accounts/lookup", {"card_number": "../../etc/passwd", "purchase_count": 3}, "card_number"),
    ("/v1/accounts/lookup", {"card_number": 3101002468, "purchase_count": 3}, "card_number"),
    ("/v1/accounts/lookup", {"card_number": "3101002468", "purchase_count": 3, "extra": 1}, "extra"),
    ("/v1/quotes", {"card_number": "3101002468", "amount_fen": 100.5}, "amount_fen"),
    ("/v1/quotes", {"card_number": "3101002468", "amount_fen": 0}, "amount_fen"),
    ("/v1/quotes", {"card_number": "3101002468", "volume_tenths_m3": 10 ** 12}, "volume_tenths_m3"),
    ("/v1/orders", {"card_number": "3101002468", "purchase_count": 0, "amount_fen": 1, "volume_tenths_m3": 1},
     "purchase_count"),
    ("/v1/orders/GO20261123000001/payment", {"outcome": "paid", "method": "wechat_code"}, "(body)"),
    ("/v1/orders/GO20261123000001/payment", {"outcome": "maybe", "method": "wechat_code"}, "outcome"),
    ("/v1/orders/GO20261123000001/payment", {"outcome": "paid", "method": "cash", "transaction_id": "1",
                                             "amount_fen": 1, "paid_at": "2026-11-23T10:00:00+08:00"}, "method"),
    ("/v1/orders/GO20261123000001/payment", {"outcome": "paid", "method": "wechat_code", "transaction_id": "1",
                                             "amount_fen": 1, "paid_at": "2026-11-23 10:00"}, "paid_at"),
    ("/v1/orders/GO20261123000001/payment", {"outcome": "not_paid", "method": "wechat_code"}, "(body)"),
    ("/v1/orders/GO20261123000001/write/reserve", {"anything": 1}, "anything"),
    ("/v1/orders/GO20261123000001/write/confirm", {"reservation_id": "wr1", "outcome": "written"}, "(body)"),
    ("/v1/orders/GO20261123000001/write/confirm", {"reservation_id": "wr1", "outcome": "written", "read_back": {
        "purchase_count": 4, "gas": {"measure": "litres", "value": 1}, "awaiting_meter": True}},
     "read_back.gas.measure"),
    ("/v1/orders/GO20261123000001/write/confirm", {"reservation_id": "wr1", "outcome": "failed"}, "(body)"),
    ("/v1/orders/GO20261123000001/refund", {"reason": "write_failed", "method": "cash", "reference": "r"}, "method"),
    ("/v1/orders/GO20261123000001/refund", {"reason": "write_failed", "method": "refund", "reference": "a b"},
     "reference"),
])
def test_an_invalid_body_names_the_field_without_echoing_the_value(shared_gas_utility, path, body, field):
    document = _problem(shared_gas_utility.send("POST", path, body, checked=False), 422)
    assert document["code"] == "invalid_request"
    assert field in [error["field"] for error in document["errors"]]
    assert "passwd" not in json.dumps(document) and "3101002468" not in json.dumps(document)


def test_an_unknown_path_and_a_wrong_method_are_problem_documents(shared_gas_utility):
    assert _problem(shared_gas_utility.send("GET", "/v1/nowhere", checked=False), 404)["code"] == "not_found"
    assert _problem(shared_gas_utility.send("DELETE", "/v1/orders/GO20261123000001", checked=False),
                    405)["code"] == "method_not_allowed"


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                           lambda children: st.lists(children, max_size=4)
                           | st.dictionaries(st.text(max_size=12), children, max_size=4), max_leaves=12)
fields = st.sampled_from(["card_number", "purchase_count", "amount_fen", "volume_tenths_m3", "outcome", "method",
                          "transaction_id", "paid_at", "reason", "reservation_id", "read_back", "error_code",
                          "reference"])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(POST_PATHS), body=st.dictionaries(fields, json_values, max_size=6))
def test_property_no_body_makes_the_server_fail(gas_utility, path, body):
    response = gas_utility.send("POST", path, body, checked=False)
    assert response.status_code < 500, response.text[:300]
