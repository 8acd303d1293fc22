"""Help for a citizen who is unsure, on every citizen screen: the guidance bar (帮助, 重听, 呼叫工作人员), the
help dialog with a picture of this machine model (where the ID card goes, where the slip comes out), and
the closing note that ends a visit with "请取回您的身份证 / 请取走您的凭条", shown and said.

The machine's picture is drawn with Kivy's canvas from kiosk.guidance's model (profile: ui.machine_model),
so a site with another body needs only its fractions, not new artwork.
"""

from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView
from kivy.uix.widget import Widget

from kiosk.guidance import MachineModel
from screens.kv import load_kv_beside
from screens.widgets import common  # noqa: F401  (KioskButton, Icon rules)

__all__ = ["GuidanceBar", "MachineGuide", "HelpDialog", "ClosingNote", "CLOSING_NOTE_S"]

CLOSING_NOTE_S = 8   # long enough to be read twice and heard once; a touch closes it sooner


class GuidanceBar(BoxLayout):
    """帮助, 重听 and 呼叫工作人员, the same three in the same place at the foot of every citizen screen."""


class MachineGuide(Widget):
    """The kiosk's body drawn from its model: the screen, the card reader (in the primary colour, with an
    arrow) and the printer slot (in the warning colour, with an arrow); a legend below says which is which."""

    model = ObjectProperty(None, allownone=True)

    def box(self, part: str) -> tuple[float, float, float, float]:
        """A part's rectangle (left, bottom, width, height) in this widget, keeping the model's proportions."""
        model: MachineModel | None = self.model
        if model is None:
            return 0.0, 0.0, 0.0, 0.0
        side = min(self.width, self.height)
        left0, bottom0 = self.x + (self.width - side) / 2, self.y + (self.height - side) / 2
        left, bottom, width, height = getattr(model, part)
        return left0 + left * side, bottom0 + bottom * side, width * side, height * side


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
