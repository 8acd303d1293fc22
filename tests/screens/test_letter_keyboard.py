"""The on-screen letter keyboard, as real widgets in the offscreen window: letters typed by real touches in
lower case, delete and clear, QWERTY or A-to-Z in elder mode, and keys as big as the touch target."""

import pytest
from kivy.metrics import dp

from tests.screens.conftest import frames, tap


@pytest.fixture
def keyboard(make_app, kivy_window):
    from screens.widgets.letter_keyboard import LetterKeyboard

    app = make_app()
    keyboard = LetterKeyboard(max_length=6, size_hint_x=None, width=kivy_window.width, pos=(0, 0))
    kivy_window.add_widget(keyboard)
    frames()
    yield app, keyboard
    kivy_window.remove_widget(keyboard)


def keys_of(keyboard):
    from screens.widgets.letter_keyboard import LetterKey

    return [w for w in keyboard.walk(restrict=True) if isinstance(w, LetterKey)]


def test_letters_typed_by_touch_appear_in_lower_case_delete_and_clear_in_both_languages(keyboard):
    app, board = keyboard
    for letter in "sbcb":
        tap(board.key(letter))
    assert board.text == "sbcb"
    assert board.key("s").text == "S"      # capitals on the keys: easier to read
    tap(board.ids.delete_key)
    assert board.text == "sbc"
    tap(board.ids.clear_key)
    assert board.text == ""
    assert (board.ids.delete_key.text, board.ids.clear_key.text) == ("删除", "清空")
    app.visit.toggle_language()
    frames()
    assert (board.ids.delete_key.text, board.ids.clear_key.text) == ("Delete", "Clear")


def test_input_stops_at_the_maximum_length_refuses_other_keys_and_a_chosen_character_replaces_letters(keyboard):
    _app, board = keyboard
    for key in ("a", "1", "é", "B", "", "cd"):
        board.press(key)
    assert board.text == "ab"
    for _ in range(10):
        board.press("x")
    assert board.text == "abxxxx" and len(board.text) == board.max_length

    board.clear()
    for key in "she":
        board.press(key)
    board.choose("社")
    assert board.text == "社"
    board.press("b")
    board.choose("保")
    assert board.text == "社保"
    board.delete()
    assert board.text == "社"


def test_every_letter_once_qwerty_and_a_to_z_in_elder_mode_or_where_ten_do_not_fit(keyboard):
    app, board = keyboard
    rows = [[key.key for key in row.children[::-1]] for row in board.ids.rows.children[::-1]]
    assert ["".join(row) for row in rows] == ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
    app.visit.toggle_elder_mode()
    frames()
    assert board.alphabetical
    assert sorted(key.key for key in keys_of(board)) == list("abcdefghijklmnopqrstuvwxyz")
    assert keys_of(board)[0].key == "a" and len(board.ids.rows.children) == 4

    app.visit.toggle_elder_mode()
    frames()
    assert not board.alphabetical
    board.width = dp(app.theme.target_dp) * 9     # standard keys, but too narrow for ten a row: A to Z as well
    frames()
    assert board.alphabetical and max(len(row.children) for row in board.ids.rows.children) == 7


def test_every_key_is_at_least_the_touch_target_and_fits_on_screen_in_both_modes(keyboard, kivy_window):
    app, board = keyboard
    for _mode in ("standard", "elder"):
        frames(4)
        target = dp(app.theme.target_dp)
        for key in keys_of(board) + [board.ids.delete_key, board.ids.clear_key]:
            assert key.width >= target and key.height >= target, (app.theme.name, key.text, key.size)
            left, _bottom = key.to_window(key.x, key.y)
            assert 0 <= left and left + key.width <= kivy_window.width, (app.theme.name, key.text, left)
        app.visit.toggle_elder_mode()
