"""An on-screen letter keyboard for typing pinyin (e.g. "sbcb" to find 社保参保登记): big letter keys, a delete
key and a clear key.

    keyboard = LetterKeyboard(max_length=16)
    keyboard.bind(text=lambda _keyboard, typed: journey.type_query(typed))   # lower-case, as pinyin is written
    keyboard.choose("社")                                                     # "she" becomes "社"
    keyboard.clear()                                                          # e.g. when the screen is left

The keys show capitals (easier to read) and type lower case. In the standard theme the layout is QWERTY,
as on every phone's pinyin keyboard; elder mode (`alphabetical`) sets the letters out A to Z in shorter rows,
for a citizen who has never typed and for the larger keys, as does a keyboard too narrow for ten keys a row.
Every key is at least the theme's touch target.
No physical keyboard is assumed: a kiosk has none.
"""

from string import ascii_lowercase

from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from screens.kv import load_kv_beside
from screens.widgets import common  # noqa: F401  (KioskButton rule)
from screens.widgets.common import KioskButton

__all__ = ["LetterKeyboard", "LetterKey", "LetterRow", "QWERTY_ROWS", "ALPHABETICAL_ROWS"]

QWERTY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
ALPHABETICAL_ROWS = ("abcdefg", "hijklmn", "opqrst", "uvwxyz")


class LetterKey(KioskButton):
    """One letter key; `key` is the lower-case letter it types."""

    key = StringProperty("")


class LetterRow(BoxLayout):
    """One row of keys, centred; every key as wide as a key of the longest row, and never below the target."""

    longest = NumericProperty(10)
    key_width = NumericProperty(0)


class LetterKeyboard(BoxLayout):
    text = StringProperty("")
    max_length = NumericProperty(16)
    alphabetical = BooleanProperty(False)   # A to Z in rows of seven (elder mode), else QWERTY

    def press(self, letter: str) -> None:
        """Type one letter; anything else, or a letter past the limit, is refused."""
        letter = letter.lower()
        if len(letter) == 1 and letter in ascii_lowercase and len(self.text) < self.max_length:
            self.text += letter

    def choose(self, character: str) -> None:
        """Put `character` in place of the pinyin letters typed last (a candidate the citizen chose)."""
        letters = len(self.text) - len(self.text.rstrip(ascii_lowercase))
        self.text = self.text[:len(self.text) - letters] + character

    def delete(self) -> None:
        self.text = self.text[:-1]

    def clear(self) -> None:
        self.text = ""

    def key(self, letter: str) -> LetterKey:
        """The key typing `letter`."""
        return next(w for w in self.ids.rows.walk(restrict=True) if isinstance(w, LetterKey) and w.key == letter)

    def rows(self) -> tuple[str, ...]:
        return ALPHABETICAL_ROWS if self.alphabetical else QWERTY_ROWS

    def on_kv_post(self, *_args) -> None:
        self._fill()

    def on_alphabetical(self, *_args) -> None:
        self._fill()

    def _fill(self) -> None:
        rows = self.ids.get("rows")
        if rows is None:
            return  # before the layout is built; on_kv_post fills it
        rows.clear_widgets()
        longest = max(len(row) for row in self.rows())
        for letters in self.rows():
            row = LetterRow(longest=longest)
            for letter in letters:
                button = LetterKey(key=letter, text=letter.upper())
                button.bind(on_release=lambda button: self.press(button.key))
                row.add_widget(button)
            rows.add_widget(row)


load_kv_beside(__file__)
