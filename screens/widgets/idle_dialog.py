"""The "是否继续办理?" dialog: counts down before the session is wiped for a citizen who walked away
(kiosk.session.Visit decides when)."""

from __future__ import annotations

from kivy.properties import NumericProperty
from kivy.uix.modalview import ModalView

from screens.kv import load_kv_beside
from screens.widgets import common  # noqa: F401  (KioskButton rules)

__all__ = ["IdleDialog"]


class IdleDialog(ModalView):
    seconds_left = NumericProperty(10)

    @property
    def is_open(self) -> bool:
        return self._is_open

    def show_seconds(self, seconds_left: int | None) -> bool:
        """Count down from `seconds_left` (None: close); True when the dialog has just opened."""
        if seconds_left is None:
            if self.is_open:
                self.dismiss(animation=False)
            return False
        self.seconds_left = seconds_left
        if self.is_open:
            return False
        self.open(animation=False)
        return True


load_kv_beside(__file__)
