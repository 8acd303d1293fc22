"""The out-of-service screen: shown by itself when the kiosk cannot serve anyone (every device down, the
technician's 暂停服务, outside opening hours), and left by itself when that ends. It says where to go
instead; a technician's notice, when set, is shown beneath. Touches do nothing here (the hidden
maintenance gesture is watched by the app, above every screen)."""

from kivy.uix.screenmanager import Screen

from screens.kv import load_kv_beside
from screens.widgets import common  # noqa: F401  (KioskLabel rules)

__all__ = ["OutOfServiceScreen"]


class OutOfServiceScreen(Screen):
    pass


load_kv_beside(__file__)
