"""Writing Chinese on the touchscreen: what has been written so far with a count against its limit, a switch
between 手写 (handwriting, screens/widgets/handwriting_pad.py) and 拼音 (pinyin,
screens/widgets/pinyin_keyboard.py), and the one of the two that is chosen.

    entry = ChineseInput(max_length=200)
    entry.activate()                 # when its step is shown: starts the input thread once, learns what works
    entry.text                       # what the citizen wrote (personal data: never logged)
    entry.clear()                    # when the step or the session ends: nothing stays in a widget

A method whose library is missing on this machine is not offered; with neither, `methods` is empty and the
screen offers what needs no input method (phrase chips, the letter keyboard). `show_display` and
`show_switch` let a screen that shows the text and chooses the method itself (办事指南's search) use the pads alone:
with neither, their column takes no room, and the pad or keyboard has the whole width.
"""

from kivy.app import App
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, OptionProperty, StringProperty

from kiosk.devices.text_input.pinyin import PinyinState
from kiosk.devices.text_input.service import METHODS, append_within
from screens.kv import load_kv_beside
from screens.widgets import common, handwriting_pad, pinyin_keyboard  # noqa: F401  (their rules)
from screens.widgets.common import CollapsingBoxLayout

__all__ = ["ChineseInput"]

# What the screenshots show in use (no library is called for them): 人 half written, and "tousu" typed.
SAMPLE_STROKES = (((0.53, 0.1), (0.5, 0.4), (0.4, 0.7), (0.13, 0.9)), ((0.37, 0.57), (0.55, 0.72), (0.9, 0.87)))
SAMPLE_GUESSES = ("人", "入", "八", "乂", "亻", "个", "大", "火")
SAMPLE_PINYIN = PinyinState(preedit="tou su", candidates=("投诉", "投宿", "头", "投", "偷", "透"), has_next=True)


class ChineseInput(CollapsingBoxLayout):
    text = StringProperty("")
    max_length = NumericProperty(200)
    method = OptionProperty("handwriting", options=METHODS)
    methods = ListProperty(list(METHODS))   # what this machine can offer; both until the input thread says
    show_display = BooleanProperty(True)
    show_switch = BooleanProperty(True)
    compact = BooleanProperty(False)        # for a few characters (a search): a smaller writing pad

    def activate(self) -> None:
        """The step with this input is showing: make sure the input thread is up, and offer what works."""
        service = App.get_running_app().text_input
        self._offer(service.methods())
        service.start(on_ready=lambda: self._offer(service.methods()))

    def _offer(self, methods) -> None:
        self.methods = list(methods)
        if self.methods and self.method not in self.methods:
            self.method = self.methods[0]

    def choose_method(self, method: str) -> None:
        if method in self.methods and method != self.method:
            self.ids.pad.rewrite()
            self.ids.keyboard.clear()
            self.method = method

    def append(self, words: str) -> None:
        self.text = append_within(self.text, words, int(self.max_length))

    def backspace(self) -> None:
        self.text = self.text[:-1]

    def clear(self) -> None:
        self.text = ""
        self.ids.pad.rewrite()
        self.ids.keyboard.clear()

    def follow_step(self, *, was_writing: bool, writing: bool, text: str, sample: str = "") -> None:
        """A journey's writing step begun or left: the pads start empty, holding the view's text (the text
        lives in the journey's view, never only here). `sample`: --screenshot's method shown in use."""
        if writing != was_writing:
            self.clear()
            self.text = text if writing else ""
            if writing:
                self.activate()
        if writing and sample:
            self.show_sample(sample)

    def show_sample(self, method: str, pinyin: PinyinState = SAMPLE_PINYIN) -> None:
        """The input in use, without the libraries: for the screenshots (`pinyin`: what the keyboard shows)."""
        self.method = method
        if method == "handwriting":
            self.ids.pad.show_sample(SAMPLE_STROKES, SAMPLE_GUESSES)
        else:
            self.ids.keyboard.state = pinyin

    def count_text(self, text: str, limit: float, language: str) -> str:
        app = App.get_running_app()
        count = app.tr("text_input.count", language, count=len(text), limit=int(limit))
        return f"{count}  {app.tr('text_input.full', language)}" if len(text) >= limit else count



def offer_writing(screen) -> None:
    """Set `screen.can_write` to whether handwriting or pinyin works here (the input thread says, once started)."""
    service = App.get_running_app().text_input
    screen.can_write = bool(service.methods())
    service.start(on_ready=lambda: setattr(screen, "can_write", bool(service.methods())))


load_kv_beside(__file__)
