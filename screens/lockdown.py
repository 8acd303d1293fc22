"""The window's guards for a kiosk: no key, close request or settings panel leads a citizen out; every touch
is seen (for the idle time and the hidden maintenance gesture) before it reaches the widgets; the app follows
the window's shape.

    guards = WindowGuards(app)
    guards.bind(Window)       # at start
    guards.unbind(Window)     # at stop
"""

from __future__ import annotations

from typing import Any

from kiosk.maintenance.access import in_top_left
from screens.widgets.pin_pad import PinPad

__all__ = ["WindowGuards", "ESCAPE_KEYS", "SETTINGS_KEYS", "DEMO_CARD_KEY"]

ESCAPE_KEYS = {27, 1001}   # Esc, and Android's back button: neither may leave the kiosk
SETTINGS_KEYS = {282}      # F1 opens Kivy's settings panel by default
DEMO_CARD_KEY = 286        # F5: the demo profile places the next demo card on the simulated reader


class WindowGuards:
    def __init__(self, app: Any) -> None:
        self._app = app
        self._handlers = dict(on_keyboard=self.on_keyboard, on_request_close=self.on_request_close,
                              on_touch_down=self.on_any_touch, size=self.follow_shape)

    def bind(self, window: Any) -> None:
        window.bind(**self._handlers)
        self.follow_shape(window, window.size)

    def unbind(self, window: Any) -> None:
        window.unbind(**self._handlers)

    def on_any_touch(self, window: Any, touch: Any) -> bool:
        """Only observes: the touch goes on to the widgets (the countdown's own buttons included)."""
        app = self._app
        now = app.monotonic()
        app.visit.touched()
        app.desk.touched(now)
        if app.desk.corner_tap(in_corner=in_top_left(touch.x, touch.y, window.width, window.height), now=now):
            app.pin_pad = app.pin_pad or PinPad()  # built at first use: most kiosks never see a technician
            app.pin_pad.open_for(app.desk)
        return False

    def on_keyboard(self, _window: Any, key: int, *_args: Any) -> bool:
        if key in ESCAPE_KEYS or key in SETTINGS_KEYS:
            return True  # consumed: Esc/back/F1 never close the kiosk or open a panel
        if key == DEMO_CARD_KEY and self._app.demo_reader_available:
            self._app.devices.place_next_demo_card()
            return True
        return False

    def on_request_close(self, *_args: Any, **_kwargs: Any) -> bool:
        # A kiosk window refuses to close (Alt+F4, a window manager); only a developer's window may.
        return not self._app.windowed

    def follow_shape(self, _window: Any, size: Any) -> None:
        self._app.landscape = size[0] > size[1]
