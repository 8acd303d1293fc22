"""The hall's guarantees when many kiosks call at once, on SQLite and on PostgreSQL alike: one application per
idempotency key and one review per ticket, however the requests interleave. (Gapless queue numbers with fifty
kiosks at once: tests/hall_server/test_tickets.py.)"""

from __future__ import annotations

import json
import threading
import uuid
from typing import Callable

import requests

from tests.fixtures.hall import hall_rows
from tests.hall_server.signed import signed_headers

KIOSKS = 50


def _post(hall, path: str, body: dict, key: str) -> requests.Response:
    raw = json.dumps(body).encode()
    return requests.post(hall.base_url + path, data=raw, headers=signed_headers(hall, "POST", path, raw, key=key),
                         timeout=30)


def _all_at_once(count: int, call: Callable[[int], requests.Response]) -> list[requests.Response]:
    start = threading.Barrier(count)
    answers: list[requests.Response | None] = [None] * count

    def run(index: int) -> None:
        start.wait(timeout=10)
        answers[index] = call(index)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(answer is not None for answer in answers), "a request never came back"
    return answers      # type: ignore[return-value]


def test_one_key_sent_by_fifty_at_once_issues_one_ticket(hall_server):
    """GIVEN one idempotency key WHEN fifty copies of the request arrive at once (a retry storm) THEN one ticket
    is issued; every copy is answered with it (first or replayed) or told the first is still in flight."""
    key = uuid.uuid4().hex
    answers = _all_at_once(KIOSKS, lambda _i: _post(hall_server, "/v1/tickets", {"queue": "social"}, key))
    issued = {answer.json()["number"] for answer in answers if answer.status_code == 201}
    others = {(answer.status_code, answer.json()["code"]) for answer in answers if answer.status_code != 201}
    assert issued == {"A001"}
    assert others <= {(409, "request_in_flight")}
    assert hall_rows(hall_server.db_path, "SELECT display FROM tickets") == [("A001",)]
    assert sum(answer.headers.get("Idempotent-Replayed") != "true" for answer in answers
               if answer.status_code == 201) == 1


def test_fifty_kiosks_reviewing_one_ticket_at_once_store_one_review(hall_server, hall_client):
    """GIVEN a served ticket WHEN fifty reviews of it (each under its own key) arrive at once THEN exactly one is
    stored and every other is refused as already reviewed."""
    ticket = hall_client.issue_ticket("social")
    hall_server.simulation.call_next("social", 1)
    hall_server.simulation.finish(ticket.ticket_id)
    body = {"ticket_id": ticket.ticket_id, "level": "satisfied", "indicators": {}, "reasons": [], "comment": ""}
    answers = _all_at_once(KIOSKS, lambda _i: _post(hall_server, "/v1/reviews", body, uuid.uuid4().hex))
    statuses = sorted((answer.status_code, answer.json().get("code", "")) for answer in answers)
    assert statuses == [(201, "")] + [(409, "already_reviewed")] * (KIOSKS - 1)
    assert hall_rows(hall_server.db_path, "SELECT target_id FROM reviews") == [(ticket.ticket_id,)]
