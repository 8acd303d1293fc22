"""Key events of a keyboard-wedge scanner become the code it typed; Enter ends it; the simulator types them."""

from __future__ import annotations

import evdev
import evdev.ecodes as e

from drivers.scanner.keymap import KeyboardWedgeDecoder, keys_for_text
from drivers.scanner.simulator import UinputKeyboard


def typed(decoder: KeyboardWedgeDecoder, events: list[tuple[int, int]]) -> list[str]:
    codes = []
    for key, value in events:
        for event in ((e.EV_KEY, key, value), (e.EV_SYN, e.SYN_REPORT, 0)):
            code = decoder.feed(*event)
            if code is not None:
                codes.append(code)
    return codes


def press(*keys: int) -> list[tuple[int, int]]:
    return [event for key in keys for event in ((key, 1), (key, 0))]


def test_digits_then_enter_make_one_code():
    keys = [e.KEY_1, e.KEY_3, e.KEY_4, e.KEY_5, e.KEY_6, e.KEY_7, e.KEY_8, e.KEY_9, e.KEY_0]
    assert typed(KeyboardWedgeDecoder(), press(*keys, *keys, e.KEY_ENTER)) == ["134567890134567890"]


def test_keypad_digits_and_keypad_enter():
    assert typed(KeyboardWedgeDecoder(), press(e.KEY_KP1, e.KEY_KP0, e.KEY_KPENTER)) == ["10"]


def test_shift_is_held_across_keys_and_released():
    events = [(e.KEY_LEFTSHIFT, 1), *press(e.KEY_A, e.KEY_1), (e.KEY_LEFTSHIFT, 0), *press(e.KEY_B, e.KEY_ENTER)]
    assert typed(KeyboardWedgeDecoder(), events) == ["A!b"]


def test_repeats_and_keys_without_characters_are_ignored():
    events = [(e.KEY_1, 1), (e.KEY_1, 2), (e.KEY_1, 0), *press(e.KEY_LEFTCTRL, e.KEY_F1, e.KEY_2, e.KEY_ENTER)]
    assert typed(KeyboardWedgeDecoder(), events) == ["12"]


def test_the_simulators_presses_type_back_the_same_text():
    text = "Hello-World_123/abc"
    events = []
    for key, shifted in keys_for_text(text):
        events += ([(e.KEY_LEFTSHIFT, 1)] if shifted else []) + press(key) + ([(e.KEY_LEFTSHIFT, 0)] if shifted else [])
    assert typed(KeyboardWedgeDecoder(), events + press(e.KEY_ENTER)) == [text]


class RecordingUInput:
    """Stands in for evdev.UInput where the kernel has no uinput: records what the virtual keyboard writes."""

    def __init__(self, events, **_options) -> None:
        self.declared = set(events[e.EV_KEY])
        self.written: list[tuple[int, int, int]] = []
        self.device = type("Device", (), {"path": "/dev/input/event99"})()

    def write(self, event_type: int, code: int, value: int) -> None:
        self.written.append((event_type, code, value))

    def close(self) -> None:
        pass


def test_the_uinput_keyboard_types_what_the_decoder_reads_back(monkeypatch):
    """GIVEN the simulator's virtual keyboard (its kernel side recorded) WHEN it scans a code THEN every key it
    presses is one it declared, and the key events decode to the code."""
    monkeypatch.setattr(evdev, "UInput", RecordingUInput)
    keyboard = UinputKeyboard()
    keyboard.scan("Mixed-Case_9")
    uinput = keyboard._uinput
    assert {code for kind, code, _ in uinput.written if kind == e.EV_KEY} <= uinput.declared
    decoder = KeyboardWedgeDecoder()
    assert [code for event in uinput.written if (code := decoder.feed(*event))] == ["Mixed-Case_9"]
