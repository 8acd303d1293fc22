"""Themed building blocks used by every screen: labels and buttons that follow `app.theme`."""

from kivy.properties import BooleanProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.label import Label

from screens.kv import load_kv_beside

__all__ = ["KioskLabel", "KioskButton", "KioskSecondaryButton", "StepPanel"]


class KioskLabel(Label):
    """Body text in the theme's size and colour, wrapping at the label's width (needed for CJK)."""


class KioskButton(Button):
    """A large primary button: at least the theme's touch-target size in both directions."""


class KioskSecondaryButton(KioskButton):
    """A large button for the less important choice; never distinguished by colour alone (it has its own words)."""


class StepPanel(BoxLayout):
    """One step of a journey; only the shown panel is drawn, laid out and touchable.

    A hidden panel has no size, but its buttons keep their minimum size (size_hint_min), and a disabled
    Kivy widget still swallows the touches that hit it: so a hidden panel passes every touch on, and is
    also parked off screen."""

    shown = BooleanProperty(False)

    def on_touch_down(self, touch) -> bool:
        return super().on_touch_down(touch) if self.shown else False

    def on_touch_move(self, touch) -> bool:
        return super().on_touch_move(touch) if self.shown else False

    def on_touch_up(self, touch) -> bool:
        return super().on_touch_up(touch) if self.shown else False


load_kv_beside(__file__)
