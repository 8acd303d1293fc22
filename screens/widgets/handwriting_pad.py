"""A large pad to write one Chinese character at a time with a finger: strokes drawn as they are written,
the recogniser's guesses in a row of big keys below, and 重写 (rewrite) / 退格 (delete) / 确定 (take the first).

    pad = HandwritingPad(candidate_count=8)
    pad.bind(on_character=lambda _pad, character: entry.append(character))
    pad.bind(on_backspace=lambda _pad: entry.backspace())      # 退格 with nothing written on the pad

Each finished stroke is sent, with all the strokes before it, to the input thread
(`app.text_input.recognise`, kiosk.devices.text_input.service); guesses come back through the clock, and a
guess for strokes that have since changed is dropped. Strokes are handed over in the pad's own coordinates,
y downwards, as the model was trained.
"""

from kivy.app import App
from kivy.graphics import Color, InstructionGroup, Line
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ListProperty, NumericProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from kiosk.theme import hex_to_rgba
from screens.kv import load_kv_beside
from screens.widgets import common  # noqa: F401  (KioskButton rule)
from screens.widgets.common import KioskButton

__all__ = ["HandwritingPad", "WritingSurface", "CandidateKey"]


class CandidateKey(KioskButton):
    """One candidate to tap: a character (handwriting) or a word (pinyin), big."""


class WritingSurface(Widget):
    """The square the citizen writes in. It takes every touch that starts on it (grabbing it, so a stroke
    that leaves the square still ends here) and says `on_stroke` when a stroke ends."""

    stroke_count = NumericProperty(0)
    __events__ = ("on_stroke",)

    def __init__(self, **kwargs) -> None:
        self._strokes: list[list[tuple[float, float]]] = []
        self._ink: list[InstructionGroup] = []
        super().__init__(**kwargs)

    def on_touch_down(self, touch) -> bool:
        if self.disabled or not self.collide_point(*touch.pos):
            return False
        touch.grab(self)
        self._begin(touch.pos)
        return True

    def on_touch_move(self, touch) -> bool:
        if touch.grab_current is not self or not self._strokes:
            return False
        self._extend((min(max(touch.x, self.x), self.right), min(max(touch.y, self.y), self.top)))
        return True

    def _begin(self, point: tuple[float, float]) -> None:
        self._strokes.append([tuple(point)])
        ink = InstructionGroup()
        ink.add(Color(*hex_to_rgba(App.get_running_app().theme.text)))
        ink.add(Line(points=list(point), width=dp(3), cap="round", joint="round"))
        self.canvas.add(ink)
        self._ink.append(ink)
        self.stroke_count = len(self._strokes)

    def _extend(self, point: tuple[float, float]) -> None:
        self._strokes[-1].append(point)
        self._ink[-1].children[-1].points += point

    def on_touch_up(self, touch) -> bool:
        if touch.grab_current is not self:
            return False
        touch.ungrab(self)
        self.dispatch("on_stroke")
        return True

    def on_stroke(self) -> None:
        pass

    def strokes(self) -> list[list[tuple[float, float]]]:
        """The strokes so far in writing order, in the pad's own coordinates with y growing downwards."""
        return [[(x - self.x, self.top - y) for x, y in stroke] for stroke in self._strokes]

    def draw(self, strokes) -> None:
        """Draw `strokes` (pad coordinates, y downwards) as if written: for pictures of the pad."""
        for stroke in strokes:
            points = [(self.x + x, self.top - y) for x, y in stroke]
            self._begin(points[0])
            for point in points[1:]:
                self._extend(point)

    def undo(self) -> None:
        """Take back the last stroke."""
        if self._strokes:
            self._strokes.pop()
            self.canvas.remove(self._ink.pop())
            self.stroke_count = len(self._strokes)

    def clear(self) -> None:
        for ink in self._ink:
            self.canvas.remove(ink)
        self._strokes, self._ink = [], []
        self.stroke_count = 0


class HandwritingPad(BoxLayout):
    guesses = ListProperty([])          # the characters offered for what is on the pad, likeliest first
    candidate_count = NumericProperty(8)
    compact = BooleanProperty(False)    # a few characters (a search), not sentences: the least pad that is comfortable
    __events__ = ("on_character", "on_backspace")

    def __init__(self, **kwargs) -> None:
        self._asked = 0                 # which recognition the guesses shown must answer
        self._sample = None             # strokes drawn for a picture, in fractions of the pad's side
        super().__init__(**kwargs)

    def on_kv_post(self, *_args) -> None:
        surface = self.ids.surface
        surface.bind(on_stroke=lambda _surface: self.recognise())
        surface.bind(size=self._draw_sample, pos=self._draw_sample)

    def on_character(self, character: str) -> None:
        pass

    def on_backspace(self) -> None:
        pass

    # --- the citizen's taps ---------------------------------------------------------------------------

    def recognise(self) -> None:
        surface = self.ids.surface
        self._asked += 1
        asked = self._asked
        if not surface.stroke_count:
            self.guesses = []
            return
        App.get_running_app().text_input.recognise(
            surface.strokes(), width=round(surface.width), height=round(surface.height),
            on_result=lambda guesses: self._answered(asked, guesses), on_error=lambda _error: self._answered(asked, ()))

    def _answered(self, asked: int, guesses) -> None:
        if asked == self._asked:        # else the strokes changed since: a newer answer is on its way
            self.guesses = [guess.character for guess in guesses]

    def choose(self, character: str) -> None:
        """Take `character` and make the pad ready for the next one."""
        self.dispatch("on_character", character)
        self.rewrite()

    def confirm(self) -> None:
        """确定: the first guess, when there is one."""
        if self.guesses:
            self.choose(self.guesses[0])

    def rewrite(self) -> None:
        """重写: wipe the pad."""
        self._asked += 1
        self._sample = None
        self.ids.surface.clear()
        self.guesses = []

    def backspace(self) -> None:
        """退格: the last stroke while writing; the last character written when the pad is empty."""
        if self.ids.surface.stroke_count:
            self.ids.surface.undo()
            self.recognise()
        else:
            self.dispatch("on_backspace")

    def on_guesses(self, *_args) -> None:
        row = self.ids.get("candidates")
        if row is None:
            return
        row.clear_widgets()
        for character in self.guesses[:self.candidate_count]:
            key = CandidateKey(text=character)
            key.bind(on_release=lambda key: self.choose(key.text))
            row.add_widget(key)

    def candidate(self, character: str) -> CandidateKey:
        return next(key for key in self.ids.candidates.children if key.text == character)

    def show_sample(self, strokes, guesses) -> None:
        """`strokes` (fractions of the pad's side, y downwards) on the pad and `guesses` below, without the
        recogniser: for the screenshots. Redrawn as the pad is laid out."""
        self.rewrite()
        self._sample = strokes
        self._draw_sample()
        self.guesses = list(guesses)

    def _draw_sample(self, *_args) -> None:
        if self._sample is not None:
            surface = self.ids.surface
            surface.clear()
            surface.draw([[(x * surface.width, y * surface.height) for x, y in stroke] for stroke in self._sample])


load_kv_beside(__file__)
