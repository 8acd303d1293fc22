"""Server-side validation: every malformed request gets a 4xx problem document, never a 500."""

from __future__ import annotations

import json
import uuid

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.demo_citizens import demo_citizen
from domain.hall_signing import sign_request
from tests.hall_server.signed import host_of, signed_headers

RESIDENT = demo_citizen("resident").id_number
POST_PATHS = ["/v1/tickets", "/v1/appointments/lookup", "/v1/appointments", "/v1/appointments/apx/check-in",
              "/v1/appointments/apx/cancel", "/v1/cases/lookup", "/v1/records/lookup", "/v1/proofs",
              "/v1/reviews/token", "/v1/reviews", "/v1/complaints", "/v1/devices/heartbeat", "/v1/devices/events"]


def _send(hall, method, path, raw=b"", content_type="application/json"):
    key = uuid.uuid4().hex
    headers = sign_request(hall.kiosk_id, hall.secret, method, path, raw, host=host_of(hall), idempotency_key=key)
    headers.update({"Content-Type": content_type, "Idempotency-Key": key})
    return requests.request(method, hall.base_url + path, data=raw, headers=headers, timeout=10)


def _assert_problem(response, *statuses):
    assert response.status_code in statuses, response.text[:300]
    assert response.headers["Content-Type"].startswith("application/problem+json")
    document = response.json()
    assert {"type", "title", "status", "code", "message_zh", "message_en"} <= set(document)
    assert document["status"] == response.status_code
    return document


@pytest.mark.parametrize("path", POST_PATHS)
@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b"null", b'"text"', b"{", b"\xff\xfe",
                                 b'{"a": ' * 2000])
def test_body_that_is_not_a_json_object_is_a_400(shared_hall_server, path, raw):
    _assert_problem(_send(shared_hall_server, "POST", path, raw), 400)


@pytest.mark.parametrize("path", POST_PATHS)
def test_body_of_another_media_type_is_a_415(shared_hall_server, path):
    document = _assert_problem(_send(shared_hall_server, "POST", path, b"queue=social",
                                     "application/x-www-form-urlencoded"), 415)
    assert document["code"] == "unsupported_media_type"


@pytest.mark.parametrize("body, field", [
    ({}, "queue"),
    ({"queue": 7}, "queue"),
    ({"queue": "social", "priority": "vip"}, "priority"),
    ({"queue": "social", "citizen": {"id_number": RESIDENT[:17] + "0"}}, "citizen.id_number"),
    ({"queue": "social", "citizen": {"id_number": 610113198503120045}}, "citizen.id_number"),
    ({"queue": "social", "citizen": None, "extra": 1}, "extra"),
    ({"queue": "../../etc"}, "queue"),
])
def test_invalid_ticket_request_names_the_field_without_echoing_the_value(shared_hall_server, body, field):
    document = _assert_problem(_send(shared_hall_server, "POST", "/v1/tickets", json.dumps(body).encode()), 422)
    assert document["code"] == "invalid_request"
    assert field in [error["field"] for error in document["errors"]]
    assert RESIDENT[:17] not in json.dumps(document, ensure_ascii=False)


@pytest.mark.parametrize("path, body", [
    ("/v1/appointments", {"matter_code": "SB001", "date": "2026-02-30", "start": "09:00", "id_number": RESIDENT}),
    ("/v1/appointments", {"matter_code": "SB001", "date": "2026-11-24", "start": "25:00", "id_number": RESIDENT}),
    ("/v1/appointments", {"matter_code": "SB001", "date": "2026-11-24", "start": "09:00", "id_number": RESIDENT,
                          "phone": "12345"}),
    ("/v1/appointments/lookup", {"id_number": RESIDENT, "upcoming": "yes"}),
    ("/v1/cases/lookup", {}),
    ("/v1/cases/lookup", {"case_number": "YT2026JJ000045"}),
    ("/v1/cases/lookup", {"case_number": "YT2026JJ000045", "query_code": "12345"}),
    ("/v1/cases/lookup", {"id_number": RESIDENT, "query_code": "123456"}),
    ("/v1/reviews", {"ticket_id": "t1", "level": "great"}),
    ("/v1/reviews", {"level": "satisfied"}),
    ("/v1/reviews", {"case_number": "YT2026JJ000045", "id_number": RESIDENT, "level": "dissatisfied",
                     "reasons": ["too_hot"]}),
    ("/v1/reviews", {"case_number": "YT2026JJ000045", "id_number": RESIDENT, "level": "satisfied",
                     "comment": "长" * 301}),
    ("/v1/reviews", {"case_number": "YT2026JJ000045", "level": "satisfied"}),
    ("/v1/reviews", {"ticket_id": "t1", "id_number": RESIDENT, "level": "satisfied"}),
    ("/v1/complaints", {"kind": "complaint", "content": "短"}),
    ("/v1/complaints", {"kind": "praise", "content": "服务很好很好"}),
    ("/v1/devices/heartbeat", {"status": "ok", "app_version": "1", "uptime_seconds": -1}),
    ("/v1/devices/events", {"events": []}),
    ("/v1/devices/events", {"events": [{"event_id": "e", "type": "Bad Type", "severity": "info",
                                        "occurred_at": "2026-11-23T10:00:00+08:00"}]}),
    ("/v1/proofs", {"id_number": RESIDENT}),
])
def test_invalid_bodies_are_422_problems(shared_hall_server, path, body):
    document = _assert_problem(_send(shared_hall_server, "POST", path, json.dumps(body).encode()), 422)
    assert document["code"] == "invalid_request" and document["errors"]


@pytest.mark.parametrize("path", ["/v1/matters?one_id=maybe", "/v1/matters/SB001/slots?date=tomorrow",
                                  "/v1/matters?q=" + "长" * 60])
def test_invalid_query_parameters_are_422_problems(shared_hall_server, path):
    prepared = requests.Request("GET", shared_hall_server.base_url + path).prepare()
    signed_path = prepared.path_url
    headers = signed_headers(shared_hall_server, "GET", signed_path)
    response = requests.get(prepared.url, headers=headers, timeout=10)
    _assert_problem(response, 422)


@pytest.mark.parametrize("method, path, status", [("GET", "/v1/nothing-here", 404), ("DELETE", "/v1/queues", 405),
                                                  ("GET", "/v1/tickets", 405)])
def test_unknown_routes_and_methods_are_problems(shared_hall_server, method, path, status):
    _assert_problem(_send(shared_hall_server, method, path), status)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
field_names = st.sampled_from(["queue", "priority", "citizen", "id_number", "matter_code", "date", "start", "phone",
                               "case_number", "kind", "ticket_id", "level", "indicators", "reasons", "comment",
                               "callback_phone", "content", "contact_phone", "status", "app_version",
                               "uptime_seconds", "components", "events"])


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(POST_PATHS), body=st.dictionaries(field_names, json_values, max_size=6))
def test_no_body_whatsoever_makes_the_server_fail(shared_hall_server, path, body):
    response = _send(shared_hall_server, "POST", path, json.dumps(body).encode())
    assert response.status_code < 500, response.text[:300]
    if response.status_code >= 400:
        _assert_problem(response, response.status_code)


def test_body_over_64_kib_is_a_413(shared_hall_server):
    raw = json.dumps({"kind": "suggestion", "content": "长" * 40_000}).encode()
    assert _assert_problem(_send(shared_hall_server, "POST", "/v1/complaints", raw), 413)["code"] == "payload_too_large"
