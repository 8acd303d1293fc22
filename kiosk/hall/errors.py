"""Errors of the hall backend client: what went wrong, in words a technician can act on.

Every error text is built from status codes, stable error codes and the hall's own messages, never
from request bodies, so no identity number, name or phone number can reach a log through an error.

    ==================  ===========================================================================
    HallError           base class: catch this to treat every hall failure alike
    HallUnavailable     no answer: connection refused, DNS, TLS handshake, timeout, 502/503/504
    HallRejected        the hall answered with a problem document (RFC 9457): 4xx or a 5xx with code
    HallProtocolError   the hall answered, but not with what the API promises (HTML, bad JSON, schema)
    ==================  ===========================================================================
"""

from __future__ import annotations

from domain.privacy import redact

__all__ = ["HallError", "HallUnavailable", "HallRejected", "HallProtocolError"]


class HallError(Exception):
    """Base of every hall client error."""


class HallUnavailable(HallError):
    """The hall could not be reached or did not answer in time; retrying later may succeed."""


class HallRejected(HallError):
    """The hall refused the request with a stable error code and a message for the citizen.

    `code` is the API's stable machine code (e.g. ``already_checked_in``); `message_zh` is the
    sentence to show the citizen, `message_en` the one for technicians.
    """

    def __init__(self, status: int, code: str, message_zh: str, message_en: str) -> None:
        self.status = status
        self.code = code
        # The server never puts personal data into messages; redact anyway, in case a vendor's does.
        self.message_zh = redact(message_zh)
        self.message_en = redact(message_en)
        super().__init__(f"hall rejected the request: HTTP {status} {code}: {self.message_en}")


class HallProtocolError(HallError):
    """The hall's answer does not follow the API (not JSON, truncated, or missing fields)."""
