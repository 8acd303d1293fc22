"""Request signatures of the hall API, shared by the kiosk client and the reference server.

Each kiosk has an id and a secret. A request carries four headers:

    X-Kiosk-Id          the kiosk's id
    X-Kiosk-Timestamp   Unix time in whole seconds when the request was signed
    X-Kiosk-Nonce       32 random hex characters, never reused
    X-Kiosk-Signature   hex HMAC-SHA256 with the kiosk secret over the canonical string

The canonical string is five lines joined by "\\n": the upper-case method, the path as sent
(with "?query" when there is one), the timestamp, the nonce, and the hex SHA-256 of the body
(of the empty string when there is none). The server refuses a timestamp outside its window and
a nonce it has seen within that window, so a captured request cannot be replayed. The scheme itself
(shared with the gas utility's API, under other header names) is domain.request_signing.

    >>> headers = sign_request("kiosk-01", b"s3cret", "GET", "/v1/queues", b"", now=1_700_000_000)
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
    "canonical_string",
    "signature",
    "sign_request",
    "signatures_match",
]

HEADER_KIOSK_ID = "X-Kiosk-Id"
HEADER_TIMESTAMP = "X-Kiosk-Timestamp"
HEADER_NONCE = "X-Kiosk-Nonce"
HEADER_SIGNATURE = "X-Kiosk-Signature"

# No label: the hall's canonical string is the original five lines, which deployed kiosks sign.
HALL_SIGNING = SigningScheme(HEADER_KIOSK_ID, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE)


def canonical_string(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """The exact bytes both sides sign; any change to method, path, time, nonce or body breaks it."""
    return HALL_SIGNING.canonical_string(method, path, timestamp, nonce, body)


def signature(secret: bytes, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    return HALL_SIGNING.signature(secret, method, path, timestamp, nonce, body)


def sign_request(kiosk_id: str, secret: bytes, method: str, path: str, body: bytes,
                 *, now: float | None = None, nonce: str | None = None) -> dict[str, str]:
    """The four signature headers for one request."""
    return HALL_SIGNING.sign(kiosk_id, secret, method, path, body, now=now, nonce=nonce)
