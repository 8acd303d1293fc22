"""What every payment backend offers the saga, the errors it may raise, and the clock it waits with.

    backend.pay(request, progress=show, cancel=event)   → PaymentOutcome, final: SUCCESS, CLOSED, REVOKED, REFUNDED
    backend.query(order_id)                             → PaymentOutcome (PENDING when not final), or None
    backend.reverse(order_id)                           → PaymentOutcome, final and never paid
    backend.refund(order_id)                            → PaymentOutcome, final and never paid

Errors, each with a stable `code` (the kiosk's message catalogue has a sentence for each):

    code                          class                        what happened                       money
    payment_error                 PaymentError                 base of all
    payment_unresolved            PaymentUnresolved            the provider could not be brought   unknown: call
                                                               to a final answer (unreachable,     reverse() or
                                                               answers that fail verification,     query() again
                                                               a terminal that hangs)              later
    payment_method_unavailable    PaymentMethodUnavailable     the method is off, or its device    nothing taken
                                                               (scanner, terminal) cannot be used
    merchant_rejected             MerchantRejected             the provider refused the merchant   nothing taken
                                                               (keys, ids): a technician's matter
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Protocol

from domain.payment import PaymentCode, PaymentMethod, PaymentOutcome, PaymentProgress, PaymentRequest

__all__ = [
    "PaymentBackend",
    "ProgressCallback",
    "PaymentClock",
    "SystemPaymentClock",
    "CodeSource",
    "PaymentError",
    "PaymentUnresolved",
    "PaymentMethodUnavailable",
    "MerchantRejected",
    "ERROR_CODES",
    "no_progress",
]

ProgressCallback = Callable[[PaymentProgress], None]


def no_progress(_event: PaymentProgress) -> None:
    """The progress callback of a caller that shows nothing (recovery after a restart)."""


class PaymentClock(Protocol):
    """Durations for the payment rules (query every 5 s, at most 30 s): monotonic, and a wait that a cancel ends."""

    def monotonic(self) -> float: ...

    def wait(self, seconds: float, cancel: threading.Event | None = None) -> bool:
        """Wait `seconds`; True when `cancel` was set (before or during the wait)."""
        ...


class SystemPaymentClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def wait(self, seconds: float, cancel: threading.Event | None = None) -> bool:
        if cancel is None:
            time.sleep(max(0.0, seconds))
            return False
        return cancel.wait(max(0.0, seconds))


class CodeSource(Protocol):
    """Where payment codes come from: drivers.scanner's CodeScanner."""

    def drain(self) -> None: ...

    def read_payment_code(self, timeout: float, cancel: threading.Event | None = None) -> PaymentCode | None: ...


class PaymentBackend(Protocol):
    method: PaymentMethod

    def pay(self, request: PaymentRequest, *, progress: ProgressCallback = no_progress,
            cancel: threading.Event | None = None) -> PaymentOutcome: ...

    def query(self, order_id: str) -> PaymentOutcome | None: ...

    def reverse(self, order_id: str) -> PaymentOutcome: ...

    def refund(self, order_id: str) -> PaymentOutcome: ...

    def close(self) -> None: ...


class PaymentError(Exception):
    code = "payment_error"

    def __init__(self, message: str, *, order_id: str = "", method: PaymentMethod | None = None) -> None:
        super().__init__(message)
        self.order_id = order_id
        self.method = method


class PaymentUnresolved(PaymentError):
    """No final answer could be had: the money's fate is unknown until a later `reverse` or `query` settles it.
    `last_known` is the last state the provider did confirm (None when none); `cause` a stable code of why:
    unreachable, timeout, answer_not_verified, answer_mismatch, provider_error, terminal_hung, terminal_fault."""

    code = "payment_unresolved"

    def __init__(self, message: str, *, order_id: str, method: PaymentMethod, cause: str,
                 last_known: PaymentOutcome | None = None) -> None:
        super().__init__(message, order_id=order_id, method=method)
        self.cause = cause
        self.last_known = last_known


class PaymentMethodUnavailable(PaymentError):
    code = "payment_method_unavailable"


class MerchantRejected(PaymentError):
    code = "merchant_rejected"


ERROR_CODES: dict[str, type[PaymentError]] = {
    cls.code: cls for cls in (PaymentError, PaymentUnresolved, PaymentMethodUnavailable, MerchantRejected)
}
