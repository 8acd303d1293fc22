"""The site's wall clock: the one source of every time the kiosk shows, prints, compares or sends.

Kiosk images often run with the system zone set to UTC, and a developer's laptop can be anywhere; the
hall counts its days in China Standard Time. So the kiosk never asks the machine for its local time: it
reads the clock in the zone the site's profile names (`site.timezone`, an IANA name, default
Asia/Shanghai), and "today" is the site's today at any hour of the machine's day.

    clock = SiteClock("Asia/Shanghai")
    clock.now()            # datetime(2026, 12, 6, 9, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
    clock.today()          # date(2026, 12, 6), even at 01:01 UTC on the 6th or 23:59 UTC on the 5th
    clock.at(1764982860)   # a stored Unix time, as the site's wall time
    clock.local(datetime.fromisoformat("2026-12-05T17:01:00Z"))   # 2026-12-06 01:01 at the site

Durations (idle timers, retries, lockouts) do not belong here: they use monotonic clocks, which no zone
or wall-clock step can move. Tests freeze this clock with time-machine, which moves the real time.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["DEFAULT_TIMEZONE", "SiteClock", "WallClock", "zone_named"]

DEFAULT_TIMEZONE = "Asia/Shanghai"


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone called `name`; ValueError with what was expected when there is no such zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"expected an IANA time zone name such as \"Asia/Shanghai\", got {name!r}") from None


class WallClock(Protocol):
    """What a journey needs of the clock: the site's moment and the site's date."""

    def now(self) -> datetime: ...

    def today(self) -> date: ...

    def local(self, moment: datetime) -> datetime: ...


class SiteClock:
    """Wall time in the site's zone, always timezone-aware."""

    def __init__(self, timezone: str = DEFAULT_TIMEZONE) -> None:
        self.zone = zone_named(timezone)

    def now(self) -> datetime:
        return datetime.now(self.zone)

    def today(self) -> date:
        return self.now().date()

    def at(self, timestamp: float) -> datetime:
        """A Unix time (seconds), as the site's wall time."""
        return datetime.fromtimestamp(timestamp, self.zone)

    def local(self, moment: datetime) -> datetime:
        """An aware moment from elsewhere (the hall's "+08:00", a "Z"), as the site's wall time. A naive
        one carries no zone to convert from and is taken as the site's own."""
        return moment.astimezone(self.zone) if moment.tzinfo else moment.replace(tzinfo=self.zone)

    def __repr__(self) -> str:
        return f"SiteClock({self.zone.key!r})"
