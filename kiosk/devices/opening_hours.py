"""Opening hours: is the kiosk serving citizens now, and when does it open next?

The periods come from the profile's ``[opening_hours]`` (per weekday, "08:30-12:00"; a day without periods
is closed; by default always open). Times are the site's wall clock (domain.clock), passed in, so tests choose it.

    hours = OpeningHours(settings.opening_hours)
    hours.is_open(clock.now())                # False at 12:30 between two periods
    hours.next_opening(clock.now())           # datetime(2026, 11, 23, 13, 30, tzinfo=…), or None if never
"""

from __future__ import annotations

from datetime import datetime, timedelta

from kiosk.config import WEEKDAYS, OpeningHoursSettings, parse_period

__all__ = ["OpeningHours"]


class OpeningHours:
    def __init__(self, settings: OpeningHoursSettings) -> None:
        # Per weekday (Monday = 0), sorted (start, end) minutes after midnight.
        self._periods = [sorted(parse_period(text) for text in getattr(settings, day)) for day in WEEKDAYS]

    @property
    def always_open(self) -> bool:
        return all(periods == [(0, 24 * 60)] for periods in self._periods)

    def is_open(self, now: datetime) -> bool:
        minute = now.hour * 60 + now.minute
        return any(start <= minute < end for start, end in self._periods[now.weekday()])

    def next_opening(self, now: datetime) -> datetime | None:
        """The start of the next period after `now` (within a week); None when every day is closed."""
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        minute = now.hour * 60 + now.minute
        for days_ahead in range(8):
            day = midnight + timedelta(days=days_ahead)
            for start, _end in self._periods[day.weekday()]:
                if days_ahead > 0 or start > minute:
                    return day + timedelta(minutes=start)
        return None
