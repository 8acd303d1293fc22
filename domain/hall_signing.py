"""Request signatures of the hall API, shared by the kiosk client and the reference server.

Each kiosk has an id and a secret. A request carries four headers:

    X-Kiosk-Id          the kiosk's id
    X-Kiosk-Timestamp   Unix time in whole seconds when the request was signed
    X-Kiosk-Nonce       32 random hex characters, never reused
    X-Kiosk-Signature   hex HMAC-SHA256 with the kiosk secret over the canonical string

The canonical string is seven lines joined by "\\n": the upper-case method, the percent-decoded path
(with "?query", as sent, when there is one), the timestamp, the nonce, the hex SHA-256 of the body (of the
empty string when there is none), the Host header and the Idempotency-Key header ("" when a GET has none).
Host is signed because it names the server in the review links the hall prints; Idempotency-Key because it
decides which answer a request gets. The server refuses a timestamp outside its window and a nonce it has
seen within that window (remembered across restarts), so a captured request cannot be replayed. The scheme
itself (shared with the gas utility's API, under other header names) is domain.request_signing.

    >>> headers = sign_request("kiosk-01", b"s3cret", "GET", "/v1/queues", b"", host="hall.example:8700",
    ...                        now=1_700_000_000)
    >>> sorted(headers)
    ['X-Kiosk-Id', 'X-Kiosk-Nonce', 'X-Kiosk-Signature', 'X-Kiosk-Timestamp']
"""

from __future__ import annotations

from domain.request_signing import SigningScheme, signatures_match

__all__ = [
    "HALL_SIGNING",
    "HEADER_KIOSK_ID",
    "HEADER_TIMESTAMP",
    "HEADER_NONCE",
    "HEADER_SIGNATURE",
    "HEADER_HOST",
    "HEADER_IDEMPOTENCY_KEY",
    "canonical_string",
    "signature",
    "sign_request",
    "signatures_match",
]

HEADER_KIOSK_ID = "X-Kiosk-Id"
HEADER_TIMESTAMP = "X-Kiosk-Timestamp"
HEADER_NONCE = "X-Kiosk-Nonce"
HEADER_SIGNATURE = "X-Kiosk-Signature"
HEADER_HOST = "Host"
HEADER_IDEMPOTENCY_KEY = "Idempotency-Key"

# No label: the first five lines are the original canonical string; Host and Idempotency-Key follow.
HALL_SIGNING = SigningScheme(HEADER_KIOSK_ID, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE,
                             bound_headers=(HEADER_HOST, HEADER_IDEMPOTENCY_KEY))


def _bound(host: str, idempotency_key: str) -> dict[str, str]:
    return {HEADER_HOST: host, HEADER_IDEMPOTENCY_KEY: idempotency_key}


def canonical_string(method: str, path: str, timestamp: str, nonce: str, body: bytes, *, host: str,
                     idempotency_key: str = "") -> bytes:
    """The exact bytes both sides sign; any change to method, path, time, nonce, body, host or key breaks it."""
    return HALL_SIGNING.canonical_string(method, path, timestamp, nonce, body, _bound(host, idempotency_key))


def signature(secret: bytes, method: str, path: str, timestamp: str, nonce: str, body: bytes, *, host: str,
              idempotency_key: str = "") -> str:
    return HALL_SIGNING.signature(secret, method, path, timestamp, nonce, body, _bound(host, idempotency_key))


def sign_request(kiosk_id: str, secret: bytes, method: str, path: str, body: bytes, *, host: str,
                 idempotency_key: str = "", now: float | None = None, nonce: str | None = None) -> dict[str, str]:
    """The four signature headers for one request sent with this Host and Idempotency-Key (none: "")."""
    return HALL_SIGNING.sign(kiosk_id, secret, method, path, body, now=now, nonce=nonce,
                             bound=_bound(host, idempotency_key))
