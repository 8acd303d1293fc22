"""Key events of a keyboard-wedge scanner, turned back into the characters it typed.

A USB scanner in keyboard mode (HID) "types" each code as key presses on a US layout and ends it with Enter.
`KeyboardWedgeDecoder` takes the kernel's input events (type, code, value) and returns each completed code.
The key codes are Linux's (linux/input-event-codes.h), so this module needs neither evdev nor a device; the
evdev backend and the uinput simulator share the table.

    decoder = KeyboardWedgeDecoder()
    for event in device.read():
        code = decoder.feed(event.type, event.code, event.value)    # the text once Enter comes, else None
"""

from __future__ import annotations

__all__ = ["KeyboardWedgeDecoder", "KEYS", "SHIFT_KEYS", "ENTER_KEYS", "EV_SYN", "EV_KEY", "keys_for_text"]

EV_SYN, EV_KEY = 0x00, 0x01
KEY_DOWN, KEY_UP, KEY_REPEAT = 1, 0, 2

# linux/input-event-codes.h: key code → (character, character with Shift), US layout.
KEYS: dict[int, tuple[str, str]] = {
    2: ("1", "!"), 3: ("2", "@"), 4: ("3", "#"), 5: ("4", "$"), 6: ("5", "%"), 7: ("6", "^"), 8: ("7", "&"),
    9: ("8", "*"), 10: ("9", "("), 11: ("0", ")"), 12: ("-", "_"), 13: ("=", "+"),
    16: ("q", "Q"), 17: ("w", "W"), 18: ("e", "E"), 19: ("r", "R"), 20: ("t", "T"), 21: ("y", "Y"),
    22: ("u", "U"), 23: ("i", "I"), 24: ("o", "O"), 25: ("p", "P"), 26: ("[", "{"), 27: ("]", "}"),
    30: ("a", "A"), 31: ("s", "S"), 32: ("d", "D"), 33: ("f", "F"), 34: ("g", "G"), 35: ("h", "H"),
    36: ("j", "J"), 37: ("k", "K"), 38: ("l", "L"), 39: (";", ":"), 40: ("'", '"'), 41: ("`", "~"),
    43: ("\\", "|"), 44: ("z", "Z"), 45: ("x", "X"), 46: ("c", "C"), 47: ("v", "V"), 48: ("b", "B"),
    49: ("n", "N"), 50: ("m", "M"), 51: (",", "<"), 52: (".", ">"), 53: ("/", "?"), 57: (" ", " "),
    # the keypad: some scanners type digits there
    55: ("*", "*"), 71: ("7", "7"), 72: ("8", "8"), 73: ("9", "9"), 74: ("-", "-"), 75: ("4", "4"),
    76: ("5", "5"), 77: ("6", "6"), 78: ("+", "+"), 79: ("1", "1"), 80: ("2", "2"), 81: ("3", "3"),
    82: ("0", "0"), 83: (".", "."), 98: ("/", "/"),
}
SHIFT_KEYS = frozenset({42, 54})          # KEY_LEFTSHIFT, KEY_RIGHTSHIFT
ENTER_KEYS = frozenset({28, 96})          # KEY_ENTER, KEY_KPENTER
MAX_CODE_LENGTH = 512                     # a runaway scanner cannot fill memory


def keys_for_text(text: str) -> list[tuple[int, bool]]:
    """The (key code, with Shift) presses that type `text` on the main block: for the uinput simulator."""
    presses = []
    for character in text:
        for code, (plain, shifted) in KEYS.items():
            if code in (55, 74, 78, 83, 98) or not 2 <= code <= 57:
                continue
            if character in (plain, shifted):
                presses.append((code, character == shifted and character != plain))
                break
        else:
            raise ValueError(f"a keyboard-wedge scanner cannot type {character!r}")
    return presses


class KeyboardWedgeDecoder:
    """Key events in, codes out: Shift is tracked, repeats and unknown keys are ignored, Enter ends a code."""

    def __init__(self) -> None:
        self._typed: list[str] = []
        self._shift: set[int] = set()

    def reset(self) -> None:
        self._typed.clear()
        self._shift.clear()

    def feed(self, event_type: int, code: int, value: int) -> str | None:
        if event_type != EV_KEY:
            return None
        if code in SHIFT_KEYS:
            (self._shift.add if value != KEY_UP else self._shift.discard)(code)
            return None
        if value != KEY_DOWN:
            return None
        if code in ENTER_KEYS:
            text, self._typed = "".join(self._typed), []
            return text
        if code in KEYS and len(self._typed) < MAX_CODE_LENGTH:
            self._typed.append(KEYS[code][1 if self._shift else 0])
        return None
