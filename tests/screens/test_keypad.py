"""The on-screen keypad, as real widgets in the offscreen window: keys typed by real touches, delete and
clear, the letter page, and keys as big as the theme's touch target in both modes."""

import pytest
from kivy.metrics import dp

from tests.screens.conftest import frames, tap


@pytest.fixture
def keypad(make_app, kivy_window):
    from screens.widgets.keypad import Keypad

    app = make_app()
    keypad = Keypad(max_length=8, size_hint_x=None, width=kivy_window.width, pos=(0, 0))
    kivy_window.add_widget(keypad)
    frames()
    yield app, keypad
    kivy_window.remove_widget(keypad)


def type_keys(keypad, keys):
    for key in keys:
        tap(keypad.key(key))


def test_keys_typed_by_touch_delete_the_letter_page_clear_and_the_limit(keypad):
    app, pad = keypad
    type_keys(pad, "2026")
    assert pad.text == "2026" and pad.ids.display.text == "2026"
    tap(pad.ids.delete_key)
    assert pad.text == "202"
    for refused in ("%", "ab", " ", "中"):
        pad.press(refused)
    assert pad.text == "202"

    assert pad.ids.page_switch.text == "字母"
    tap(pad.ids.page_switch)
    assert pad.letters and pad.ids.page_switch.text == "数字"
    assert {k.key for k in pad.ids.key_grid.children if hasattr(k, "key")} == set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    type_keys(pad, "YT")
    tap(pad.ids.page_switch)
    type_keys(pad, "7")
    assert pad.text == "202YT7"
    type_keys(pad, "890")
    assert pad.text == "202YT789"  # eight at most

    tap(pad.ids.page_switch)
    tap(pad.ids.clear_key)
    assert pad.text == "" and not pad.letters and pad.key("5")
    app.visit.toggle_language()
    frames()
    assert pad.ids.page_switch.text == "ABC"


def test_every_key_is_at_least_the_touch_target_on_both_pages_in_both_modes_and_letters_can_be_off(keypad):
    app, pad = keypad
    for _mode in ("standard", "elder"):
        for _page in ("digits", "letters"):
            frames(3)
            target = dp(app.theme.target_dp) - 0.5
            keys = [k for k in pad.ids.key_grid.children if hasattr(k, "key")]
            keys += [pad.ids.page_switch, pad.ids.delete_key, pad.ids.clear_key]
            for key in keys:
                assert key.width >= target and key.height >= target, (app.theme.name, key.text, key.size)
                assert key.font_size >= dp(18)
            pad.switch_page()
        app.visit.toggle_elder_mode()

    pad.allow_letters = False  # e.g. a phone number
    frames()
    pad.press("A")
    pad.switch_page()
    assert pad.text == "" and not pad.letters
    assert pad.ids.page_switch.disabled and pad.ids.page_switch.opacity == 0
