"""Typed errors of the code scanner driver, each with a stable `code` the kiosk maps to its own texts.

Messages are for the technician; they never hold a scanned code whole (a payment code is a bearer token for
about a minute): masked at most, its first 2 and last 4 characters.

    code                      class                    what happened
    scanner_error             ScannerError             base of all
    scanner_unavailable       ScannerUnavailable       no such device, no permission, or another program holds it
    scanner_lost              ScannerLost              the device went away while in use (unplugged)
    not_a_payment_code        NotAPaymentCode          something was scanned, but no WeChat payment code
                                                       (`masked`: what was scanned, masked)
"""

from __future__ import annotations

__all__ = ["ScannerError", "ScannerUnavailable", "ScannerLost", "NotAPaymentCode", "ERROR_CODES"]


class ScannerError(Exception):
    """Base of every error the code scanner driver raises."""

    code = "scanner_error"


class ScannerUnavailable(ScannerError):
    code = "scanner_unavailable"


class ScannerLost(ScannerError):
    code = "scanner_lost"


class NotAPaymentCode(ScannerError):
    code = "not_a_payment_code"

    def __init__(self, message: str, *, masked: str = "") -> None:
        super().__init__(message)
        self.masked = masked


ERROR_CODES: dict[str, type[ScannerError]] = {
    cls.code: cls for cls in (ScannerError, ScannerUnavailable, ScannerLost, NotAPaymentCode)
}
