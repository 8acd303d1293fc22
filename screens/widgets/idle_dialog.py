"""The "是否继续办理?" dialog: counts down before the session is wiped for a citizen who walked away."""

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


load_kv_beside(__file__)
