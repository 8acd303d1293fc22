"""The bar at the top of every screen: site name and clock, and the language and elder-mode toggles."""

from kivy.properties import BooleanProperty
from kivy.uix.boxlayout import BoxLayout

from screens.kv import load_kv_beside
from screens.widgets import common  # noqa: F401  (KioskButton rules)

__all__ = ["TopBar"]


class TopBar(BoxLayout):
    show_home = BooleanProperty(True)


load_kv_beside(__file__)
