"""Errors of the gas utility client: what went wrong, in words a technician can act on, and what it means
for a purchase that may already have taken effect.

Every text is built from status codes, stable problem codes and the utility's own messages, never from
request bodies, so no card number or amount can reach a log through an error.

    ==========================  ==============================================================================
    GasUtilityError             base class: catch this to treat every utility failure alike
    GasUtilityUnavailable       no usable answer: refused, DNS, TLS, timeout, connection broken, any 5xx
    GasUtilityRejected          the utility refused by its rules, with a stable `code` (a 4xx problem document)
    GasUtilityProtocolError     the utility answered, but not as the API promises (HTML, bad JSON, wrong shape)
    ==========================  ==============================================================================

For a write (create order, record payment, reserve, confirm, refund) `GasUtilityUnavailable` and
`GasUtilityProtocolError` mean "may or may not have taken effect": repeat the call with the same
idempotency key, which the saga journals before the first attempt; the utility answers the repeat with
the first outcome and never acts twice. `GasUtilityRejected` means it did not take effect (and a repeat
with the same key gets the same refusal).
"""

from __future__ import annotations

from domain.privacy import redact

__all__ = ["GasUtilityError", "GasUtilityUnavailable", "GasUtilityRejected", "GasUtilityProtocolError"]


class GasUtilityError(Exception):
    """Base of every gas utility client error."""


class GasUtilityUnavailable(GasUtilityError):
    """No usable answer; retrying later (with the same idempotency key, for a write) may succeed.

    `status` and `code` are set when the utility did answer with a 5xx (e.g. 503 database_busy).
    """

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        self.status = status
        self.code = code
        super().__init__(message)


class GasUtilityRejected(GasUtilityError):
    """The utility refused the request: `code` is the API's stable code (e.g. ``account_in_arrears``),
    `message_zh` the sentence for the citizen, `message_en` the one for technicians."""

    def __init__(self, status: int, code: str, message_zh: str, message_en: str) -> None:
        self.status = status
        self.code = code
        self.message_zh = redact(message_zh)
        self.message_en = redact(message_en)
        super().__init__(f"gas utility rejected the request: HTTP {status} {code}: {self.message_en}")


class GasUtilityProtocolError(GasUtilityError):
    """The utility's answer does not follow the API (not JSON, truncated, or missing fields)."""
