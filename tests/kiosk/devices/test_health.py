"""Which journeys a kiosk offers for each device state, and when it is out of service altogether."""

from __future__ import annotations

from kiosk.config import PROFILE_DIR, load_settings
from kiosk.devices.health import DeviceHealth, ServiceMode, availability, out_of_service

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
    assert {s for s, item in offered.items() if item.mode is ServiceMode.DISABLED} == {"ticket", "appointment"}
    assert offered["ticket"].reason == "printer"


def test_a_failing_reader_is_named_before_the_printer() -> None:
    offered = availability(DEMO, HEALTHY.with_(printer="offline", reader="sam_fault"))
    assert offered["appointment"].reason == "reader" and offered["ticket"].reason == "printer"
    assert offered["guide"].mode is ServiceMode.FULL


def test_number_on_screen_keeps_printing_journeys_open() -> None:
    site = DEMO.model_copy(update={"health": DEMO.health.model_copy(update={"without_printer": "number_on_screen"})})
    assert modes(site, HEALTHY.with_(printer="cover_open"))["ticket"] == "number_on_screen"


def test_out_of_service_when_every_offered_journey_is_disabled() -> None:
    devices_only = DEMO.model_copy(update={"services": ("ticket", "one_card")})
    assert out_of_service(devices_only, HEALTHY.with_(printer="paper_out", reader="no_reader"))
    assert not out_of_service(devices_only, HEALTHY.with_(printer="paper_out"))


def test_out_of_service_when_every_device_and_the_hall_are_down() -> None:
    everything_down = DeviceHealth(printer="offline", reader="no_reader", hall="offline")
    assert out_of_service(DEMO, everything_down)
    assert not out_of_service(DEMO, everything_down.with_(hall="online"))   # guides and reviews still work
