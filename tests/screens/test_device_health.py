"""The kiosk adapts to its devices by itself: simulated printer and reader over pseudo-terminals, the
embedded reference hall over loopback HTTP; journeys switched off and back on, the out-of-service screen,
opening hours, and the hall told of every change."""

from __future__ import annotations

import sqlite3
from datetime import datetime

import pytest

from drivers.printer import PrinterState
from kiosk.config import PROFILE_DIR, load_settings
from kiosk.hall.connection import connect_hall
from tests.fixtures.clock import CHINA, MACHINE_ZONES
from tests.screens.conftest import all_texts, frames, kiosk_secrets, wait_for

PRINTS = ("ticket", "appointment")
NEEDS_CARD = ("one_card", "appointment")


def tile(app, service):
    return app.screen_manager.get_screen("home").tile(service)


def home_text(app) -> str:
    return "\n".join(all_texts(app.screen_manager.get_screen("home")))


def set_printer(app, state: PrinterState) -> None:
    app.devices.demo_printer.set_state(state)
    app.runtime.printer_watch.check_now()
    wait_for(lambda: app.printer_state == state.value, f"printer {state.value}")


@pytest.fixture
def kiosk(make_demo_kiosk):
    app = make_demo_kiosk()
    wait_for(lambda: app.printer_state == "ready" and app.reader_state == "connected", "devices ready")
    app.visit.start()
    frames()
    return app


def test_paper_out_disables_the_journeys_that_print_and_says_so_until_paper_is_back(kiosk):
    set_printer(kiosk, PrinterState.PAPER_OUT)
    for service in PRINTS:
        assert tile(kiosk, service).disabled, service
        assert "暂停使用" in "\n".join(all_texts(tile(kiosk, service)))
    for service in ("one_card", "progress", "review", "complaint"):
        assert not tile(kiosk, service).disabled, service
    assert "打印机暂时无法使用，需要打印凭条的业务暂停" in home_text(kiosk)

    set_printer(kiosk, PrinterState.READY)
    assert not any(tile(kiosk, service).disabled for service in PRINTS)
    assert "打印机" not in home_text(kiosk)


def test_a_disabled_tile_cannot_be_opened(kiosk):
    set_printer(kiosk, PrinterState.OFFLINE)
    kiosk.open_service("ticket")
    assert kiosk.current_screen == "home"


def test_near_end_paper_still_prints(kiosk):
    set_printer(kiosk, PrinterState.PAPER_NEAR_END)
    assert not tile(kiosk, "ticket").disabled


def test_a_site_may_keep_tickets_with_the_number_on_screen_only(make_app, tmp_path):
    demo = load_settings(PROFILE_DIR / "demo.toml")
    settings = demo.model_copy(update={"data_dir": tmp_path, "health": demo.health.model_copy(
        update={"without_printer": "number_on_screen"})})
    app = make_app(settings=settings, secrets=kiosk_secrets())
    app.runtime.device_changed("printer", "paper_out", "paper roll is empty")   # as the printer watch reports it
    app.visit.start()
    frames()
    assert not tile(app, "ticket").disabled
    assert "号码仅在屏幕显示" in "\n".join(all_texts(tile(app, "ticket")))
    assert "取号后请记下屏幕上显示的号码" in home_text(app)


def test_an_unplugged_reader_disables_the_card_journeys_until_it_is_back(kiosk):
    kiosk.devices.demo_reader.unplug()
    wait_for(lambda: kiosk.reader_state == "no_reader", "reader lost")
    for service in NEEDS_CARD:
        assert tile(kiosk, service).disabled, service
    assert not tile(kiosk, "ticket").disabled
    assert "身份证阅读器暂时无法使用" in home_text(kiosk)

    kiosk.devices.demo_reader.replug()
    wait_for(lambda: kiosk.reader_state == "connected", "reader back")
    assert not any(tile(kiosk, service).disabled for service in NEEDS_CARD)


@pytest.fixture
def device_only_kiosk(make_app, tmp_path):
    """A kiosk whose every service needs a device: tickets (printer) and 一证通办 (reader)."""
    demo = load_settings(PROFILE_DIR / "demo.toml")
    settings = demo.model_copy(update={"data_dir": tmp_path, "services": ("ticket", "one_card")})
    app = make_app(settings=settings, secrets=kiosk_secrets(), hall_connector=connect_hall)
    app.devices.start()
    app.runtime.devices_started()
    wait_for(lambda: app.printer_state == "ready" and app.reader_state == "connected", "devices ready")
    return app


def test_when_nothing_can_work_the_kiosk_goes_out_of_service_by_itself_and_comes_back(device_only_kiosk):
    app = device_only_kiosk
    assert app.current_screen == "attract"
    app.devices.demo_reader.unplug()
    set_printer(app, PrinterState.COVER_OPEN)
    wait_for(lambda: app.current_screen == "out_of_service", "out of service")
    screen = app.screen_manager.get_screen("out_of_service")
    assert screen.ids.title.text == "暂停服务"
    assert "请使用其他自助终端或到服务台办理" in screen.ids.reason.text

    app.devices.demo_reader.replug()
    wait_for(lambda: app.reader_state == "connected", "reader back")
    assert app.current_screen == "attract"


def test_a_citizen_on_the_home_screen_is_moved_off_and_their_session_wiped(device_only_kiosk):
    app = device_only_kiosk
    app.visit.start()
    app.devices.demo_reader.unplug()
    set_printer(app, PrinterState.OFFLINE)
    wait_for(lambda: app.current_screen == "out_of_service", "out of service")
    assert not app.session.active


def test_the_technicians_pause_shows_the_out_of_service_screen_with_the_notice(make_app):
    app = make_app()
    app.suspend_notice = "更换打印纸，约10分钟"
    app.runtime.set_suspended(True)
    frames()
    screen = app.screen_manager.get_screen("out_of_service")
    assert app.current_screen == "out_of_service"
    assert "本机正在维护" in screen.ids.reason.text and screen.ids.notice.text == "更换打印纸，约10分钟"
    app.runtime.set_suspended(False)
    assert app.current_screen == "attract"


@pytest.mark.parametrize("machine_zone", MACHINE_ZONES)
def test_outside_opening_hours_the_closed_notice_names_the_next_opening(make_app, tmp_path, frozen_clock,
                                                                        machine_zone):
    """GIVEN Monday's lunch break at the site (04:15 UTC) on a machine in any zone THEN the closed notice
    names 13:30, site time; AT 13:30 the kiosk opens."""
    demo = load_settings(PROFILE_DIR / "demo.toml")
    weekdays = {day: ("08:30-12:00", "13:30-17:30") for day in ("mon", "tue", "wed", "thu", "fri")}
    hours = demo.opening_hours.model_copy(update={**weekdays, "sat": (), "sun": ()})
    frozen_clock(datetime(2026, 11, 23, 12, 15, tzinfo=CHINA), machine_zone=machine_zone)  # Monday lunch break
    app = make_app(settings=demo.model_copy(update={"data_dir": tmp_path, "opening_hours": hours}))
    app._update_clock_texts()
    frames()
    assert app.current_screen == "out_of_service"
    screen = app.screen_manager.get_screen("out_of_service")
    assert screen.ids.title.text == "非办公时间"
    assert screen.ids.reason.text == "现在是非办公时间。下次开放：今天 13:30"
    frozen_clock(datetime(2026, 11, 23, 13, 30, tzinfo=CHINA), machine_zone=machine_zone)
    app._update_clock_texts()
    assert app.current_screen == "attract"


def test_device_changes_reach_the_hall_as_events(kiosk, tmp_path):
    set_printer(kiosk, PrinterState.PAPER_OUT)
    kiosk.devices.demo_reader.unplug()
    wait_for(lambda: kiosk.reader_state == "no_reader", "reader lost")
    database = tmp_path / "embedded-hall.sqlite3"

    def stored():
        conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            return {row[0] for row in conn.execute("SELECT type FROM device_events")}
        finally:
            conn.close()

    wait_for(lambda: {"printer.paper_out", "reader.lost"} <= stored(), lambda: f"events at the hall: {stored()}")
