"""POST /v1/batch against the live server: each member applied once under its own key, in the same ledger as
the single endpoints, in order, stopping where order could break. Answers to `hall_client` are checked against
hall_server/openapi.yaml; raw requests (for envelopes the document forbids) are checked by hand."""

from __future__ import annotations

import json
import time
import uuid

import pytest
import requests

from domain.demo_citizens import demo_citizen
from hall_server.security import request_digest
from kiosk.hall.client import HallRejected
from tests.fixtures.hall import hall_execute, hall_rows
from tests.hall_server.signed import signed_headers

RESIDENT = demo_citizen("resident").id_number
SUGGESTION = {"kind": "suggestion", "content": "建议增加老年人座椅"}
COMPLAINT = {"kind": "complaint", "content": "窗口工作人员离岗时间过长", "matter_code": "SB001"}
# A trigger that fails one complaint, in each database's own words (a stand-in for a broken disk or adapter).
BREAK_ONE = {
    "sqlite": "CREATE TRIGGER break_one BEFORE INSERT ON complaints WHEN NEW.content = '这一条会让数据库出错'"
              " BEGIN SELECT RAISE(ABORT, 'simulated failure'); END",
    "postgresql": "CREATE FUNCTION break_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                  " IF NEW.content = '这一条会让数据库出错' THEN RAISE EXCEPTION 'simulated failure'; END IF;"
                  " RETURN NEW; END $$;"
                  " CREATE TRIGGER break_one BEFORE INSERT ON complaints FOR EACH ROW EXECUTE FUNCTION break_one()",
}


def _key() -> str:
    return uuid.uuid4().hex


def _served_ticket(hall_server, hall_client) -> str:
    ticket = hall_client.issue_ticket("social")
    hall_server.simulation.call_next("social", 1)
    hall_server.simulation.finish(ticket.ticket_id)
    return ticket.ticket_id


def _member(path: str, body: dict, member_id: str | None = None) -> dict:
    return {"id": member_id or _key(), "path": path, "body": body}


def _batch(hall_client, *members: dict) -> list[dict]:
    return hall_client.post("/v1/batch", {"requests": list(members)}, _key())["responses"]


def _raw_post(hall_server, path: str, raw: bytes, key: str | None = None) -> requests.Response:
    """A signed POST of any bytes, for bodies the API document forbids (the contract check would refuse them)."""
    headers = signed_headers(hall_server, "POST", path, raw, key=key)
    return requests.post(hall_server.base_url + path, data=raw, headers=headers, timeout=10)


def _raw_batch(hall_server, openapi_contract, *members: dict) -> list[dict]:
    """A batch whose members' bodies the API document forbids; its answer is still checked against it."""
    response = _raw_post(hall_server, "/v1/batch", json.dumps({"requests": list(members)}).encode())
    assert response.status_code == 200
    openapi_contract.validate(response.json(), {"$ref": "#/components/schemas/BatchResponse"})
    return response.json()["responses"]


def _statuses(responses: list[dict]) -> list[tuple[int, str, bool]]:
    """(status, problem code or "", replayed) of each answer."""
    return [(r["status"], r["body"].get("code", "") if r["status"] >= 400 else "", r["replayed"]) for r in responses]


def _complaints(hall_server) -> list[tuple]:
    return hall_rows(hall_server.db_path, "SELECT number, content, reference FROM complaints ORDER BY number")


def test_a_mixed_batch_applies_each_member_once_and_answers_in_order(hall_server, hall_client):
    """GIVEN two reviews and two complaints WHEN sent as one batch THEN each is stored once, answered in order."""
    ticket_id = _served_ticket(hall_server, hall_client)
    members = [_member("/v1/reviews", {"ticket_id": ticket_id, "level": "satisfied"}),
               _member("/v1/complaints", COMPLAINT),
               _member("/v1/reviews", {"case_number": "YT2026SC000123", "id_number": RESIDENT, "level": "dissatisfied",
                                       "reasons": ["long_wait"], "callback_phone": "13800000001"}),
               _member("/v1/complaints", SUGGESTION)]
    responses = _batch(hall_client, *members)

    assert [r["id"] for r in responses] == [m["id"] for m in members]
    assert _statuses(responses) == [(201, "", False)] * 4
    assert responses[0]["body"]["target"] == {"kind": "ticket", "id": ticket_id}
    assert responses[1]["body"]["number"] == "TS202611230001"
    assert responses[2]["body"]["callback_requested"] is True
    assert responses[3]["body"]["number"] == "JY202611230001"
    assert hall_rows(hall_server.db_path, "SELECT target_id, level FROM reviews ORDER BY created_at, target_kind") == [
        ("YT2026SC000123", "dissatisfied"), (ticket_id, "satisfied")]
    assert hall_rows(hall_server.db_path, "SELECT phone FROM callback_requests") == [("13800000001",)]
    assert [row[0] for row in _complaints(hall_server)] == ["JY202611230001", "TS202611230001"]


def test_a_redelivered_batch_is_answered_from_the_ledger_and_only_new_members_are_applied(hall_server, hall_client):
    review = {"case_number": "YT2026JJ000045", "id_number": RESIDENT, "level": "very_satisfied"}
    first = [_member("/v1/complaints", COMPLAINT), _member("/v1/reviews", review)]
    applied = _batch(hall_client, *first)
    again = _batch(hall_client, *first)
    assert [r["body"] for r in again] == [r["body"] for r in applied]
    assert _statuses(again) == [(201, "", True)] * 2

    extended = _batch(hall_client, *first, _member("/v1/complaints", SUGGESTION))
    assert _statuses(extended) == [(201, "", True), (201, "", True), (201, "", False)]
    assert [row[0] for row in _complaints(hall_server)] == ["JY202611230001", "TS202611230001"]
    assert hall_rows(hall_server.db_path, "SELECT COUNT(*) FROM reviews") == [(1,)]


def test_a_member_sent_alone_first_is_not_applied_again_in_a_batch(hall_server, hall_client):
    """GIVEN a complaint POSTed alone, its JSON spaced and ordered differently WHEN it comes again as a batch
    member THEN the stored answer is replayed: the ledger knows it as the same request."""
    key = _key()
    alone = _raw_post(hall_server, "/v1/complaints",
                      json.dumps(dict(reversed(list(COMPLAINT.items()))), indent=2).encode(), key=key)
    assert alone.status_code == 201
    responses = _batch(hall_client, _member("/v1/complaints", COMPLAINT, key))
    assert _statuses(responses) == [(201, "", True)] and responses[0]["body"] == alone.json()
    assert len(_complaints(hall_server)) == 1


def test_a_member_delivered_in_a_batch_is_not_applied_again_alone(hall_server, hall_client):
    key = _key()
    in_batch = _batch(hall_client, _member("/v1/complaints", SUGGESTION, key))[0]
    alone = _raw_post(hall_server, "/v1/complaints", json.dumps(SUGGESTION).encode(), key=key)
    assert alone.status_code == 201 and alone.headers["Idempotent-Replayed"] == "true"
    assert alone.json() == in_batch["body"]
    assert len(_complaints(hall_server)) == 1


def test_refused_members_get_their_problem_stored_and_the_batch_goes_on(hall_server, openapi_contract):
    members = [_member("/v1/reviews", {"ticket_id": "t0000000000000000", "level": "satisfied"}),
               _member("/v1/reviews", {"case_number": "YT2026SC000123", "id_number": RESIDENT,
                                       "level": "very_dissatisfied"}),
               _member("/v1/complaints", {"kind": "complaint", "content": "短"}),
               _member("/v1/complaints", {**SUGGESTION, "matter_code": "NOPE1"}),
               _member("/v1/complaints", SUGGESTION)]
    responses = _raw_batch(hall_server, openapi_contract, *members)
    assert _statuses(responses) == [(404, "ticket_not_found", False), (422, "reasons_required", False),
                                    (422, "invalid_request", False), (404, "matter_not_found", False),
                                    (201, "", False)]
    assert responses[2]["body"]["errors"][0]["field"] == "content"
    assert hall_rows(hall_server.db_path, "SELECT COUNT(*) FROM reviews") == [(0,)]
    assert [row[1] for row in _complaints(hall_server)] == [SUGGESTION["content"]]

    # Refusals are stored like the single endpoint's: alone, the same request gets the same refusal.
    alone = _raw_post(hall_server, "/v1/reviews", json.dumps(members[1]["body"]).encode(), key=members[1]["id"])
    assert (alone.status_code, alone.json()["code"]) == (422, "reasons_required")
    assert alone.headers["Idempotent-Replayed"] == "true"


def test_the_same_id_with_another_body_is_refused_for_that_member_only(hall_server, hall_client):
    key = _key()
    hall_client.post("/v1/complaints", COMPLAINT, key)
    responses = _batch(hall_client, _member("/v1/complaints", SUGGESTION, key), _member("/v1/complaints", SUGGESTION))
    assert _statuses(responses) == [(422, "idempotency_key_reused", False), (201, "", False)]
    assert [row[1] for row in _complaints(hall_server)] == [SUGGESTION["content"], COMPLAINT["content"]]


def test_a_claim_still_in_flight_stops_the_batch_there(hall_server, hall_client):
    """GIVEN the second member's key claimed by a request still running WHEN the batch comes THEN the first is
    applied, the second is answered 409, and the third gets no answer and is not applied (order is kept)."""
    members = [_member("/v1/complaints", COMPLAINT), _member("/v1/complaints", SUGGESTION),
               _member("/v1/complaints", {**SUGGESTION, "content": "建议延长周六办理时间"})]
    hall_execute(hall_server.db_path, "INSERT INTO idempotency VALUES (?, ?, ?, 'in_flight', NULL, NULL, ?)",
                 (hall_server.kiosk_id, members[1]["id"], request_digest("POST", "/v1/complaints", SUGGESTION),
                  time.time()))
    responses = _batch(hall_client, *members)
    assert [r["id"] for r in responses] == [members[0]["id"], members[1]["id"]]
    assert _statuses(responses) == [(201, "", False), (409, "request_in_flight", False)]
    assert [row[1] for row in _complaints(hall_server)] == [COMPLAINT["content"]]


def test_a_server_side_failure_stops_the_batch_and_stores_nothing_for_that_member(hall_server, hall_client):
    """GIVEN a database that fails on one complaint (a trigger stands in for a broken disk or adapter) WHEN it is
    the second member THEN the first stays applied, the second gets a 500 problem, the third no answer; once the
    fault is gone the same batch applies the rest."""
    failing = {**SUGGESTION, "content": "这一条会让数据库出错"}
    hall_execute(hall_server.db_path, BREAK_ONE[hall_server.dialect])
    members = [_member("/v1/complaints", COMPLAINT), _member("/v1/complaints", failing),
               _member("/v1/complaints", SUGGESTION)]
    responses = _batch(hall_client, *members)
    assert _statuses(responses) == [(201, "", False), (500, "internal_error", False)]
    assert [row[1] for row in _complaints(hall_server)] == [COMPLAINT["content"]]

    hall_execute(hall_server.db_path, "DROP TRIGGER break_one" + (" ON complaints" if hall_server.dialect ==
                                                                   "postgresql" else ""))
    assert _statuses(_batch(hall_client, *members)) == [(201, "", True), (201, "", False), (201, "", False)]
    assert len(_complaints(hall_server)) == 3


def test_complaints_keep_the_citizens_reference_alone_and_in_a_batch(hall_server, hall_client):
    alone_key, member_key = "7F3K-9Q2M-XA4B-C8D1", "8G4M-2R3N-YB5C-D9E2"
    alone = hall_client.post("/v1/complaints", COMPLAINT, alone_key)
    member = _batch(hall_client, _member("/v1/complaints", SUGGESTION, member_key))[0]["body"]
    assert (alone["reference"], member["reference"]) == (alone_key, member_key)
    assert _complaints(hall_server) == [(member["number"], SUGGESTION["content"], member_key),
                                        (alone["number"], COMPLAINT["content"], alone_key)]
    assert hall_rows(hall_server.db_path, "SELECT number FROM complaints WHERE kiosk_id = 'kiosk-test-01'"
                                          f" AND reference = '{member_key}'") == [(member["number"],)]


def test_a_hundred_of_the_longest_complaints_fit_in_one_batch(hall_server, hall_client):
    longest = {"kind": "complaint", "content": "窗" * 1000, "contact_phone": "13800000001"}
    responses = _batch(hall_client, *[_member("/v1/complaints", longest) for _ in range(100)])
    assert len(responses) == 100 and {r["status"] for r in responses} == {201}
    assert responses[-1]["body"]["number"] == "TS202611230100"


def _envelopes() -> dict[str, tuple[object, int, str, str | None]]:
    good = _member("/v1/complaints", SUGGESTION)
    return {
        "not an object": ([good], 400, "malformed_json", None),
        "no requests": ({}, 422, "invalid_request", "requests"),
        "no members": ({"requests": []}, 422, "invalid_request", "requests"),
        "101 members": ({"requests": [_member("/v1/complaints", SUGGESTION) for _ in range(101)]}, 422,
                        "invalid_request", "requests"),
        "member without a body": ({"requests": [good, {"id": _key(), "path": "/v1/complaints"}]}, 422,
                                  "invalid_request", "requests.1.body"),
        "body not an object": ({"requests": [good, {**good, "id": _key(), "body": [SUGGESTION]}]}, 422,
                               "invalid_request", "requests.1.body"),
        "short id": ({"requests": [good, {**good, "id": "short"}]}, 422, "invalid_request", "requests.1.id"),
        "unknown path": ({"requests": [good, {**good, "id": _key(), "path": "/v1/tickets"}]}, 422,
                         "invalid_request", "requests.1.path"),
        "same id twice": ({"requests": [good, {**good, "body": COMPLAINT}]}, 422, "invalid_request",
                          "requests.1.id"),
        "unknown field": ({"requests": [good], "atomic": True}, 422, "invalid_request", "atomic"),
    }


@pytest.mark.parametrize("case", list(_envelopes()))
def test_a_faulty_envelope_refuses_the_whole_batch_and_applies_nothing(hall_server, openapi_contract, case):
    envelope, status, code, field = _envelopes()[case]
    response = _raw_post(hall_server, "/v1/batch", json.dumps(envelope).encode())
    assert (response.status_code, response.json()["code"]) == (status, code)
    if field is not None:
        assert field in [error["field"] for error in response.json()["errors"]]
    openapi_contract.validate(response.json(), {"$ref": "#/components/schemas/Problem"})
    assert _complaints(hall_server) == []
    assert hall_rows(hall_server.db_path, "SELECT COUNT(*) FROM idempotency") == [(0,)]


def test_the_batch_needs_no_idempotency_key_and_is_not_itself_stored(hall_server, hall_client):
    envelope = {"requests": [_member("/v1/complaints", SUGGESTION)]}
    response = _raw_post(hall_server, "/v1/batch", json.dumps(envelope).encode())
    assert response.status_code == 200 and "Idempotent-Replayed" not in response.headers
    again = _raw_post(hall_server, "/v1/batch", json.dumps(envelope).encode(), key=_key())
    assert again.json()["responses"][0]["replayed"] is True
    assert hall_rows(hall_server.db_path, "SELECT key FROM idempotency") == [(envelope["requests"][0]["id"],)]


def test_a_body_over_the_batch_limit_is_refused(hall_server):
    oversized = {"requests": [_member("/v1/complaints", {**SUGGESTION, "content": "窗" * 400_000})]}
    response = _raw_post(hall_server, "/v1/batch", json.dumps(oversized, ensure_ascii=False).encode())
    assert (response.status_code, response.json()["code"]) == (413, "payload_too_large")


def test_the_client_sees_a_refused_envelope_as_a_rejection(hall_client):
    twice = _member("/v1/complaints", SUGGESTION)
    with pytest.raises(HallRejected) as refused:
        hall_client.post("/v1/batch", {"requests": [twice, twice]}, _key())
    assert (refused.value.status, refused.value.code) == (422, "invalid_request")
