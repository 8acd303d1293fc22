"""The code scanner's small interface: one abstract method, and the payment-code logic above it.

Each backend implements `_read_line(timeout)` (one scanned code, or None when the time is up) and `close()`;
`CodeScanner` adds what the kiosk needs: forget anything scanned before the prompt, wait for one code with
a deadline and a cancel, and check it is a WeChat payment code.

    scanner.drain()                                   # a code scanned before "scan now" is never used
    code = scanner.read_payment_code(60, cancel)      # PaymentCode, or None (time up or cancelled)
                                                      # NotAPaymentCode when something else was scanned
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod

from domain.payment import PaymentCode
from drivers.scanner.errors import NotAPaymentCode

__all__ = ["CodeScanner", "SLICE_S"]

# How often a wait looks at its cancel flag.
SLICE_S = 0.1


class CodeScanner(ABC):
    description = "code scanner"

    @abstractmethod
    def _read_line(self, timeout: float) -> str | None:
        """One complete code (its terminator removed), or None when nothing completed within `timeout`."""

    @abstractmethod
    def close(self) -> None:
        """Release the device."""

    def read(self, timeout: float, cancel: threading.Event | None = None) -> str | None:
        """The next scanned text, or None when `timeout` passes or `cancel` is set first."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or (cancel is not None and cancel.is_set()):
                return None
            text = self._read_line(min(left, SLICE_S) if cancel is not None else left)
            if text:
                return text.strip()

    def drain(self) -> None:
        """Forget whatever was scanned and not read yet."""
        while self._read_line(0):
            pass

    def read_payment_code(self, timeout: float, cancel: threading.Event | None = None) -> PaymentCode | None:
        text = self.read(timeout, cancel)
        if text is None:
            return None
        try:
            return PaymentCode(text)
        except ValueError:
            masked = PaymentCode.masked_text(text)
            raise NotAPaymentCode(f"scanned {masked} ({len(text)} characters): no WeChat payment code "
                                  "(18 digits starting 10..15)", masked=masked) from None

    def __enter__(self) -> "CodeScanner":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
