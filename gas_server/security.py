"""Who may call the gas API and how often a request may take effect: terminal signatures and idempotency keys.

Credentials. Each terminal has its own id and key, issued by the gas company (not the hall's kiosk key).
Every /v1 request is signed with HMAC-SHA256 (domain.gas_signing: headers X-Gas-Terminal,
X-Gas-Timestamp, X-Gas-Nonce, X-Gas-Signature, canonical string labelled "GAS-HMAC-SHA256"). Why a
signature rather than an API key alone: the key never crosses the wire (an API key in a header is a
bearer secret that any proxy log or TLS-terminating box can copy and then spend);
the signature covers method, path and body, so an amount or an order id cannot be changed in transit;
timestamp and nonce make a captured "record payment" useless a second time; and a key per terminal means
a stolen terminal is revoked alone while every order stays attributable to the terminal that made it.

Idempotency. `idempotent` wraps every effectful POST: the first request with an Idempotency-Key claims it
(per terminal), a repeat gets the stored answer byte for byte (header Idempotent-Replayed: true), the same
key with another body gets 422 idempotency_key_reused, and a repeat while the first is still running
gets 409 request_in_flight. Refusals (4xx) are stored too; server failures (5xx) are not, so a retry runs
afresh. `lookup` only demands the key: lookups have no effect and their answers are not kept.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from typing import Any, Callable

from flask import Response, current_app, g, request

from domain.gas_signing import GAS_SIGNING
from domain.request_signing import SignatureRefused
from gas_server import db
from gas_server.context import gas_config
from gas_server.problems import Problem
from gas_server.schemas import is_idempotency_key

__all__ = ["GAS_SIGNING", "IDEMPOTENCY_HEADER", "verify_request", "idempotent", "lookup", "request_digest"]

IDEMPOTENCY_HEADER = "Idempotency-Key"
ABANDONED_CLAIM_SECONDS = 120.0             # a claim older than this was left by a crashed server
RETENTION_SECONDS = 400 * 24 * 3600         # answers outlive a year's reconciliation disputes


def verify_request() -> None:
    """Refuse an unsigned, badly signed, stale or replayed request (Flask before_request)."""
    config = gas_config()
    path = request.script_root + request.path
    if request.query_string:
        path += "?" + request.query_string.decode("latin-1")
    try:
        g.terminal_id = GAS_SIGNING.verify(request.headers.get, config.terminals.get, request.method, path,
                                           request.get_data(cache=True), now=time.time(),
                                           window_seconds=config.signature_window_seconds,
                                           nonces=current_app.extensions["gas_nonces"])
    except SignatureRefused as refused:
        code = "unknown_terminal" if refused.reason == "unknown_caller" else refused.reason
        raise Problem(code, detail=refused.detail) from None


def _require_key() -> str:
    key = request.headers.get(IDEMPOTENCY_HEADER, "")
    if not is_idempotency_key(key):
        raise Problem("idempotency_key_missing")
    return key


def request_digest(method: str, path: str, raw: bytes) -> str:
    """Method, path and the body as canonical JSON (keys sorted, no spaces), so a re-encoded retry is the
    same request; a body that is not JSON counts by its bytes."""
    try:
        raw = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":"),
                         ensure_ascii=False).encode("utf-8", "surrogatepass")
    except (ValueError, RecursionError):
        pass
    return hashlib.sha256(f"{method} {path}\n".encode() + raw).hexdigest()


def lookup(handler: Callable[..., Any]) -> Callable[..., Any]:
    """A POST without effect (lookups, quotes): the key is demanded like everywhere, the answer not kept."""

    @functools.wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _require_key()
        return handler(*args, **kwargs)

    return wrapper


def idempotent(handler: Callable[..., Any]) -> Callable[..., Response]:
    """Run an effectful POST at most once per (terminal, Idempotency-Key); see the module docstring."""

    @functools.wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        key = _require_key()
        digest = request_digest(request.method, request.path, request.get_data(cache=True))
        conn, terminal = g.conn, g.terminal_id
        now = time.time()
        with db.write(conn):
            conn.execute("DELETE FROM idempotency WHERE created_at < ?", (now - RETENTION_SECONDS,))
            row = conn.execute("SELECT request_hash, state, status, response, created_at FROM idempotency"
                               " WHERE terminal_id = ? AND key = ?", (terminal, key)).fetchone()
            if row is not None:
                if row["request_hash"] != digest:
                    raise Problem("idempotency_key_reused")
                if row["state"] == "done":
                    return _replayed(row["status"], row["response"])
                if now - row["created_at"] < ABANDONED_CLAIM_SECONDS:
                    raise Problem("request_in_flight")
            conn.execute("INSERT OR REPLACE INTO idempotency (terminal_id, key, request_hash, state, created_at)"
                         " VALUES (?, ?, ?, 'in_flight', ?)", (terminal, key, digest, now))
        try:
            response = _answer(lambda: handler(*args, **kwargs))
        except BaseException:
            with db.write(conn):        # a server failure: free the key so that a retry runs afresh
                conn.execute("DELETE FROM idempotency WHERE terminal_id = ? AND key = ?", (terminal, key))
            raise
        with db.write(conn):
            conn.execute("UPDATE idempotency SET state = 'done', status = ?, response = ?"
                         " WHERE terminal_id = ? AND key = ?",
                         (response.status_code, response.get_data(as_text=True), terminal, key))
        return response

    return wrapper


def _answer(handler: Callable[[], Any]) -> Response:
    """The effect's answer, or its refusal (4xx) as the answer to keep; a 5xx is raised, never kept."""
    try:
        return current_app.make_response(handler())
    except Problem as problem:
        if problem.status >= 500:
            raise
        return current_app.make_response((json.dumps(problem.document(), ensure_ascii=False), problem.status,
                                          {"Content-Type": "application/problem+json"}))


def _replayed(status: int, text: str) -> Response:
    response = Response(text, status=status, mimetype="application/problem+json" if status >= 400
                        else "application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response
