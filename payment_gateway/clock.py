"""The gateway's clock, in China Standard Time: when an order was created, confirmed, closed.

Orders move with this clock (a user who confirms after 12 s, WeChat closing an unpaid order after 45 s), so
tests and the demo may pass a `SettableClock` and move it; request signatures always use the real time.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Protocol

__all__ = ["CHINA_STANDARD_TIME", "GatewayClock", "SystemClock", "SettableClock"]

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


class GatewayClock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(CHINA_STANDARD_TIME)


class SettableClock:
    """A clock that stands still until it is advanced (by a test's or a demo's waits)."""

    def __init__(self, start: datetime) -> None:
        self._now = start if start.tzinfo else start.replace(tzinfo=CHINA_STANDARD_TIME)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)
