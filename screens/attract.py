"""The attract screen: what a passer-by sees. Site name, date and time, rotating notices, "touch to begin".

A touch anywhere that no control takes starts a citizen's session. No personal data is ever shown here.
"""

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import NumericProperty
from kivy.uix.screenmanager import Screen

from screens.kv import load_kv_beside
from screens.widgets import top_bar  # noqa: F401  (TopBar rule)

__all__ = ["AttractScreen"]


class AttractScreen(Screen):
    notice_index = NumericProperty(0)

    def notice_text(self, language: str, index: int) -> str:
        notices = App.get_running_app().settings.site.notices
        if not notices:
            return ""
        notice = notices[index % len(notices)]
        return notice.zh if language == "zh" else notice.en

    def next_notice(self, *_args) -> None:
        self.notice_index += 1

    def on_enter(self, *_args) -> None:
        interval = App.get_running_app().settings.ui.notice_rotation_s
        self._rotation = Clock.schedule_interval(self.next_notice, interval)

    def on_leave(self, *_args) -> None:
        self._rotation.cancel()

    def on_touch_down(self, touch) -> bool:
        if super().on_touch_down(touch):
            return True  # a control (language, elder mode) took it
        if self.collide_point(*touch.pos):
            App.get_running_app().visit.start()
            return True
        return False


load_kv_beside(__file__)
