"""Signatures, replays and idempotency keys, against the live server over loopback HTTP."""

from __future__ import annotations

import json
import time
import uuid

import pytest
import requests

from domain.demo_citizens import demo_citizen
from domain.hall_signing import sign_request
from hall_server import db
from hall_server.security import request_digest
from tests.fixtures.hall import hall_execute, hall_rows, start_live_hall
from tests.hall_server.signed import host_of, signed_get, signed_headers


def _post(hall, path, body, *, key=None, secret=None, kiosk_id=None, now=None, nonce=None, headers=None):
    raw = json.dumps(body).encode()
    key = key or uuid.uuid4().hex
    signed = sign_request(kiosk_id or hall.kiosk_id, secret or hall.secret, "POST", path, raw, now=now, nonce=nonce,
                          host=host_of(hall), idempotency_key=(headers or {}).get("Idempotency-Key", key))
    signed.update({"Content-Type": "application/json", "Idempotency-Key": key})
    signed.update(headers or {})
    return requests.post(hall.base_url + path, data=raw, headers=signed, timeout=10)


def _get(hall, path, **sign_options):
    return signed_get(hall, path, **sign_options)


def _code(response):
    assert response.headers["Content-Type"].startswith("application/problem+json")
    return response.status_code, response.json()["code"]


def _tickets(hall):
    return hall_rows(hall.db_path, "SELECT display FROM tickets ORDER BY number")


def test_correctly_signed_request_is_served(hall_server):
    assert _get(hall_server, "/v1/queues").status_code == 200


def test_unsigned_request_is_refused(hall_server):
    assert _code(requests.get(hall_server.base_url + "/v1/queues", timeout=10)) == (401, "missing_signature")


def test_unknown_kiosk_is_refused(hall_server):
    response = _post(hall_server, "/v1/tickets", {"queue": "social"}, kiosk_id="kiosk-stranger")
    assert _code(response) == (401, "unknown_kiosk")
    assert _tickets(hall_server) == []


def test_wrong_secret_is_refused_and_issues_nothing(hall_server):
    response = _post(hall_server, "/v1/tickets", {"queue": "social"}, secret=b"guessed")
    assert _code(response) == (401, "bad_signature")
    assert _tickets(hall_server) == []


def test_body_changed_after_signing_is_refused(hall_server):
    raw = json.dumps({"queue": "social"}).encode()
    headers = signed_headers(hall_server, "POST", "/v1/tickets", raw)
    tampered = json.dumps({"queue": "social", "priority": "elderly"}).encode()
    response = requests.post(hall_server.base_url + "/v1/tickets", data=tampered, headers=headers, timeout=10)
    assert _code(response) == (401, "bad_signature")


def test_signature_for_another_path_is_refused(hall_server):
    headers = signed_headers(hall_server, "GET", "/v1/packages")
    response = requests.get(hall_server.base_url + "/v1/queues", headers=headers, timeout=10)
    assert _code(response) == (401, "bad_signature")


@pytest.mark.parametrize("skew", [-360, 360, -3600])  # clear of the 300 s window, even on a slow machine
def test_stale_or_future_timestamp_is_refused(hall_server, skew):
    response = _get(hall_server, "/v1/queues", now=time.time() + skew)
    assert _code(response) == (401, "stale_timestamp")


def test_timestamp_within_the_window_is_accepted(hall_server):
    assert _get(hall_server, "/v1/queues", now=time.time() - 200).status_code == 200


def test_replayed_request_is_refused(hall_server):
    headers = signed_headers(hall_server, "GET", "/v1/queues")
    assert requests.get(hall_server.base_url + "/v1/queues", headers=headers, timeout=10).status_code == 200
    replay = requests.get(hall_server.base_url + "/v1/queues", headers=headers, timeout=10)
    assert _code(replay) == (401, "replayed_request")


def test_replayed_ticket_request_issues_no_second_ticket(hall_server):
    raw = json.dumps({"queue": "social"}).encode()
    headers = signed_headers(hall_server, "POST", "/v1/tickets", raw)
    assert requests.post(hall_server.base_url + "/v1/tickets", data=raw, headers=headers, timeout=10).status_code == 201
    replay = requests.post(hall_server.base_url + "/v1/tickets", data=raw, headers=headers, timeout=10)
    assert _code(replay) == (401, "replayed_request")
    assert _tickets(hall_server) == [("A001",)]


def test_public_pages_need_no_signature(hall_server):
    assert requests.get(hall_server.base_url + "/healthz", timeout=10).json()["status"] == "ok"
    assert requests.get(hall_server.base_url + "/openapi.yaml", timeout=10).text.startswith("openapi: 3.1")


def test_same_idempotency_key_twice_gives_one_ticket(hall_server):
    key = uuid.uuid4().hex
    first = _post(hall_server, "/v1/tickets", {"queue": "social"}, key=key)
    again = _post(hall_server, "/v1/tickets", {"queue": "social"}, key=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _tickets(hall_server) == [("A001",)]


def test_same_key_with_a_different_body_is_refused(hall_server):
    key = uuid.uuid4().hex
    _post(hall_server, "/v1/tickets", {"queue": "social"}, key=key)
    response = _post(hall_server, "/v1/tickets", {"queue": "tax"}, key=key)
    assert _code(response) == (422, "idempotency_key_reused")
    assert _tickets(hall_server) == [("A001",)]


def test_repeat_while_the_first_is_in_flight_gets_409(hall_server):
    key = uuid.uuid4().hex
    request_hash = request_digest("POST", "/v1/tickets", {"queue": "social"})
    # The first request has claimed its key and is still running (as far as the database shows).
    hall_execute(hall_server.db_path, "INSERT INTO idempotency VALUES (?, ?, ?, 'in_flight', NULL, NULL, ?)",
                 (hall_server.kiosk_id, key, request_hash, time.time()))
    response = _post(hall_server, "/v1/tickets", {"queue": "social"}, key=key)
    assert _code(response) == (409, "request_in_flight")
    assert _tickets(hall_server) == []


def test_refusal_is_stored_too_so_a_repeat_gets_the_same_answer(hall_server):
    key = uuid.uuid4().hex
    first = _post(hall_server, "/v1/tickets", {"queue": "nowhere"}, key=key)
    again = _post(hall_server, "/v1/tickets", {"queue": "nowhere"}, key=key)
    assert _code(first) == _code(again) == (404, "queue_not_found")
    assert again.headers["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("key", [None, "short", "x" * 129, "schlüssel-äöü-12345"])
def test_post_without_a_usable_idempotency_key_is_refused(hall_server, key):
    raw = json.dumps({"queue": "social"}).encode()
    headers = signed_headers(hall_server, "POST", "/v1/tickets", raw,
                             key=None if key is None else key.encode("utf-8").decode("latin-1"))
    response = requests.post(hall_server.base_url + "/v1/tickets", data=raw, headers=headers, timeout=10)
    assert _code(response) == (400, "idempotency_key_missing")


def test_lookups_need_a_key_too_but_store_no_personal_answers(hall_server):
    number = demo_citizen("resident").id_number
    assert _post(hall_server, "/v1/records/lookup", {"id_number": number}).status_code == 200
    assert hall_rows(hall_server.db_path, "SELECT COUNT(*) FROM idempotency") == [(0,)]
    assert _code(_post(hall_server, "/v1/records/lookup", {"id_number": number},
                       headers={"Idempotency-Key": ""})) == (400, "idempotency_key_missing")


def test_access_log_has_no_bodies_and_no_identity_numbers(hall_server, caplog):
    number = demo_citizen("resident").id_number
    with caplog.at_level("DEBUG"):
        _post(hall_server, "/v1/tickets", {"queue": "social", "citizen": {"id_number": number}})
        _post(hall_server, "/v1/tickets", {"queue": "social", "citizen": {"id_number": number[:17] + "0"}})
    text = caplog.text
    assert "/v1/tickets 201" in text and "/v1/tickets 422" in text
    assert number[6:14] not in text


def test_abandoned_claim_of_a_crashed_server_is_taken_over(hall_server):
    key = uuid.uuid4().hex
    request_hash = request_digest("POST", "/v1/tickets", {"queue": "social"})
    hall_execute(hall_server.db_path, "INSERT INTO idempotency VALUES (?, ?, ?, 'in_flight', NULL, NULL, ?)",
                 (hall_server.kiosk_id, key, request_hash, time.time() - 600))
    response = _post(hall_server, "/v1/tickets", {"queue": "social"}, key=key)
    assert response.status_code == 201
    assert _tickets(hall_server) == [("A001",)]


def test_locked_database_is_a_503_and_the_identical_retry_then_succeeds(tmp_path, hall_database):
    hall = start_live_hall(tmp_path, database=hall_database, db_busy_timeout_seconds=0.05)
    try:
        raw = json.dumps({"queue": "social"}).encode()
        headers = signed_headers(hall, "POST", "/v1/tickets", raw)
        blocker = db.connect(hall.db_path)
        blocker.execute("BEGIN IMMEDIATE")                 # another writer holds the write lock
        busy = requests.post(hall.base_url + "/v1/tickets", data=raw, headers=headers, timeout=10)
        blocker.execute("ROLLBACK")
        blocker.close()
        assert _code(busy) == (503, "database_busy")
        # Nothing was done, so the very same signed request (same nonce) is accepted: this is what the
        # client's automatic retry of a 503 sends.
        retry = requests.post(hall.base_url + "/v1/tickets", data=raw, headers=headers, timeout=10)
        assert retry.status_code == 201 and retry.json()["number"] == "A001"
    finally:
        hall.server.stop()
