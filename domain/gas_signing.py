"""Request signatures of the gas utility's API, shared by the terminal's client and the reference server.

Each terminal has an id and a key issued by the gas company (not the hall's kiosk key). A request carries:

    X-Gas-Terminal      the terminal's id
    X-Gas-Timestamp     Unix time in whole seconds when the request was signed
    X-Gas-Nonce         32 random hex characters, never reused
    X-Gas-Signature     hex HMAC-SHA256 with the terminal's key over the canonical string

The canonical string is six lines joined by "\\n": "GAS-HMAC-SHA256", the upper-case method, the path as
sent (with "?query"), the timestamp, the nonce, and the hex SHA-256 of the body. The label line keeps a hall
signature from ever passing here (and back), even where a site gave both the same secret. The scheme is
domain.request_signing's.

    >>> sorted(GAS_SIGNING.sign("gt-01", b"key", "GET", "/v1/utility", b"", now=1_700_000_000))
    ['X-Gas-Nonce', 'X-Gas-Signature', 'X-Gas-Terminal', 'X-Gas-Timestamp']
"""

from __future__ import annotations

from domain.request_signing import SigningScheme

__all__ = ["GAS_SIGNING"]

GAS_SIGNING = SigningScheme("X-Gas-Terminal", "X-Gas-Timestamp", "X-Gas-Nonce", "X-Gas-Signature",
                            label="GAS-HMAC-SHA256")
