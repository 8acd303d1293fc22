"""Which journeys a kiosk offers for each device state, and when it is out of service altogether."""

from __future__ import annotations

from kiosk.config import PROFILE_DIR, load_settings
from kiosk.devices.health import DeviceHealth, ServiceMode, assess, availability, out_of_service

DEMO = load_settings(PROFILE_DIR / "demo.toml")
HEALTHY = DeviceHealth(printer="ready", reader="connected", hall="online")


def modes(settings, health) -> dict[str, str]:
    return {service: item.mode.value for service, item in availability(settings, health).items()}


def test_a_healthy_kiosk_offers_everything() -> None:
    assert set(modes(DEMO, HEALTHY).values()) == {"full"}
    assert not out_of_service(DEMO, HEALTHY)


def test_until_a_device_has_reported_nothing_is_switched_off() -> None:
    assert set(modes(DEMO, DeviceHealth()).values()) == {"full"}


def test_no_paper_disables_what_prints_and_blames_the_printer() -> None:
    offered = availability(DEMO, HEALTHY.with_(printer="paper_out"))
    assert {s for s, item in offered.items() if item.mode is ServiceMode.DISABLED} == {"ticket", "appointment", "gas"}
    assert offered["ticket"].reason == "printer" and offered["gas"].reason == "printer"


def test_a_failing_reader_is_named_before_the_printer() -> None:
    offered = availability(DEMO, HEALTHY.with_(printer="offline", reader="sam_fault"))
    assert offered["appointment"].reason == "reader" and offered["ticket"].reason == "printer"
    assert offered["guide"].mode is ServiceMode.FULL


def test_number_on_screen_keeps_printing_journeys_open() -> None:
    site = DEMO.model_copy(update={"health": DEMO.health.model_copy(update={"without_printer": "number_on_screen"})})
    assert modes(site, HEALTHY.with_(printer="cover_open"))["ticket"] == "number_on_screen"


def test_a_journey_that_takes_money_is_never_offered_without_a_printer() -> None:
    site = DEMO.model_copy(update={"health": DEMO.health.model_copy(update={"without_printer": "number_on_screen"})})
    assert modes(site, HEALTHY.with_(printer="paper_out"))["gas"] == "disabled"


def test_out_of_service_when_every_offered_journey_is_disabled() -> None:
    devices_only = DEMO.model_copy(update={"services": ("ticket", "one_card")})
    assert out_of_service(devices_only, HEALTHY.with_(printer="paper_out", reader="no_reader"))
    assert not out_of_service(devices_only, HEALTHY.with_(printer="paper_out"))


def test_out_of_service_when_every_device_and_the_hall_are_down() -> None:
    everything_down = DeviceHealth(printer="offline", reader="no_reader", hall="offline")
    assert out_of_service(DEMO, everything_down)
    assert not out_of_service(DEMO, everything_down.with_(hall="online"))   # guides and reviews still work


def test_the_offer_names_each_device_notice_once_and_says_why_the_kiosk_does_not_serve() -> None:
    paper_out = HEALTHY.with_(printer="paper_out")
    offer = assess(DEMO, paper_out, suspended=False, closed=False)
    assert offer.service_modes["ticket"] == "disabled" and offer.service_modes["guide"] == "full"
    assert offer.notices == ("health.printer_notice",) and offer.unavailable == ""
    both = assess(DEMO, paper_out.with_(reader="no_reader"), suspended=False, closed=False)
    assert both.notices == ("health.printer_notice", "health.reader_notice")


def test_the_technicians_pause_comes_before_the_opening_hours_and_they_before_the_devices() -> None:
    broken = HEALTHY.with_(printer="offline", reader="no_reader", hall="offline")
    assert assess(DEMO, broken, suspended=True, closed=True).unavailable == "suspended"
    assert assess(DEMO, broken, suspended=False, closed=True).unavailable == "closed"
    assert assess(DEMO, broken, suspended=False, closed=False).unavailable == "broken"
    assert assess(DEMO, HEALTHY, suspended=False, closed=False).unavailable == ""
