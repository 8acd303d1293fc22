"""Help for a citizen who is unsure, on every citizen screen: the guidance bar (帮助, 重听, 呼叫工作人员), the
help dialog with a picture of this machine model (where the ID card goes, where the slip comes out), and
the closing note that ends a visit with "请取回您的身份证 / 请取走您的凭条", shown and said.

The machine's picture is drawn with Kivy's canvas from kiosk.journeys.guidance's model (profile: ui.machine_model),
so a site with another body needs only its fractions, not new artwork.
"""

from __future__ import annotations

from kivy.app import App
from kivy.clock import Clock
from kivy.graphics import Color, Line, Rectangle, Triangle
from kivy.metrics import dp
from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView
from kivy.uix.widget import Widget

from kiosk.journeys.guidance import MachineModel
from kiosk.theme import hex_to_rgba
from screens.kv import load_kv_beside
from screens.widgets import common  # noqa: F401  (KioskButton, Icon rules)

__all__ = ["GuidanceBar", "MachineGuide", "HelpDialog", "ClosingNote", "CLOSING_NOTE_S"]

CLOSING_NOTE_S = 8   # long enough to be read twice and heard once; a touch closes it sooner


class GuidanceBar(BoxLayout):
    """帮助, 重听 and 呼叫工作人员, the same three in the same place at the foot of every citizen screen."""


class MachineGuide(Widget):
    """The kiosk's body drawn from its model: the screen, the card reader (in the primary colour, with an
    arrow pointing onto it) and the printer slot (in the alert colour, with an arrow coming out of it); a
    legend below says which is which. Drawn again whenever its place, size, model or theme changes."""

    model = ObjectProperty(None, allownone=True)

    def on_kv_post(self, *_args) -> None:
        for name in ("pos", "size", "model"):
            self.fbind(name, self.draw)
        App.get_running_app().fbind("theme", self.draw)
        self.draw()

    def box(self, part: str) -> tuple[float, float, float, float]:
        """A part's rectangle (left, bottom, width, height) in this widget, keeping the model's proportions."""
        model: MachineModel | None = self.model
        if model is None:
            return 0.0, 0.0, 0.0, 0.0
        side = min(self.width, self.height)
        left0, bottom0 = self.x + (self.width - side) / 2, self.y + (self.height - side) / 2
        left, bottom, width, height = getattr(model, part)
        return left0 + left * side, bottom0 + bottom * side, width * side, height * side

    def draw(self, *_args) -> None:
        theme = App.get_running_app().theme
        self.canvas.clear()
        with self.canvas:
            Color(*hex_to_rgba(theme.edge))
            Line(rectangle=self.box("body"), width=dp(3))
            Color(*hex_to_rgba(theme.secondary))
            left, bottom, width, height = self.box("screen")
            Rectangle(pos=(left, bottom), size=(width, height))
            Color(*hex_to_rgba(theme.edge))
            Line(rectangle=(left, bottom, width, height), width=dp(2))
            Color(*hex_to_rgba(theme.primary))
            left, bottom, width, height = self.box("reader")
            Rectangle(pos=(left, bottom), size=(width, height))
            _arrow(left + width / 2, bottom + height + dp(70), bottom + height + dp(2))
            Color(*hex_to_rgba(theme.alert))
            left, bottom, width, height = self.box("slot")
            Rectangle(pos=(left, bottom), size=(width, height))
            _arrow(left + width / 2, bottom - dp(4), bottom - dp(76))


def _arrow(x: float, start_y: float, tip_y: float) -> None:
    """A vertical arrow from start_y to tip_y, in the current colour: its shaft and its head."""
    towards = 1 if tip_y > start_y else -1
    Line(points=[x, start_y, x, tip_y - towards * dp(20)], width=dp(5))
    Triangle(points=[x - dp(16), tip_y - towards * dp(24), x + dp(16), tip_y - towards * dp(24), x, tip_y])


class HelpDialog(ModalView):
    """How to use the kiosk, with the machine's picture; closed by its button or a touch outside."""


class ClosingNote(ModalView):
    """"请取回您的身份证" at the end of a visit that read a card, "请取走您的凭条" after a printout; it closes
    by itself after CLOSING_NOTE_S seconds or at a touch."""

    message_key = StringProperty("")

    def show(self, takeaways: set[str]) -> str:
        """Open with the note for `takeaways` ("card", "slip"); returns the catalogue key it shows."""
        if {"card", "slip"} <= takeaways:
            self.message_key = "guidance.take_both"
        else:
            self.message_key = "guidance.take_card" if "card" in takeaways else "guidance.take_slip"
        if not self._is_open:
            self.open(animation=False)
        Clock.unschedule(self._close)
        Clock.schedule_once(self._close, CLOSING_NOTE_S)
        return self.message_key

    def _close(self, *_args) -> None:
        self.dismiss(animation=False)

    def on_touch_down(self, touch) -> bool:
        self._close()
        return True


load_kv_beside(__file__)
