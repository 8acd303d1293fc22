"""Where a line of the kiosk's text may break, and a Label mixin that keeps to it.

Kivy wraps at spaces, and splits a run without spaces (all of a Chinese sentence) wherever the line is
full: inside a number (拨打1|2345热线), inside a Latin word in Chinese text, before a comma, or in the middle
of a button's phrase (不留电话，直接提|交). The kiosk's rules:

| Text | may break | never breaks |
|---|---|---|
| every label | at a space; between Chinese characters | inside a run of Latin letters or digits (a word, a number, a phone number, A023); before closing punctuation (，。）); after opening punctuation (（「) |
| a button's own label | at a space; after a clause's punctuation (，、。) | anywhere else: a button names an action, and half a phrase is no name |

When Kivy's layout breaks a line where it may not, the break moves back to the last place on that line
where it may (an explicit line break in the text handed to Kivy's layout; `Label.text` stays as it is).
A button's phrase that fits on no line at all shrinks to fit it, down to three quarters of its size and
never below 18 dp. Text in markup keeps Kivy's own breaks.

    class KioskLabel(BreaksLinesWell, Label): ...
    class KioskButton(BreaksLinesWell, Button): breaks_between_phrases = True

This reads the line layout of Kivy's core label (`CoreLabel._cached_lines`, Kivy 2.3): Kivy has no
public hook between laying out a text and drawing it.
"""

from __future__ import annotations

import math
import unicodedata

from kivy.metrics import dp
from kivy.properties import BooleanProperty, NumericProperty

__all__ = ["BreaksLinesWell", "may_break", "MIN_FITTED_DP"]

CLOSING = set("，。、；：！？）」』》〉】”’,.;:!?)]}%")
OPENING = set("（「『《〈【“‘([{")
PHRASE_ENDS = set("，。、；：！？,.;:!?")
MIN_FITTED_DP = 18
SHRINK_LIMIT = 0.75
MAX_PASSES = 24


def _narrow(character: str) -> bool:
    """Part of a Latin word or a number: letters, digits and their punctuation, never a space or a
    Chinese (wide) character."""
    return not character.isspace() and unicodedata.east_asian_width(character) not in ("W", "F")


def may_break(text: str, index: int, *, between_phrases: bool = False) -> bool:
    """Whether a line may end before text[index] (the characters on both sides are not spaces)."""
    before, after = text[index - 1], text[index]
    if between_phrases:
        return before in PHRASE_ENDS
    if _narrow(before) and _narrow(after):
        return False
    return after not in CLOSING and before not in OPENING


class BreaksLinesWell:
    """For a Label subclass (before Label in the bases): its lines break only where `may_break` allows."""

    breaks_between_phrases = BooleanProperty(False)
    fitted_font_size = NumericProperty(0)   # the size the text is drawn at: font_size, unless shrunk to fit

    def texture_update(self, *args) -> None:
        core = self._label
        plain = not self.markup
        if plain:
            core.text = self.text           # start again from the text as given, at the size as given
        core.options["font_size"] = self.font_size
        super().texture_update(*args)
        # Only text wrapped at a width has breaks Kivy chose; a width below one character (a hidden panel's
        # button, or one not laid out yet) leaves nothing to choose between.
        if plain and self.text_size[0] and self.text_size[0] >= self.font_size:
            self._keep_to_the_rules()
        self.fitted_font_size = core.options["font_size"]

    def _keep_to_the_rules(self) -> None:
        core = self._label
        text = core.text
        for _ in range(MAX_PASSES):
            bad = self._first_bad_break(text)
            if bad is None:
                return
            line_start, index = bad
            better = next((i for i in range(index - 1, line_start, -1)
                           if text[i - 1] == " " or (not text[i].isspace() and may_break(
                               text, i, between_phrases=self.breaks_between_phrases))), None)
            if better is not None:
                text = text[:better].rstrip(" ") + "\n" + text[better:].lstrip(" ")
            elif self.breaks_between_phrases and (smaller := self._size_fitting(text, line_start, index)):
                core.options["font_size"] = smaller
                text = self.text
            else:
                return                      # a word longer than the line: Kivy's break is the only one
            core.text = text
            super().texture_update()

    def _size_fitting(self, text: str, line_start: int, index: int) -> float | None:
        """The font size at which the phrase broken at text[index] fits on one line; None when that is
        below the floor (then Kivy's break stays)."""
        core = self._label
        end = next((i for i in range(index + 1, len(text))
                    if text[i].isspace() or may_break(text, i, between_phrases=True)), len(text))
        phrase_width = core.get_extents(text[line_start:end].strip())[0]
        padding_left, _, padding_right, _ = core.options["padding"]
        room = self.text_size[0] - padding_left - padding_right
        # Whole pixels: the text renderer opens the font anew, and keeps it open (a file each), for every size
        # it is asked for, so sizes that follow each width exactly would pile up over months of citizens.
        size = math.floor(core.options["font_size"] * room / phrase_width * 0.97) if phrase_width else 0
        floor = max(dp(MIN_FITTED_DP), self.font_size * SHRINK_LIMIT)
        return size if floor <= size < core.options["font_size"] else None

    def _first_bad_break(self, text: str) -> tuple[int, int] | None:
        """(start of the line, index in `text`) of the first place Kivy wrapped a line where it may not."""
        position = 0
        line_start = 0
        for line in self._label._cached_lines:
            words = "".join(word.text for word in line.words)
            if not words:
                continue
            start = text.find(words, position)
            if start < 0:
                return None                 # shortened or otherwise rewritten by Kivy: leave it
            wrapped_inside_a_run = line.line_wrap and start > 0 and not text[start - 1].isspace()
            if wrapped_inside_a_run and not may_break(text, start, between_phrases=self.breaks_between_phrases):
                return line_start, start
            line_start, position = start, start + len(words)
        return None
