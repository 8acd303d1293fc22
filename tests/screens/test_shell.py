"""The kiosk shell as a citizen meets it: real widgets, real touches, offscreen."""

import pytest
from kivy.base import EventLoop
from kivy.config import Config
from kivy.core.window import Window
from kivy.metrics import dp
from kivy.uix.label import Label

from domain.privacy import redact, sensitive_values
from kiosk.config import PROFILE_DIR
from tests.fixtures.clock import MACHINE_ZONES, TRICKY_INSTANTS, site_time
from tests.screens.conftest import frames, tap


def all_texts(widget) -> list[str]:
    return [w.text for w in widget.walk() if isinstance(w, Label) and w.text]


def test_attract_screen_shows_site_clock_and_invitation(make_app):
    app = make_app()
    attract = app.screen_manager.get_screen("attract")
    assert app.current_screen == "attract"
    assert attract.ids.site_name.text == "西安市雁塔区政务服务中心（演示）"
    assert attract.ids.touch_to_start.text == "触摸屏幕开始办理"
    assert ":" in attract.ids.clock.text and "星期" in attract.ids.date.text
    notices = [notice.zh for notice in app.settings.site.notices]
    shown = notices.index(attract.ids.notice.text)  # the rotation may have moved on already
    attract.next_notice()
    frames(1)
    assert attract.ids.notice.text == notices[(shown + 1) % len(notices)]


WEEKDAYS_ZH = "一二三四五六日"


@pytest.mark.parametrize("instant", TRICKY_INSTANTS.values(), ids=TRICKY_INSTANTS)
@pytest.mark.parametrize("machine_zone", MACHINE_ZONES)
def test_the_attract_clock_shows_the_sites_date_and_time_on_a_machine_in_any_zone(make_app, frozen_clock,
                                                                                   machine_zone, instant):
    frozen_clock(instant, machine_zone=machine_zone)
    app = make_app()
    attract = app.screen_manager.get_screen("attract")
    at_site = site_time(instant)
    assert attract.ids.clock.text == f"{at_site:%H:%M}"
    assert attract.ids.date.text == (f"{at_site.year}年{at_site.month}月{at_site.day}日 "
                                     f"星期{WEEKDAYS_ZH[at_site.weekday()]}")


def test_touching_the_attract_screen_opens_home_with_one_tile_per_enabled_service(make_app):
    app = make_app()
    tap(app.screen_manager.get_screen("attract").ids.touch_to_start)
    assert app.current_screen == "home"
    assert app.session.active
    home = app.screen_manager.get_screen("home")
    assert sorted(tile.service for tile in home.ids.tiles.children) == sorted(app.settings.services)


def test_gas_terminal_home_offers_gas_top_up(make_app):
    app = make_app(PROFILE_DIR / "gas-terminal.toml")
    app.visit.start()
    frames()
    home = app.screen_manager.get_screen("home")
    assert "燃气缴费" in all_texts(home)
    assert "取号" not in all_texts(home)


def test_each_tile_opens_its_own_screen_and_home_returns(make_app):
    app = make_app()
    app.visit.start()
    frames()
    home = app.screen_manager.get_screen("home")
    for service in app.settings.services:
        tap(home.tile(service))
        assert app.current_screen == service
        screen = app.screen_manager.get_screen(service)
        assert screen.ids.title.text == app.tr(f"service.{service}", "zh")
        tap(screen.ids.top_bar.ids.home_button)
        assert app.current_screen == "home"


def test_language_toggle_changes_every_visible_text(make_app):
    app = make_app()
    app.visit.start()
    frames()
    home = app.screen_manager.get_screen("home")
    assert home.ids.prompt.text == "请选择您要办理的事项"
    toggle = home.children[0].children[-1].ids.language_toggle
    assert toggle.text == "English"
    tap(toggle)
    assert app.language == "en"
    assert home.ids.prompt.text == "Please choose a service"
    assert "Take a ticket" in all_texts(home) and "取号" not in all_texts(home)
    assert toggle.text == "中文"


def test_elder_mode_enlarges_text_and_targets(make_app):
    app = make_app()
    app.visit.start()
    frames()
    home = app.screen_manager.get_screen("home")
    tile = home.tile("ticket")
    standard_font = home.ids.prompt.font_size
    app.visit.toggle_elder_mode()
    frames()
    # The tiles fill the screen in both modes (elder mode's larger bars leave them a little less room).
    assert home.ids.prompt.font_size > standard_font and tile.height >= dp(app.theme.target_dp)
    assert tile.height >= dp(60) and tile.width >= dp(60)
    assert app.visit.idle_watch.idle_timeout_s == app.settings.ui.elder_idle_timeout_s


def test_inactivity_counts_down_then_returns_to_attract_and_wipes_the_session(make_app, fake_clock):
    app = make_app()
    app.visit.start()
    app.visit.toggle_language()
    app.session.remember("phone", "13800001234")
    sensitive_values.register("张测试", "张**")
    frames()

    fake_clock.advance(app.settings.ui.idle_timeout_s - 1)
    app.check_idle()
    assert not app.idle_dialog.is_open

    fake_clock.advance(1)
    app.check_idle()
    frames()
    assert app.idle_dialog.is_open
    assert app.idle_dialog.ids.countdown.text == "Returning to the start in 10 s"

    fake_clock.advance(app.settings.ui.countdown_s)
    app.check_idle()
    frames()
    assert app.current_screen == "attract"
    assert not app.idle_dialog.is_open
    assert not app.session.active and not app.session.holds_personal_data()
    assert redact("张测试") == "张测试"
    assert app.language == "zh"  # the next citizen starts in the default language


@pytest.mark.parametrize("machine_zone", MACHINE_ZONES)
def test_the_idle_countdown_follows_elapsed_time_not_the_wall_clock_across_midnight(make_app, fake_clock,
                                                                                   frozen_clock, machine_zone):
    """GIVEN a session started at 23:59 at the site WHEN the wall clock passes midnight, or is stepped back
    a minute (an NTP correction) THEN nothing happens; WHEN the idle time passes
    THEN the countdown opens, whatever the wall clock says."""
    frozen_clock(TRICKY_INSTANTS["china-23:59"], machine_zone=machine_zone)
    app = make_app()
    app.visit.start()
    frozen_clock(TRICKY_INSTANTS["china-00:01"], machine_zone=machine_zone)
    app.check_idle()
    frozen_clock(TRICKY_INSTANTS["utc-16:00"], machine_zone=machine_zone)
    app.check_idle()
    assert app.session.active and not app.idle_dialog.is_open
    fake_clock.advance(app.settings.ui.idle_timeout_s)
    app.check_idle()
    frames()
    assert app.idle_dialog.is_open and app.session.active


def test_a_touch_during_the_countdown_continues_the_session(make_app, fake_clock):
    app = make_app()
    app.visit.start()
    frames()
    fake_clock.advance(app.settings.ui.idle_timeout_s + 2)
    app.check_idle()
    frames()
    assert app.idle_dialog.is_open
    tap(app.idle_dialog.ids.continue_button)
    assert not app.idle_dialog.is_open
    fake_clock.advance(app.settings.ui.countdown_s)
    app.check_idle()
    assert app.current_screen == "home" and app.session.active


def test_a_touch_anywhere_during_the_countdown_also_continues(make_app, fake_clock):
    app = make_app()
    app.visit.start()
    frames()
    fake_clock.advance(app.settings.ui.idle_timeout_s)
    app.check_idle()
    frames()
    tap(app.screen_manager.get_screen("home").ids.prompt)
    app.check_idle()
    assert not app.idle_dialog.is_open and app.session.active


def test_finish_in_the_countdown_ends_the_session_at_once(make_app, fake_clock):
    app = make_app()
    app.visit.start()
    frames()
    fake_clock.advance(app.settings.ui.idle_timeout_s)
    app.check_idle()
    frames()
    tap(app.idle_dialog.ids.finish_button)
    assert app.current_screen == "attract" and not app.session.active


def test_no_countdown_on_the_attract_screen(make_app, fake_clock):
    app = make_app()
    fake_clock.advance(10_000)
    app.check_idle()
    assert not app.idle_dialog.is_open and app.current_screen == "attract"


def test_escape_back_and_f1_are_swallowed_and_the_window_refuses_to_close(make_app):
    app = make_app()
    app.windowed = False  # as on a real kiosk
    status = EventLoop.status
    for key in (27, 1001, 282):
        assert Window.dispatch("on_keyboard", key, 0, "", []) is True
    assert Window.dispatch("on_request_close") is True
    frames()
    assert EventLoop.status == status
    assert Config.get("kivy", "exit_on_escape") == "0"
    assert app.open_settings() is False


def test_kiosk_lockdown_settings(kivy_window):
    assert Config.get("input", "mouse") == "mouse,disable_multitouch"
    assert Config.options("modules") == []


def test_a_missing_cjk_font_is_announced_with_the_package_to_install(kivy_window, fake_clock):
    from kivy.app import App

    from kiosk.config import load_settings
    from kiosk.i18n import Catalogue
    from screens.kiosk_app import KioskApp

    catalogue = Catalogue.load()
    problem = catalogue.text("app.font_missing", "en", package="fonts-wqy-microhei")
    app = KioskApp(load_settings(PROFILE_DIR / "demo.toml"), catalogue, None, problem, monotonic=fake_clock)
    app._run_prepare()
    try:
        frames()
        warning = app.root.ids.font_warning
        assert warning.text == "Chinese font missing: install the Debian package fonts-wqy-microhei"
        assert warning.opacity == 1 and warning.height > 0
        assert warning.y + warning.height == pytest.approx(kivy_window.height)  # on top, not under a screen
    finally:
        app.dispatch("on_stop")
        for child in list(kivy_window.children):
            kivy_window.remove_widget(child)
        App._running_app = None
