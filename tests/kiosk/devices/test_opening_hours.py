"""Opening hours from the profile: open or closed now, and the next opening time."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from kiosk.config import ConfigError, OpeningHoursSettings, load_settings
from kiosk.devices.opening_hours import OpeningHours

WEEKDAYS_ONLY = OpeningHoursSettings(mon=("08:30-12:00", "13:30-17:30"), tue=("08:30-17:30",), wed=(), thu=(),
                                     fri=("08:30-17:30",), sat=(), sun=())
MONDAY = datetime(2026, 11, 23)


@pytest.mark.parametrize("hour, minute, open_", [(8, 29, False), (8, 30, True), (11, 59, True), (12, 0, False),
                                                 (13, 30, True), (17, 29, True), (17, 30, False)])
def test_open_inside_a_period_closed_outside_it(hour: int, minute: int, open_: bool) -> None:
    assert OpeningHours(WEEKDAYS_ONLY).is_open(MONDAY.replace(hour=hour, minute=minute)) is open_


def test_the_next_opening_is_later_today_then_the_next_open_day() -> None:
    hours = OpeningHours(WEEKDAYS_ONLY)
    assert hours.next_opening(MONDAY.replace(hour=12, minute=30)) == MONDAY.replace(hour=13, minute=30)
    assert hours.next_opening(MONDAY.replace(hour=18)) == datetime(2026, 11, 24, 8, 30)
    # Tuesday evening: Wednesday and Thursday are closed, Friday opens.
    assert hours.next_opening(datetime(2026, 11, 24, 20, 0)) == datetime(2026, 11, 27, 8, 30)


def test_by_default_the_kiosk_is_always_open() -> None:
    hours = OpeningHours(OpeningHoursSettings())
    assert hours.always_open and hours.is_open(MONDAY.replace(hour=3))


def test_a_week_without_any_period_never_opens() -> None:
    closed = OpeningHoursSettings(**{day: () for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
    assert OpeningHours(closed).next_opening(MONDAY) is None


@pytest.mark.parametrize("period, message", [
    ("8:30-17:30", 'opening_hours: mon: expected a period like "08:30-17:30", got \'8:30-17:30\''),
    ("17:30-08:30", "opening_hours: mon: period '17:30-08:30' ends before it starts"),
    ("08:30-25:00", "expected a period like"),
])
def test_a_wrong_period_in_the_profile_is_named_with_the_file_and_key(tmp_path: Path, period: str,
                                                                      message: str) -> None:
    profile = tmp_path / "site.toml"
    profile.write_text(f'profile = "hall"\nservices = ["ticket"]\n[site]\nname = "测试"\nname_en = "Test"\n'
                       f'[opening_hours]\nmon = ["{period}"]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings(profile)
    assert str(error.value).startswith(f"{profile}: ") and message in str(error.value)
