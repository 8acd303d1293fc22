"""A turning arc with a sentence under it: shown while the kiosk waits for the hall or a device, so a
citizen always sees that something is happening (the screen is never silently frozen)."""

from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from screens.kv import load_kv_beside
from screens.widgets import common  # noqa: F401

__all__ = ["BusyIndicator"]


class BusyIndicator(BoxLayout):
    text = StringProperty("")
    active = BooleanProperty(False)
    angle = NumericProperty(0)

    def on_active(self, _instance, active: bool) -> None:
        if active:
            # Eight steps a second: clearly moving, yet cheap to draw on a kiosk without a GPU, where
            # every redraw of the full screen takes processor time from the reader and network threads.
            self._turning = Clock.schedule_interval(self._turn, 1 / 8)
        elif getattr(self, "_turning", None) is not None:
            self._turning.cancel()
            self._turning = None

    def _turn(self, _dt: float) -> None:
        self.angle = (self.angle + 45) % 360


load_kv_beside(__file__)
