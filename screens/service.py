"""A service's own screen. Until a service's journey is built, it tells the citizen plainly where to go."""

from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

from screens.kv import load_kv_beside
from screens.widgets import top_bar  # noqa: F401  (TopBar rule)

__all__ = ["ServiceScreen"]


class ServiceScreen(Screen):
    service = StringProperty("")


load_kv_beside(__file__)
