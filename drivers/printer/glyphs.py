"""Draw text the way a thermal printer prints it: a 12x24-dot cell grid, with a font that has each character.

The fonts are decided per character from each font's cmap (fontTools), never guessed: WenQuanYi Micro Hei
for everything it covers, then HanaMin A and B for CJK Extension A/B characters that occur in names. Used for
the PNG preview and for the image lines that replace text the printer's own font lacks.
"""

from __future__ import annotations

import functools
import threading

from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont

from drivers.printer.blocks import COLUMN_DOTS, LINE_DOTS, char_columns, text_columns
from drivers.printer.errors import PrinterConfigError

__all__ = ["FONT_FILES", "font_file_for", "render_text"]

FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",      # Debian fonts-wqy-microhei
    "/usr/share/fonts/truetype/hanazono/HanaMinA.ttf",     # Debian fonts-hanazono: BMP + Extension A
    "/usr/share/fonts/truetype/hanazono/HanaMinB.ttf",     # Debian fonts-hanazono: Extension B and later
)

_cmap_lock = threading.Lock()
# FreeType faces are not thread-safe, and the app may draw a preview while a worker renders a job.
_draw_lock = threading.Lock()


@functools.cache
def _cmap(path: str) -> frozenset[int]:
    """The code points a font file covers; empty if it is not installed (the next font is tried)."""
    with _cmap_lock:
        try:
            font = TTFont(path, fontNumber=0, lazy=True)
        except OSError:
            return frozenset()
        try:
            return frozenset(font.getBestCmap())
        finally:
            font.close()


@functools.lru_cache(maxsize=4096)
def font_file_for(ch: str) -> str:
    """The first font whose cmap has `ch`; the main font (which draws a box) when none has it."""
    for path in FONT_FILES:
        if ord(ch) in _cmap(path):
            return path
    return FONT_FILES[0]


@functools.lru_cache(maxsize=64)
def _font(path: str, pixels: int) -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype(path, pixels, index=0)
    except OSError:
        raise PrinterConfigError(
            f"font {path} is missing: run bootstrap.sh (Debian fonts-wqy-microhei and fonts-hanazono)"
        ) from None


@functools.lru_cache(maxsize=8192)
def _glyph(ch: str, scale: int, bold: bool) -> Image.Image:
    """One character cell, black on white; a glyph wider than its cell is squeezed, as printer fonts are."""
    with _draw_lock:
        return _draw_glyph(ch, scale, bold)


def _draw_glyph(ch: str, scale: int, bold: bool) -> Image.Image:
    cell_w, cell_h = COLUMN_DOTS * char_columns(ch) * scale, LINE_DOTS * scale
    cell = Image.new("L", (cell_w, cell_h), 255)
    if ch == " ":
        return cell
    font = _font(font_file_for(ch), round(LINE_DOTS * scale * 0.92))
    stroke = max(1, scale // 2) if bold else 0
    left, top, right, bottom = font.getbbox(ch, stroke_width=stroke)
    glyph = Image.new("L", (max(1, right - left), max(1, bottom - top)), 255)
    ImageDraw.Draw(glyph).text((-left, -top), ch, font=font, fill=0, stroke_width=stroke, stroke_fill=0)
    if glyph.width > cell_w:
        glyph = glyph.resize((cell_w, glyph.height))
    # Sit on a common baseline: the font's ascent, shifted so that the em box is centred in the cell.
    ascent, descent = font.getmetrics()
    baseline_y = (cell_h - (ascent + descent)) // 2 + ascent
    y = max(0, min(cell_h - glyph.height, baseline_y + top - ascent))
    cell.paste(glyph, ((cell_w - glyph.width) // 2, y))
    return cell


def render_text(text: str, scale: int = 1, bold: bool = False) -> Image.Image:
    """The text as a greyscale strip exactly `columns * 12 * scale` dots wide and `24 * scale` high."""
    strip = Image.new("L", (max(1, text_columns(text) * COLUMN_DOTS * scale), LINE_DOTS * scale), 255)
    x = 0
    for ch in text:
        cell = _glyph(ch, scale, bold)
        strip.paste(cell, (x, 0))
        x += cell.width
    return strip
