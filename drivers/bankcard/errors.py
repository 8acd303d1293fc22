"""Typed errors of the bank card terminal (MIS-POS) driver, each with a stable `code` the kiosk maps to its texts.

Messages are for the technician reading a log or the CLI; they never hold a whole card number (masked at
most: first 6, last 4) and never anything about the PIN, which the driver never sees. A refusal by the bank
is no error: it is a `CardTransaction` with status DECLINED and the bank's response code.

    code                      class                    what happened
    bankcard_error            BankCardError            base of all
    terminal_unavailable      TerminalUnavailable      the library could not open the terminal (port, cable, power)
    terminal_fault            TerminalFault            the terminal answered something the driver cannot use
    vendor_library_error      VendorLibraryError       the vendor library failed or cannot be loaded
    vendor_timeout            TerminalHung             a library call did not return in time; its process was
                                                       killed and the next call starts a fresh one
"""

from __future__ import annotations

__all__ = [
    "BankCardError",
    "TerminalUnavailable",
    "TerminalFault",
    "VendorLibraryError",
    "TerminalHung",
    "ERROR_CODES",
]


class BankCardError(Exception):
    """Base of every error the bank card driver raises."""

    code = "bankcard_error"


class TerminalUnavailable(BankCardError):
    code = "terminal_unavailable"


class TerminalFault(BankCardError):
    code = "terminal_fault"


class VendorLibraryError(BankCardError):
    code = "vendor_library_error"


class TerminalHung(VendorLibraryError):
    """Whether a transaction in flight went through is unknown: ask the terminal (`query`) before anything else."""

    code = "vendor_timeout"


def _all_codes() -> dict[str, type[BankCardError]]:
    classes = [BankCardError]
    codes: dict[str, type[BankCardError]] = {}
    while classes:
        cls = classes.pop()
        if "code" in cls.__dict__:
            codes[cls.code] = cls
        classes.extend(cls.__subclasses__())
    return codes


# Every stable code and its class (the kiosk's message catalogue must cover them all).
ERROR_CODES: dict[str, type[BankCardError]] = _all_codes()
