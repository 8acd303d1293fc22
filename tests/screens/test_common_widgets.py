"""The shared widgets that keep the layout rules wherever they are used (screens/widgets/common.py):
hidden children take no room and no touches, a step that does not fit scrolls with a bar that shows,
and text breaks only where it may (screens/widgets/line_breaks.py)."""

import pytest
from kivy.tests.common import UnitTestTouch
from kivy.uix.button import Button
from kivy.uix.widget import Widget

from screens.screenshots import LAYOUT_FRAMES, settle
from screens.widgets.common import CollapsingBoxLayout, KioskButton, KioskLabel, StepPanel
from screens.widgets.line_breaks import may_break
from tests.screens.screen_rules import wraps


def layout() -> None:
    settle(LAYOUT_FRAMES, draw=False)


@pytest.mark.parametrize("text, index, allowed", [
    ("拨打12345热线", 2, True),          # between Chinese and a number
    ("拨打12345热线", 4, False),         # inside the number
    ("拨打12345热线", 7, True),
    ("免交复印件。", 5, False),           # never before closing punctuation
    ("（选填）", 1, False),               # never after opening punctuation
    ("号码A023", 3, False),              # a ticket number is one word
])
def test_a_line_may_break_between_chinese_characters_but_not_inside_a_number(text, index, allowed):
    assert may_break(text, index) is allowed


def test_a_button_label_may_break_only_after_a_clause():
    assert may_break("不留电话，直接提交", 5, between_phrases=True)
    assert not may_break("不留电话，直接提交", 7, between_phrases=True)


def test_a_hidden_child_takes_no_room_and_no_touches():
    """GIVEN a row of two buttons, the first hidden (and disabled, lying over the second) THEN the second
    takes the whole row and the touch the hidden one would have swallowed."""
    row = CollapsingBoxLayout(spacing=24, size=(600, 100))
    hidden, shown = Button(), Button()
    row.add_widget(hidden)
    row.add_widget(shown)
    hidden.opacity, hidden.disabled = 0, True
    row.do_layout()
    assert (shown.x, shown.width) == (0, 600)
    hidden.pos, hidden.size = shown.pos, shown.size
    touch = UnitTestTouch(300, 50)
    assert row.on_touch_down(touch) and shown.state == "down"
    hidden.opacity = 1
    row.do_layout()
    assert shown.x == 300 + 12


def test_a_step_that_does_not_fit_scrolls_and_shows_its_bar(walked_app):
    """GIVEN a panel lower than its content THEN it scrolls, from the top, with a bar in the theme's edge
    colour that does not fade; given room, it does not scroll at all."""
    panel = StepPanel(shown=True, size_hint=(None, None), size=(600, 300), padding=20, spacing=10)
    for _ in range(4):
        panel.add_widget(Widget(size_hint_y=None, height=100))
    layout()
    assert panel.content.height == 20 * 2 + 4 * 100 + 3 * 10 and panel.do_scroll_y and panel.scroll_y == 1
    assert list(panel.bar_color) == list(panel.bar_inactive_color) and panel.bar_color[3] == 1
    panel.height = 600
    layout()
    assert panel.content.height == 600 and not panel.do_scroll_y


def test_a_button_shrinks_its_label_rather_than_break_a_phrase(walked_app):
    """GIVEN a six-character phrase on a button a little narrower than it THEN it stays on one line, smaller."""
    button = KioskButton(text="直接提交评价", size_hint=(None, None), size=(170, 120))
    layout()
    assert wraps(button) == [] and button.font_size * 0.75 <= button.fitted_font_size < button.font_size


def test_a_shrunk_label_keeps_to_whole_pixel_sizes_at_any_width(walked_app):
    """GIVEN the phrase on buttons of forty widths THEN each is drawn at a whole-pixel size, a handful in all: the
    text renderer keeps an open font file per size it was asked for (the soak saw them pile up)."""
    buttons = [KioskButton(text="直接提交评价", size_hint=(None, None), size=(150 + width, 120)) for width in range(40)]
    layout()
    sizes = {button.fitted_font_size for button in buttons}
    assert all(size == int(size) for size in sizes) and len(sizes) <= 12


def test_a_label_moves_its_break_to_keep_a_number_whole(walked_app):
    """GIVEN a width at which the line is full two digits into 12345 THEN the whole number starts the next line."""
    label = KioskLabel(text="请到服务台反映，或拨打12345热线。", size_hint_x=None, width=370)
    layout()
    assert [(before[-2:], after[:5]) for before, after, _space in wraps(label)] == [("拨打", "12345")]
