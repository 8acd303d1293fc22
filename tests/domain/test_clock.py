"""The site clock: the site's wall time and date whatever the machine's zone, one clock for the whole tree,
and a site zone that is checked when the profile is loaded."""

from __future__ import annotations

import ast
from datetime import datetime, timezone
from pathlib import Path

import pytest

from domain.clock import SiteClock
from kiosk.config import PROFILE_DIR, ConfigError, load_settings
from kiosk.devices.opening_hours import OpeningHours
from tests.fixtures.clock import MACHINE_ZONES, TRICKY_INSTANTS, site_time

ROOT = Path(__file__).resolve().parents[2]
# The only modules that may read the wall clock: the kiosk's site clock and the hall's own (China) clock.
CLOCK_MODULES = {ROOT / "domain" / "clock.py", ROOT / "hall_server" / "clock.py"}
SOURCE_FOLDERS = ("domain", "kiosk", "drivers", "screens", "hall_server", "gas_server", "payment_gateway", "bench")


@pytest.mark.parametrize("instant", TRICKY_INSTANTS.values(), ids=TRICKY_INSTANTS)
@pytest.mark.parametrize("machine_zone", MACHINE_ZONES)
def test_the_site_clock_reads_the_sites_time_and_date_on_a_machine_in_any_zone(frozen_clock, machine_zone, instant):
    frozen_clock(instant, machine_zone=machine_zone)
    clock = SiteClock("Asia/Shanghai")
    expected = site_time(instant)
    assert clock.now() == instant and clock.now().utcoffset() == expected.utcoffset()
    assert clock.now().replace(tzinfo=None) == expected.replace(tzinfo=None)
    assert clock.today() == expected.date()
    assert clock.at(instant.timestamp()) == expected


def test_another_site_zone_is_followed_too(frozen_clock):
    frozen_clock(TRICKY_INSTANTS["utc-16:00"], machine_zone="Asia/Shanghai")
    assert SiteClock("Asia/Urumqi").now().strftime("%Y-%m-%d %H:%M") == "2026-11-23 22:00"
    assert SiteClock("UTC").today().isoformat() == "2026-11-23"


def test_a_time_from_the_hall_is_shown_in_the_sites_zone():
    clock = SiteClock("Asia/Shanghai")
    assert clock.local(datetime.fromisoformat("2026-12-31T16:30:00Z")).strftime("%Y-%m-%d %H:%M") == "2027-01-01 00:30"
    assert clock.local(datetime.fromisoformat("2026-11-23T10:05:00+08:00")).hour == 10
    assert clock.local(datetime(2026, 11, 23, 10, 5)).utcoffset().total_seconds() == 8 * 3600  # naive: the site's


def test_the_default_site_zone_is_china_and_an_unknown_one_names_the_file_and_key(tmp_path):
    assert load_settings(PROFILE_DIR / "demo.toml").site.timezone == "Asia/Shanghai"
    profile = tmp_path / "site.toml"
    text = (PROFILE_DIR / "demo.toml").read_text(encoding="utf-8")
    profile.write_text(text.replace("[site]\n", "[site]\ntimezone = \"Beijing\"\n", 1), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings(profile)
    assert str(error.value) == (f"{profile}: site.timezone: expected an IANA time zone name such as "
                                "\"Asia/Shanghai\", got 'Beijing'")


@pytest.mark.parametrize("machine_zone", MACHINE_ZONES)
def test_opening_hours_are_the_sites_on_a_machine_in_any_zone(frozen_clock, machine_zone):
    """GIVEN weekday hours 08:30–17:30 and 01:00 UTC on a Monday (09:00 at the site) THEN the kiosk is open,
    and at 10:00 UTC (18:00 at the site) closed until Tuesday 08:30, site time."""
    demo = load_settings(PROFILE_DIR / "demo.toml")
    weekdays = {day: ("08:30-17:30",) for day in ("mon", "tue", "wed", "thu", "fri")}
    hours = OpeningHours(demo.opening_hours.model_copy(update={**weekdays, "sat": (), "sun": ()}))
    clock = SiteClock()
    frozen_clock(datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc), machine_zone=machine_zone)
    assert hours.is_open(clock.now())
    frozen_clock(datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc), machine_zone=machine_zone)
    assert not hours.is_open(clock.now())
    assert hours.next_opening(clock.now()).strftime("%Y-%m-%d %H:%M %Z") == "2026-11-24 08:30 CST"


def _wall_clock_reads(path: Path, root: Path = ROOT) -> list[str]:
    """Every place in a module that reads the wall clock in the machine's zone, as "file:line owner.name",
    in source order."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    calls = {id(node.func): node for node in ast.walk(tree) if isinstance(node, ast.Call)}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
            continue
        owner, name = node.value.id, node.attr
        call = calls.get(id(node))
        zoned = call is not None and (len(call.args) >= {"now": 1, "fromtimestamp": 2}.get(name, 99)
                                      or any(keyword.arg == "tz" for keyword in call.keywords))
        naive = (
            (owner in ("date", "datetime") and name in ("today", "utcnow", "utcfromtimestamp"))
            or (owner == "datetime" and name in ("now", "fromtimestamp") and not zoned)
            or (owner == "time" and name in ("localtime", "ctime", "mktime"))
            or (owner == "time" and name == "strftime" and (call is None or len(call.args) < 2))
        )
        if naive:
            found.append(((node.lineno, node.col_offset), f"{path.relative_to(root)}:{node.lineno} {owner}.{name}"))
    return [text for _position, text in sorted(found)]


def test_nothing_outside_the_clocks_reads_the_machines_local_time():
    """No naive `datetime.now()`, `date.today()` or local-time call anywhere in the product (a default
    argument `today=date.today` counts too): every wall time comes from domain.clock."""
    offenders = []
    for folder in SOURCE_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path not in CLOCK_MODULES:
                offenders += _wall_clock_reads(path)
    offenders += _wall_clock_reads(ROOT / "main.py")
    assert offenders == []


def test_the_check_itself_catches_each_kind_of_local_time_read(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from datetime import date, datetime\nimport time\n"
                      "def f(today=date.today):\n"
                      "    return (datetime.now(), datetime.fromtimestamp(1), time.localtime(), time.strftime('%H'),\n"
                      "            datetime.now(ZONE), datetime.fromtimestamp(1, ZONE), datetime.now(tz=ZONE))\n",
                      encoding="utf-8")
    assert [line.split(" ", 1)[1] for line in _wall_clock_reads(sample, tmp_path)] == [
        "date.today", "datetime.now", "datetime.fromtimestamp", "time.localtime", "time.strftime"]
