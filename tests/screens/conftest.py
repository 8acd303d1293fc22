"""Real Kivy widgets, offscreen: one window for the whole run, a fresh KioskApp per test.

The app is prepared (built, shown, started) without entering Kivy's event loop; tests step frames
with `frames()` and drive a fake monotonic clock, so nothing depends on wall time.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest

from domain.clock import SiteClock
from kiosk.config import PROFILE_DIR, load_settings
from kiosk.fonts import find_fonts
from kiosk.i18n import Catalogue
from tests.fixtures.hall import HALL_MONDAY_10AM


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="session")
def kivy_window():
    from screens.window_setup import register_fonts  # Kivy itself is configured in tests/conftest.py

    register_fonts(find_fonts().ui_font)
    from kivy.base import EventLoop

    EventLoop.ensure_window()
    from kivy.core.window import Window

    Window.size = (1080, 1920)
    return Window


def frames(count: int = 3) -> None:
    from kivy.base import EventLoop

    for _ in range(count):
        EventLoop.idle()


WAIT_DEADLINE_S = 30


def kiosk_secrets():
    from kiosk.config import Secrets

    return Secrets(kiosk_secret="test-secret-0123456789abcdef", outbox_key="test-outbox-key-0123456789")


def wait_for(condition, what="condition") -> None:
    """Tick the clock until `condition()` holds (answers from worker threads arrive through the clock).
    A deadline, not a sleep: the test fails with `what` if it is never reached. Ticking without drawing
    keeps the software renderer from starving the device threads; each tick waits for the next frame."""
    from kivy.clock import Clock

    deadline = time.monotonic() + WAIT_DEADLINE_S
    while not condition():
        assert time.monotonic() < deadline, f"not reached before the deadline: {what() if callable(what) else what}"
        Clock.tick()
    frames(1)


def embedded_hall_rows(app, sql: str) -> list[tuple]:
    """What the demo kiosk's embedded hall really received, read from its database."""
    from tests.fixtures.hall import hall_rows

    return hall_rows(app.settings.data_dir / "embedded-hall.sqlite3", sql)


def embedded_query_code(app, case_number: str) -> str:
    """The query code the embedded hall printed beside a case number on its acceptance receipt."""
    from hall_server.case_proof import case_query_code

    [(key,)] = embedded_hall_rows(app, "SELECT value FROM settings WHERE key = 'review_key'")
    return case_query_code(bytes.fromhex(key), case_number)


def all_texts(widget) -> list[str]:
    from kivy.uix.label import Label

    return [w.text for w in widget.walk(restrict=True) if isinstance(w, Label) and w.text]


def tap(widget) -> None:
    """A real touch at the widget's centre, through the window's input dispatch."""
    from kivy.tests.common import UnitTestTouch

    touch = UnitTestTouch(*widget.to_window(*widget.center))
    touch.touch_down()
    touch.touch_up()
    frames(2)


@pytest.fixture
def fake_clock():
    return FakeClock()


class StoppedSiteClock(SiteClock):
    """The site's wall clock, stopped on a Monday morning: a walk over every screen state never depends
    on today."""

    def now(self) -> datetime:
        return HALL_MONDAY_10AM.astimezone(self.zone)


@pytest.fixture(scope="module")
def walked_app(kivy_window):
    """One demo app, without hall or devices, for a module that stages many screen states in turn
    (screens.screenshots.stage) instead of building an app per state."""
    from kivy.app import App

    from kiosk.speech import Speaker
    from screens.kiosk_app import KioskApp
    from screens.screenshots import settle

    app = KioskApp(load_settings(PROFILE_DIR / "demo.toml"), Catalogue.load(), find_fonts(), windowed=True,
                   speaker=Speaker(enabled=False))
    app.clock = StoppedSiteClock(app.settings.site.timezone)
    app._run_prepare()
    app.build_all_screens()
    settle()
    yield app
    app.dispatch("on_stop")
    for child in list(kivy_window.children):
        kivy_window.remove_widget(child)
    App._running_app = None
    kivy_window.size = (1080, 1920)


@pytest.fixture
def make_app(kivy_window, fake_clock):
    from kivy.app import App

    from screens.kiosk_app import KioskApp

    apps = []

    def make(profile: Path = PROFILE_DIR / "demo.toml", *, settings=None, secrets=None, hall_connector=None,
             speaker=None):
        from kiosk.speech import Speaker

        settings = settings or load_settings(profile)
        app = KioskApp(settings, Catalogue.load(), find_fonts(), monotonic=fake_clock, windowed=True,
                       secrets=secrets, hall_connector=hall_connector, speaker=speaker or Speaker(enabled=False))
        app._run_prepare()
        app.build_all_screens()  # tests look screens up before opening them
        apps.append(app)
        frames()
        return app

    yield make
    frames(1)
    for app in apps:
        app.dispatch("on_stop")
        for child in list(kivy_window.children):
            kivy_window.remove_widget(child)
        App._running_app = None


@pytest.fixture
def make_demo_kiosk(make_app, tmp_path, frozen_clock):
    """The demo kiosk as a citizen meets it: the embedded reference hall over loopback HTTP, and the
    simulated reader and printer over pseudo-terminals, started as the app starts them; online.

    Real time is moved to `at` (by default Monday 2026-11-23 10:00 at the site, then ticking on) before
    the embedded hall seeds its day, so what the demo hall holds and what the tests expect never depend
    on when the suite runs; `tick=False` freezes it there (for instants next to midnight)."""
    from kiosk.hall.connection import connect_hall

    def make(*, idcard: bool = True, printer: bool = True, speaker=None, at: datetime = HALL_MONDAY_10AM,
             machine_zone: str | None = None, tick: bool = True, gas: bool = False):
        frozen_clock(at, machine_zone=machine_zone, tick=tick)
        demo = load_settings(PROFILE_DIR / "demo.toml")
        devices = demo.devices.model_copy(update={
            "idcard": demo.devices.idcard.model_copy(update={"enabled": idcard}),
            "printer": demo.devices.printer.model_copy(update={"enabled": printer}),
        })
        # 燃气缴费 only where a test asks for it: it starts the embedded gas utility and payment gateway.
        services = demo.services if gas else tuple(service for service in demo.services if service != "gas")
        settings = demo.model_copy(update={"data_dir": tmp_path, "devices": devices, "services": services})
        app = make_app(settings=settings, secrets=kiosk_secrets(),
                       hall_connector=connect_hall, speaker=speaker)
        app.devices.start()
        app.runtime.devices_started()
        wait_for(lambda: app.hall_state == "online", "hall online")
        return app

    return make
