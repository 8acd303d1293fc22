"""The out-of-service screen: shown by itself when the kiosk cannot serve anyone (every device down, the
technician's 暂停服务, outside opening hours), and left by itself when that ends. Under the usual top bar
(language, 长辈版, the time) it says where to go instead, when the kiosk opens next in words (明天（星期二）
09:00), a technician's notice when set, and the site's hotline. Only the top bar's toggles answer touches
(the hidden maintenance gesture is watched by the app, above every screen)."""

from kivy.app import App
from kivy.uix.screenmanager import Screen

from screens.kv import load_kv_beside
from screens.widgets import common, top_bar  # noqa: F401  (KioskLabel, Icon and TopBar rules)

__all__ = ["OutOfServiceScreen"]


class OutOfServiceScreen(Screen):
    def unavailable_text(self, language: str, unavailable: str, next_opening: str) -> str:
        """Why the kiosk does not serve now, and (outside opening hours) when it opens next."""
        tr = App.get_running_app().tr
        if unavailable == "closed":
            return tr("health.closed_text", language, when=next_opening) if next_opening \
                else tr("health.closed_no_opening", language)
        if unavailable == "suspended":
            return tr("health.suspended_text", language)
        return tr("health.out_of_service_text", language) if unavailable else ""


load_kv_beside(__file__)
