"""The technician's PIN pad: digits shown as dots, checked off the UI thread (scrypt is slow on purpose).

Opened by the hidden corner gesture; the maintenance desk (kiosk.maintenance.desk) checks the PIN and says
what a refusal means; the pad only shows it. The typed digits live only in this widget and are cleared on
every close.
"""

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.modalview import ModalView

from screens.kv import load_kv_beside
from screens.widgets import common  # noqa: F401  (KioskButton rules)

__all__ = ["PinPad"]

MAX_DIGITS = 12


class PinPad(ModalView):
    message = StringProperty("")
    dots = StringProperty("")
    busy = BooleanProperty(False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._digits = ""
        self._desk = None

    def open_for(self, desk) -> None:
        self._desk = desk
        if not self.is_open:
            self.message = ""
            self.open(animation=False)

    @property
    def is_open(self) -> bool:
        return self._is_open

    def press(self, key: str) -> None:
        if self.busy:
            return
        if key == "clear":
            self._digits = ""
        elif key == "delete":
            self._digits = self._digits[:-1]
        elif key.isdigit() and len(self._digits) < MAX_DIGITS:
            self._digits += key
        self.dots = "●" * len(self._digits)

    def submit(self) -> None:
        if self.busy or not self._digits:
            return
        pin, self._digits, self.dots = self._digits, "", ""
        app = App.get_running_app()
        self.busy = True
        self.message = app.tr("maintenance.pin_checking", app.language)
        self._desk.check_pin(pin, on_entered=self._entered, on_refused=self._refused)

    def _entered(self) -> None:
        self.dismiss(animation=False)
        App.get_running_app().enter_maintenance()

    def _refused(self, refusal) -> None:
        app = App.get_running_app()
        self.busy = False
        self.message = app.tr(refusal.message_key, app.language, **refusal.values)

    def on_dismiss(self) -> None:
        self._digits, self.dots, self.busy = "", "", False


load_kv_beside(__file__)
