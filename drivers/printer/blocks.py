"""The printed page as a list of blocks: the one layout that both the ESC/POS and the PNG renderers draw.

A layout (drivers.printer.layout) produces these from a document; the ESC/POS reader (used by the simulator)
produces them back from bytes. Widths are counted the way a Chinese printer counts them in Kanji mode with
font A: one 12-dot column per single-byte character, two per double-byte (GB) character, times the scale.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from PIL import Image

__all__ = ["Align", "TextLine", "QrCode", "Feed", "Raster", "Cut", "Block", "text_columns", "wrap_text"]

COLUMN_DOTS = 12
LINE_DOTS = 24
LINE_PITCH = 30        # what one fed line (ESC d 1) advances the paper at least: ESC 2's default spacing


class Align(enum.IntEnum):
    LEFT = 0
    CENTER = 1
    RIGHT = 2


@dataclass(frozen=True)
class TextLine:
    text: str
    align: Align = Align.LEFT
    scale: int = 1
    bold: bool = False

    @property
    def columns(self) -> int:
        return text_columns(self.text) * self.scale


@dataclass(frozen=True)
class QrCode:
    payload: str
    module_dots: int


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class Raster:
    """A bitmap line: a rare-character text line, or an image QR, as the printer receives it."""

    image: Image.Image = field(compare=False)
    align: Align = Align.LEFT


@dataclass(frozen=True)
class Cut:
    partial: bool = True


Block = TextLine | QrCode | Feed | Raster | Cut


def char_columns(ch: str) -> int:
    return 1 if ord(ch) < 0x80 else 2


def text_columns(text: str) -> int:
    return sum(char_columns(ch) for ch in text)


# Chinese line breaking (GB/T 15834 practice): these never start a line, so the character before them moves down.
_NO_LINE_START = set("，。、；：？！）》」』”’…%,.;:?!)]")


def wrap_text(text: str, columns: int) -> list[str]:
    """Split into lines of at most `columns`: between any two hanzi, at spaces for ASCII words if possible,
    and never with closing punctuation at the start of a line."""
    if columns < 2:
        raise ValueError("a line needs at least two columns")
    lines: list[str] = []
    current = ""
    for ch in text:
        if text_columns(current) + char_columns(ch) > columns:
            cut = current.rfind(" ")
            if ch != " " and cut > 0 and current[cut + 1:].isascii() and ch.isascii():
                lines.append(current[:cut])
                current = current[cut + 1:]
            elif ch in _NO_LINE_START and len(current) > 1:
                lines.append(current[:-1])
                current = current[-1:]
            else:
                lines.append(current)
                current = ""
            if ch == " " and not current:
                continue
        current += ch
    if current or not lines:
        lines.append(current)
    return lines
