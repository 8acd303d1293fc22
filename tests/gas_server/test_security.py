"""Terminal credentials and idempotency against the live utility over loopback HTTP: who may call, that a
signature binds method, path and body, that a captured request cannot be replayed, and that a retried write
acts once."""

from __future__ import annotations

import sqlite3
import time

import pytest
import requests

from domain.gas_signing import GAS_SIGNING
from domain.hall_signing import sign_request as sign_for_the_hall
from gas_server.security import request_digest
from tests.fixtures.gas_utility import TERMINALS, new_key

LOOKUP = ("/v1/accounts/lookup", {"card_number": "3101002468", "purchase_count": 3})


def _code(response) -> tuple[int, str]:
    assert response.headers["Content-Type"].startswith("application/problem+json")
    return response.status_code, response.json()["code"]


def _orders(utility) -> int:
    return utility.rows("SELECT COUNT(*) FROM orders WHERE terminal_id LIKE 'gas-test-%'")[0][0]


ORDER = {"card_number": "3101002468", "purchase_count": 4, "amount_fen": 13350, "volume_tenths_m3": 500}


def test_a_signed_request_is_served(gas_utility):
    assert gas_utility.send("POST", *LOOKUP).status_code == 200


def test_an_unsigned_request_is_refused(gas_utility):
    response = requests.get(gas_utility.base_url + "/v1/utility", timeout=10)
    assert _code(response) == (401, "missing_signature")


def test_an_unknown_terminal_is_refused_and_creates_nothing(gas_utility):
    response = gas_utility.send("POST", "/v1/orders", ORDER, terminal_id="gas-stranger-99", key=b"whatever-key")
    assert _code(response) == (401, "unknown_terminal")
    assert _orders(gas_utility) == 0


def test_a_wrong_key_is_refused_and_creates_nothing(gas_utility):
    response = gas_utility.send("POST", "/v1/orders", ORDER, key=b"guessed-key-guessed-key")
    assert _code(response) == (401, "bad_signature")
    assert _orders(gas_utility) == 0


def test_another_terminals_key_does_not_sign_for_this_one(gas_utility):
    response = gas_utility.send("POST", *LOOKUP, terminal_id="gas-test-01", key=TERMINALS["gas-test-02"])
    assert _code(response) == (401, "bad_signature")


def test_a_hall_signature_with_the_same_secret_is_refused(gas_utility):
    """The gas scheme's label line: a request signed the hall's way (X-Kiosk-* headers, no label) never
    passes, even renamed to the gas headers, even with the very same secret."""
    raw = b'{"card_number":"3101002468","purchase_count":3}'
    hall = sign_for_the_hall("gas-test-01", TERMINALS["gas-test-01"], "POST", LOOKUP[0], raw,
                             host=gas_utility.base_url.split("//", 1)[1])
    renamed = {name.replace("X-Kiosk-Id", "X-Gas-Terminal").replace("X-Kiosk-", "X-Gas-"): value
               for name, value in hall.items()}
    for headers in (hall, renamed):
        headers = {**headers, "Content-Type": "application/json", "Idempotency-Key": new_key()}
        response = requests.post(gas_utility.base_url + LOOKUP[0], data=raw, headers=headers, timeout=10)
        assert _code(response)[0] == 401
    assert _code(requests.post(gas_utility.base_url + LOOKUP[0], data=raw, timeout=10,
                               headers={**renamed, "Content-Type": "application/json",
                                        "Idempotency-Key": new_key()}))[1] == "bad_signature"


def test_a_body_changed_after_signing_is_refused(gas_utility):
    raw = b'{"card_number":"3101002468","purchase_count":4,"amount_fen":13350,"volume_tenths_m3":500}'
    headers = GAS_SIGNING.sign("gas-test-01", TERMINALS["gas-test-01"], "POST", "/v1/orders", raw)
    headers.update({"Content-Type": "application/json", "Idempotency-Key": new_key()})
    tampered = raw.replace(b"13350", b"00001")
    response = requests.post(gas_utility.base_url + "/v1/orders", data=tampered, headers=headers, timeout=10)
    assert _code(response) == (401, "bad_signature")
    assert _orders(gas_utility) == 0


def test_a_signature_for_another_path_is_refused(gas_utility):
    headers = GAS_SIGNING.sign("gas-test-01", TERMINALS["gas-test-01"], "GET", "/v1/utility", b"")
    response = requests.get(gas_utility.base_url + "/v1/orders/GO20261123000001", headers=headers, timeout=10)
    assert _code(response) == (401, "bad_signature")


@pytest.mark.parametrize("skew", [-360, 360, -3600])
def test_a_stale_or_future_timestamp_is_refused(gas_utility, skew):
    response = gas_utility.send("GET", "/v1/utility", now=time.time() + skew)
    assert _code(response) == (401, "stale_timestamp")


def test_a_timestamp_within_the_window_is_accepted(gas_utility):
    assert gas_utility.send("GET", "/v1/utility", now=time.time() - 200).status_code == 200


def test_a_replayed_payment_record_is_refused(gas_utility):
    """A captured "record payment" sent again verbatim (same nonce) is refused before it is looked at."""
    order = gas_utility.send("POST", "/v1/orders", ORDER).json()
    path = f"/v1/orders/{order['order_id']}/payment"
    raw = (b'{"outcome":"paid","method":"wechat_code","transaction_id":"4200001","amount_fen":13350,'
           b'"paid_at":"2026-11-23T10:00:20+08:00"}')
    headers = GAS_SIGNING.sign("gas-test-01", TERMINALS["gas-test-01"], "POST", path, raw)
    headers.update({"Content-Type": "application/json", "Idempotency-Key": new_key()})
    assert requests.post(gas_utility.base_url + path, data=raw, headers=headers, timeout=10).status_code == 200
    replay = requests.post(gas_utility.base_url + path, data=raw, headers=headers, timeout=10)
    assert _code(replay) == (401, "replayed_request")


def test_public_pages_need_no_signature(gas_utility):
    assert requests.get(gas_utility.base_url + "/healthz", timeout=10).json() == {"status": "ok", "schema_version": 1}
    assert requests.get(gas_utility.base_url + "/openapi.yaml", timeout=10).text.startswith("openapi: 3.1")


@pytest.mark.parametrize("key", [None, "short", "x" * 129, "schlüssel-äöü-12345"])
def test_a_post_without_a_usable_idempotency_key_is_refused(gas_utility, key):
    headers = {"Idempotency-Key": key} if key is not None else {}
    raw = b'{"card_number":"3101002468","purchase_count":3}'
    signed = GAS_SIGNING.sign("gas-test-01", TERMINALS["gas-test-01"], "POST", LOOKUP[0], raw)
    signed.update({"Content-Type": "application/json"})
    signed.update({name: value.encode("utf-8").decode("latin-1") for name, value in headers.items()})
    response = requests.post(gas_utility.base_url + LOOKUP[0], data=raw, headers=signed, timeout=10)
    assert _code(response) == (400, "idempotency_key_missing")


def test_a_refusal_is_kept_too_so_a_repeat_gets_the_same_answer(gas_utility):
    key = new_key()
    body = {**ORDER, "purchase_count": 9}
    first = gas_utility.send("POST", "/v1/orders", body, idempotency_key=key)
    again = gas_utility.send("POST", "/v1/orders", body, idempotency_key=key)
    assert _code(first) == _code(again) == (409, "purchase_count_mismatch")
    assert again.headers["Idempotent-Replayed"] == "true" and again.text == first.text


def test_keys_are_per_terminal(gas_utility):
    key = new_key()
    first = gas_utility.send("POST", "/v1/orders", ORDER, idempotency_key=key)
    other = gas_utility.send("POST", "/v1/orders", ORDER, idempotency_key=key, terminal=2)
    assert first.status_code == 201
    assert _code(other) == (409, "order_exists") and "Idempotent-Replayed" not in other.headers


def test_a_repeat_while_the_first_is_in_flight_gets_409_and_a_crashed_claim_is_taken_over(gas_utility):
    key = new_key()
    digest = request_digest("POST", "/v1/orders", b'{"card_number":"3101002468","purchase_count":4,'
                                                  b'"amount_fen":13350,"volume_tenths_m3":500}')
    with sqlite3.connect(gas_utility.db_path) as db:
        db.execute("INSERT INTO idempotency VALUES ('gas-test-01', ?, ?, 'in_flight', NULL, NULL, ?)",
                   (key, digest, time.time()))
    assert _code(gas_utility.send("POST", "/v1/orders", ORDER, idempotency_key=key)) == (409, "request_in_flight")
    assert _orders(gas_utility) == 0
    with sqlite3.connect(gas_utility.db_path) as db:
        db.execute("UPDATE idempotency SET created_at = created_at - 121")
    assert gas_utility.send("POST", "/v1/orders", ORDER, idempotency_key=key).status_code == 201
    assert _orders(gas_utility) == 1


def test_lookups_demand_a_key_but_keep_no_answer(gas_utility):
    key = new_key()
    assert gas_utility.send("POST", *LOOKUP, idempotency_key=key).status_code == 200
    assert gas_utility.send("POST", *LOOKUP, idempotency_key=key).headers.get("Idempotent-Replayed") is None
    assert gas_utility.rows("SELECT COUNT(*) FROM idempotency") == [(0,)]
