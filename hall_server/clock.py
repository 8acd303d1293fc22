"""The hall's wall clock, in China Standard Time (UTC+8, no daylight saving).

Business hours, "today's" appointments and the daily reset of queue numbers all follow this clock.
Tests and the demo pass a `SettableClock` so that a queue is open at 10:00 on a Monday whatever
the real time is; request signatures always use the real time.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

__all__ = ["CHINA_STANDARD_TIME", "SystemClock", "SettableClock", "Clock"]

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(CHINA_STANDARD_TIME)


class SettableClock:
    """A clock that reads a fixed time until it is set or advanced."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            start = start.replace(tzinfo=CHINA_STANDARD_TIME)
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment if moment.tzinfo else moment.replace(tzinfo=CHINA_STANDARD_TIME)

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._now += delta


Clock = SystemClock | SettableClock
