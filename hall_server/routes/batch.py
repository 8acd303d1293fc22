"""POST /v1/batch: several effectful POSTs in one request, each applied once under its own idempotency key.

Shaped after Microsoft Graph's JSON batching. A kiosk's outbox drains a backlog of reviews and complaints
this way: one request and one database transaction per hundred members instead of one of each per item.

    {"requests": [{"id": "7F3K-9Q2M-XA4B-C8D1", "path": "/v1/reviews", "body": {...}}, ...]}
    -> {"responses": [{"id": "7F3K-9Q2M-XA4B-C8D1", "status": 201, "body": {...}, "replayed": false}, ...]}

Each member is handled exactly as `POST {path}` with `Idempotency-Key: {id}` would be, in the same ledger
(hall_server.security), so a member delivered alone before is answered from the ledger, and the reverse.
Members go in order, each in its own savepoint: a refusal (4xx) is that member's stored answer and the
next goes on. A claim still in flight or a server-side failure stops the batch there; the members after
it get no answer and are sent again, so nothing overtakes what went before it in a kiosk's stream.

The batch itself is never stored in the ledger: an answer that stopped early would be replayed for ever.
Only the paths in BATCHABLE can be reached through it.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from typing import Any, Callable

from flask import Blueprint, Response, g

from hall_server import db
from hall_server.problems import Problem, server_failure
from hall_server.routes import feedback, reviews
from hall_server.schemas import (BatchMember, BatchRequest, Body, ComplaintRequest, ReviewRequest, invalid_request,
                                 parse, validate)
from hall_server.security import answer, forget_expired, recall, record, request_digest

__all__ = ["BATCHABLE", "MAX_BODY_BYTES"]

blueprint = Blueprint("batch", __name__)

# A hundred complaints of a thousand characters each, with room to spare.
MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Batchable:
    model: type[Body]
    apply: Callable[[Any, str], tuple[dict, int]]    # (validated body, idempotency key) -> (answer, status)


BATCHABLE: dict[str, Batchable] = {
    "/v1/reviews": Batchable(ReviewRequest, lambda body, _key: reviews.submit(body)),
    "/v1/complaints": Batchable(ComplaintRequest, feedback.submit),
}


@blueprint.post("/v1/batch")
def batch() -> dict:
    members = _members()
    conn = g.conn
    now = time.time()
    responses = []
    with db.write(conn):
        forget_expired(conn, now)
        for member in members:
            response, stop = _member(conn, member, now)
            responses.append(response)
            if stop:
                break
    return {"responses": responses}


def _members() -> list[BatchMember]:
    """The envelope, refused as a whole (nothing applied) for an unknown path or an id given twice."""
    members = parse(BatchRequest).requests
    errors = []
    seen: set[str] = set()
    for index, member in enumerate(members):
        if member.path not in BATCHABLE:
            errors.append({"field": f"requests.{index}.path",
                           "problem": "not a batchable path; these are: " + ", ".join(BATCHABLE)})
        if member.id in seen:
            errors.append({"field": f"requests.{index}.id", "problem": "the same id as an earlier member"})
        seen.add(member.id)
    if errors:
        raise invalid_request(errors)
    return members


def _member(conn: sqlite3.Connection, member: BatchMember, now: float) -> tuple[dict[str, Any], bool]:
    """The member's answer, and whether the batch stops at it."""
    effect = BATCHABLE[member.path]
    digest = request_digest("POST", member.path, member.body)
    try:
        stored = recall(conn, g.kiosk_id, member.id, digest, now)
    except Problem as problem:      # another request under this id (422), or its claim still in flight (409)
        return _response(member, problem.status, problem.document(), False), problem.code == "request_in_flight"
    if stored is not None:
        return _response(member, stored.status, json.loads(stored.text), True), False

    def apply() -> tuple[dict, int]:
        with db.write(conn):        # a savepoint: a refusal undoes this member's changes only
            return effect.apply(validate(effect.model, member.body), member.id)

    try:
        fresh: Response = answer(apply)
    except Exception as error:      # nothing stored: a retry runs it afresh, as alone
        if not conn.in_transaction:     # SQLite gave up the whole transaction: no member is applied
            raise
        problem = error if isinstance(error, Problem) else server_failure(error)
        return _response(member, problem.status, problem.document(), False), True
    record(conn, g.kiosk_id, member.id, digest, fresh, now)
    return _response(member, fresh.status_code, json.loads(fresh.get_data()), False), False


def _response(member: BatchMember, status: int, body: dict[str, Any], replayed: bool) -> dict[str, Any]:
    return {"id": member.id, "status": status, "body": body, "replayed": replayed}
