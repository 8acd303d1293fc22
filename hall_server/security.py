"""Who may call the API and how often a request may take effect: signatures, replays, idempotency.

`verify_request` runs before every /v1 handler: it checks the kiosk's HMAC signature (see
domain.hall_signing), refuses a timestamp outside the window and a nonce already seen in it (`NonceLedger`:
in the database, so a restart forgets none).
`idempotent` wraps every effectful POST: the first request with an Idempotency-Key claims it, a
repeat gets the stored answer, the same key with another body gets 422, and a repeat while the
first is still running gets 409. So a retried "issue ticket" can never produce two tickets.
The ledger's steps (`recall`, `record`, `answer`) also serve /v1/batch, whose members share it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sqlite3
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable

from flask import Response, current_app, g, request

from domain.hall_signing import HALL_SIGNING
from domain.request_signing import SignatureRefused
from hall_server import db
from hall_server.context import hall_config, hall_now
from hall_server.problems import Problem
from hall_server.schemas import is_idempotency_key

__all__ = ["NonceLedger", "verify_request", "guard_lookup", "require_idempotency_key", "idempotent",
           "IDEMPOTENCY_HEADER", "request_digest", "StoredAnswer", "forget_expired", "recall", "record", "answer",
           "replayed"]

log = logging.getLogger("hall_server.security")

IDEMPOTENCY_HEADER = "Idempotency-Key"
# A claim older than this is taken as abandoned (its server died mid-request) and may be taken over.
ABANDONED_CLAIM_SECONDS = 120.0
# Stored answers are kept this long: a kiosk's outbox never drops a review or complaint, so after a crash
# between send and acknowledge it may redeliver after weeks offline; the answer must still be there.
RETENTION_SECONDS = 180 * 24 * 3600
# Nonces older than twice the signature window are deleted at most this often.
NONCE_PRUNE_EVERY_SECONDS = 60.0


class NonceLedger:
    """The nonces accepted within the signature window, in the hall database (table request_nonces).

    Each accepted request writes one row in its own short transaction, before its handler runs; a nonce whose
    request was refused as busy before taking effect is forgotten again, so its identical retry passes.
    """

    def __init__(self, window_seconds: float) -> None:
        self._window = window_seconds
        self._pruned_at = -float("inf")
        self._lock = threading.Lock()

    def first_use(self, caller_id: str, nonce: str, now: float) -> bool:
        conn = g.conn
        with self._lock:
            prune = now - self._pruned_at >= NONCE_PRUNE_EVERY_SECONDS
            if prune:
                self._pruned_at = now
        if prune:
            conn.execute("DELETE FROM request_nonces WHERE seen_at < ?", (now - 2 * self._window,))
        cursor = conn.execute("INSERT INTO request_nonces (kiosk_id, nonce, seen_at) VALUES (?, ?, ?)"
                              " ON CONFLICT (kiosk_id, nonce) DO NOTHING", (caller_id, nonce, now))
        return cursor.rowcount == 1

    def forget(self, caller_id: str, nonce: str) -> None:
        if g.conn.in_transaction:              # the busy transaction, not yet released
            g.conn.execute("ROLLBACK")
        g.conn.execute("DELETE FROM request_nonces WHERE kiosk_id = ? AND nonce = ?", (caller_id, nonce))


def verify_request() -> None:
    """Refuse an unsigned, badly signed, stale or replayed request (Flask before_request)."""
    config = hall_config()
    path = request.script_root + request.path
    if request.query_string:
        path += "?" + request.query_string.decode("latin-1")
    try:
        g.kiosk_id = HALL_SIGNING.verify(request.headers.get, config.kiosks.get, request.method, path,
                                         request.get_data(cache=True), now=time.time(),
                                         window_seconds=config.signature_window_seconds,
                                         nonces=current_app.extensions["hall_nonces"])
    except SignatureRefused as refused:
        code = "unknown_kiosk" if refused.reason == "unknown_caller" else refused.reason
        raise Problem(code, detail=refused.detail) from None


def guard_lookup(id_number: str) -> None:
    """Refuse (429 rate_limited) a lookup by identity number past this kiosk's or this person's limit
    (hall_server.rate_limits); the first refusal of an episode is logged and filed as the kiosk's event."""
    refusal = current_app.extensions["hall_lookups"].check(g.kiosk_id, id_number)
    if refusal is None:
        return
    if refusal.first_of_episode:
        log.warning("kiosk %s ran into its identity-lookup limit: refused until it slows down", g.kiosk_id)
        now = hall_now().isoformat(timespec="seconds")
        with db.write(g.conn):
            g.conn.execute("INSERT INTO device_events (kiosk_id, event_id, type, severity, message, occurred_at,"
                           " received_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                           (g.kiosk_id, f"hall-security-{uuid.uuid4().hex}", "security.lookups_limited", "error",
                            "identity lookups refused: far more than a citizen makes (enumeration?)", now, now))
    raise Problem("rate_limited", headers={"Retry-After": str(refusal.retry_after_s)})


def require_idempotency_key() -> str:
    key = request.headers.get(IDEMPOTENCY_HEADER, "")
    if not is_idempotency_key(key):
        raise Problem("idempotency_key_missing")
    return key


def request_digest(method: str, path: str, body: Any) -> str:
    """What identifies a request in the ledger: method, path and the body's JSON in canonical form, so
    that the same request sent alone or as a batch member, however spaced or ordered, is recognised.
    `body` is the parsed JSON; a body that is not JSON counts by its bytes."""
    if not isinstance(body, bytes):
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        body = canonical.encode("utf-8", "surrogatepass")      # a lone surrogate escaped in JSON is still JSON
    return hashlib.sha256(f"{method} {path}\n".encode() + body).hexdigest()


def _request_body() -> Any:
    raw = request.get_data(cache=True)
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return raw


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    text: str           # the answer as first sent, byte for byte


def forget_expired(conn: sqlite3.Connection, now: float) -> None:
    conn.execute("DELETE FROM idempotency WHERE created_at < ?", (now - RETENTION_SECONDS,))


def recall(conn: sqlite3.Connection, kiosk_id: str, key: str, digest: str, now: float) -> StoredAnswer | None:
    """The stored answer to this request; None when the key is free (or its claim was abandoned).
    Raises idempotency_key_reused for another request under this key, request_in_flight for a live claim.
    The caller holds `db.write`, so that what it decides on this holds until it records."""
    row = conn.execute("SELECT request_hash, state, status, response, created_at FROM idempotency"
                       " WHERE kiosk_id = ? AND key = ?", (kiosk_id, key)).fetchone()
    if row is None:
        return None
    if row["request_hash"] != digest:
        raise Problem("idempotency_key_reused")
    if row["state"] == "done":
        return StoredAnswer(row["status"], row["response"])
    if now - row["created_at"] < ABANDONED_CLAIM_SECONDS:
        raise Problem("request_in_flight")
    return None


def record(conn: sqlite3.Connection, kiosk_id: str, key: str, digest: str, response: Response, now: float) -> None:
    """Store the answer under the key (replacing its claim, if any); the caller holds `db.write`."""
    conn.execute("INSERT INTO idempotency (kiosk_id, key, request_hash, state, status, response, created_at)"
                 " VALUES (?, ?, ?, 'done', ?, ?, ?) ON CONFLICT (kiosk_id, key) DO UPDATE SET"
                 " request_hash = excluded.request_hash, state = excluded.state, status = excluded.status,"
                 " response = excluded.response, created_at = excluded.created_at",
                 (kiosk_id, key, digest, response.status_code, response.get_data(as_text=True), now))


def answer(handler: Callable[[], Any]) -> Response:
    """Run an effect; its answer, or its refusal (a 4xx problem) as the answer to store. A server-side
    failure (a 5xx problem, any other exception) is raised: it must not be stored."""
    try:
        return current_app.make_response(handler())
    except Problem as problem:
        if problem.status >= 500 or problem.status == 429:      # not an answer: the same request may come back
            raise
        return current_app.make_response((json.dumps(problem.document(), ensure_ascii=False), problem.status,
                                          {"Content-Type": "application/problem+json"}))


def replayed(stored: StoredAnswer) -> Response:
    mimetype = "application/problem+json" if stored.status >= 400 else "application/json"
    response = Response(stored.text, status=stored.status, mimetype=mimetype)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def idempotent(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Run an effectful POST at most once per (kiosk, Idempotency-Key); see the module docstring."""

    @functools.wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        key = require_idempotency_key()
        digest = request_digest(request.method, request.path, _request_body())
        conn = g.conn
        now = time.time()
        with db.write(conn):
            forget_expired(conn, now)
            stored = recall(conn, g.kiosk_id, key, digest, now)
            if stored is not None:
                return replayed(stored)
            conn.execute("INSERT INTO idempotency (kiosk_id, key, request_hash, state, created_at)"
                         " VALUES (?, ?, ?, 'in_flight', ?) ON CONFLICT (kiosk_id, key) DO UPDATE SET"
                         " request_hash = excluded.request_hash, state = excluded.state, status = NULL,"
                         " response = NULL, created_at = excluded.created_at", (g.kiosk_id, key, digest, now))
        try:
            response = answer(lambda: handler(*args, **kwargs))
        except BaseException:
            _release(conn, key)
            raise
        with db.write(conn):
            record(conn, g.kiosk_id, key, digest, response, now)
        return response

    return wrapper


def _release(conn: Any, key: str) -> None:
    """Forget a claim whose request failed on the server, so that a retry can run it afresh."""
    with db.write(conn):
        conn.execute("DELETE FROM idempotency WHERE kiosk_id = ? AND key = ?", (g.kiosk_id, key))
