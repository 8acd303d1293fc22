"""An on-screen keypad for numbers such as a case number: big digit keys, a delete key and a clear key, and
a letter page for the numbers that carry letters (e.g. YT2026SC000123).

    keypad = Keypad(max_length=32)
    keypad.bind(text=lambda _keypad, typed: ...)   # what has been typed so far
    keypad.clear()                                 # e.g. when the screen is left

Keys are at least the theme's touch-target size and follow elder mode; the labels come from the catalogue.
No physical keyboard is assumed: a kiosk has none.
"""

from string import ascii_uppercase, digits

from kivy.app import App
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.widget import Widget

from screens.kv import load_kv_beside
from screens.widgets.common import CollapsingBoxLayout, KioskButton

__all__ = ["Keypad", "DIGIT_PAGE", "WIDE_DIGIT_PAGE", "LETTER_PAGE"]

# The digit page in the telephone layout every citizen knows ("" is an empty place beside the 0); a landscape
# screen has the height for two rows only, so its digits run 1 to 0 in two rows of five.
DIGIT_PAGE = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "", "0", "")
WIDE_DIGIT_PAGE = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "0")
LETTER_PAGE = tuple(ascii_uppercase)


class KeypadKey(KioskButton):
    """One character key; `key` is what it types."""

    key = StringProperty("")


class Keypad(CollapsingBoxLayout):
    text = StringProperty("")
    max_length = NumericProperty(32)
    letters = BooleanProperty(False)         # the letter page is showing
    allow_letters = BooleanProperty(True)    # offer the letter page at all

    def press(self, key: str) -> None:
        """Type one key; anything but a digit or (if allowed) a letter is refused, as is a key past the limit."""
        if len(key) != 1 or len(self.text) >= self.max_length:
            return
        if key in digits or (self.allow_letters and key in ascii_uppercase):
            self.text += key

    def delete(self) -> None:
        self.text = self.text[:-1]

    def clear(self) -> None:
        """Empty the keypad and show the digit page again (the start of the next citizen's input)."""
        self.text = ""
        self.letters = False

    def switch_page(self) -> None:
        self.letters = (not self.letters) and self.allow_letters

    def key(self, label: str) -> KeypadKey:
        """The key typing `label` on the page now showing."""
        return next(w for w in self.ids.key_grid.children if isinstance(w, KeypadKey) and w.key == label)

    def on_kv_post(self, *_args) -> None:
        App.get_running_app().bind(landscape=lambda *_: self._fill())
        self._fill()

    def on_letters(self, *_args) -> None:
        self._fill()

    def _fill(self) -> None:
        grid = self.ids.get("key_grid")
        if grid is None:
            return  # before the layout is built; on_kv_post fills it
        grid.clear_widgets()
        wide = App.get_running_app().landscape
        for key in LETTER_PAGE if self.letters else (WIDE_DIGIT_PAGE if wide else DIGIT_PAGE):
            if not key:
                grid.add_widget(Widget())
                continue
            button = KeypadKey(key=key, text=key)
            button.bind(on_release=lambda button: self.press(button.key))
            grid.add_widget(button)


load_kv_beside(__file__)
