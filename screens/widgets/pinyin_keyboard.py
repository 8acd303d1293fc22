"""An on-screen pinyin keyboard: QWERTY letter keys (A to Z in shorter rows where ten keys of the touch target
do not fit), the syllables typed so far, the candidates as big keys with ‹ › paging, 退格 and 确定.

    keyboard = PinyinKeyboard()
    keyboard.bind(on_text=lambda _keyboard, words: entry.append(words))   # a word chosen: 投诉
    keyboard.bind(on_backspace=lambda _keyboard: entry.backspace())       # 退格 with no pinyin typed
    keyboard.press("t")                                                   # what each letter key does

Every key goes to librime on the input thread (`app.text_input.pinyin`, kiosk.devices.text_input.service), in
the order pressed; the new state comes back through the clock. Fewer, bigger candidates a page in elder mode.
"""

from kivy.app import App
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.devices.text_input.pinyin import PinyinState
from screens.kv import load_kv_beside
from screens.widgets import common  # noqa: F401  (KioskButton rule)
from screens.widgets.handwriting_pad import CandidateKey
from screens.widgets.letter_keyboard import ALPHABETICAL_ROWS, QWERTY_ROWS, LetterKey, LetterRow

__all__ = ["PinyinKeyboard"]


class PinyinKeyboard(BoxLayout):
    state = ObjectProperty(PinyinState(), rebind=True)
    page_size = NumericProperty(6)
    alphabetical = BooleanProperty(False)
    __events__ = ("on_text", "on_backspace")

    def on_text(self, words: str) -> None:
        pass

    def on_backspace(self) -> None:
        pass

    def on_kv_post(self, *_args) -> None:
        self._fill()

    def on_alphabetical(self, *_args) -> None:
        self._fill()

    def _fill(self) -> None:
        rows = self.ids.get("rows")
        if rows is None:
            return
        rows.clear_widgets()
        letters_rows = ALPHABETICAL_ROWS if self.alphabetical else QWERTY_ROWS
        longest = max(len(row) for row in letters_rows)
        for letters in letters_rows:
            row = LetterRow(longest=longest)
            for letter in letters:
                key = LetterKey(key=letter, text=letter.upper())
                key.bind(on_release=lambda key: self.press(key.key))
                row.add_widget(key)
            rows.add_widget(row)

    # --- the citizen's taps (each an action on the input thread) ----------------------------------------

    def _act(self, action) -> None:
        page_size = int(self.page_size)

        def sized(session):
            if session.page_size != page_size:
                session.set_page_size(page_size)
            return action(session)

        App.get_running_app().text_input.pinyin(sized, on_result=self.show, on_error=lambda _error: None)

    def press(self, letter: str) -> None:
        self._act(lambda session: session.type_letters(letter))

    def choose(self, index: int) -> None:
        self._act(lambda session: session.select(index))

    def confirm(self) -> None:
        """确定: the first candidate, when pinyin is being typed."""
        self._act(lambda session: session.select(0) if session.state().candidates else session.state())

    def next_page(self) -> None:
        self._act(lambda session: session.next_page())

    def previous_page(self) -> None:
        self._act(lambda session: session.previous_page())

    def backspace(self) -> None:
        """退格: the last letter while typing pinyin; the last character written when there is none (decided on
        the input thread, which alone knows whether letters typed a moment ago are still composing)."""
        def take_back(session):
            if session.state().composing:
                return session.backspace()
            return None                 # nothing composing: the text's last character goes instead

        App.get_running_app().text_input.pinyin(
            take_back, on_result=lambda state: self.show(state) if state else self.dispatch("on_backspace"))

    def clear(self) -> None:
        """Forget what was being typed (the step or the session ended)."""
        self.state = PinyinState()
        app = App.get_running_app()
        if app is not None and getattr(app, "text_input", None) is not None:
            app.text_input.reset()

    # --- what comes back -------------------------------------------------------------------------------

    def show(self, state: PinyinState) -> None:
        self.state = state
        if state.committed:
            self.dispatch("on_text", state.committed)

    def on_state(self, *_args) -> None:
        row = self.ids.get("candidates")
        if row is None:
            return
        row.clear_widgets()
        for index, words in enumerate(self.state.candidates):
            key = CandidateKey(text=words)
            key.index = index
            key.bind(on_release=lambda key: self.choose(key.index))
            row.add_widget(key)

    def candidate(self, words: str) -> CandidateKey:
        return next(key for key in self.ids.candidates.children if key.text == words)

    def key(self, letter: str) -> LetterKey:
        return next(w for w in self.ids.rows.walk(restrict=True) if isinstance(w, LetterKey) and w.key == letter)


load_kv_beside(__file__)
