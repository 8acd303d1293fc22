"""Blocks to the exact ESC/POS bytes a Chinese thermal printer needs.

python-escpos 3.1's text() never enters Kanji mode and lets its magic encoder turn punctuation-only text
into '?', so text is written here: ESC @, FS & (Chinese mode on), then each line as GB18030 bytes. A line
with a character outside the printer font's character set (profile.charset; CJK Extension A/B in names,
4-byte GB18030 codes) is sent as a small raster image of the same line instead of printing '?' or garbage.
Sizes use GS ! (enlarges hanzi too), never ESC ! (ASCII only on most Chinese printers).
"""

from __future__ import annotations

from collections.abc import Iterable

import qrcode
import qrcode.constants
from PIL import Image, ImageOps

from drivers.printer import commands as cmd
from drivers.printer.blocks import Align, Block, Cut, Feed, QrCode, Raster, TextLine
from drivers.printer.glyphs import render_text
from drivers.printer.profiles import Paper, PrinterProfile

__all__ = ["render_escpos", "encode_text", "qr_image", "raster_bytes", "FEED_BEFORE_CUT"]

# Distance from the print head to the cutter on common 80/58 mm mechanisms, in text lines.
FEED_BEFORE_CUT = 4


def encode_text(text: str, charset: str) -> bytes | None:
    """GB18030 bytes of `text` if the printer's `charset` font has every character, else None.

    Only one- and two-byte codes are accepted, and only when `charset` encodes the character to the
    same bytes: Python's gbk codec maps '€' to 0x80, which GBK printer fonts do not have.
    """
    try:
        encoded = text.encode("gb18030")
    except UnicodeEncodeError:
        return None
    for ch in text:
        if ord(ch) < 0x80:
            if not ch.isprintable():
                return None
            continue
        code = ch.encode("gb18030")
        if len(code) != 2:
            return None
        try:
            if ch.encode(charset) != code:
                return None
        except UnicodeEncodeError:
            return None
    return encoded


def qr_image(payload: str, module_dots: int) -> Image.Image:
    """The QR symbol as a 1-bit image, error correction M, no quiet zone (the paper margin gives it)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=module_dots, border=0)
    code.add_data(payload.encode("ascii"))
    code.make(fit=True)
    return code.make_image().get_image().convert("1")


def _threshold(image: Image.Image) -> Image.Image:
    """Black wherever ink is noticeable: dots are on or off, and thin Mincho strokes must survive."""
    return image.convert("L").point(lambda v: 0 if v < 192 else 255, mode="1")


def raster_bytes(image: Image.Image) -> bytes:
    """GS v 0 for a 1-bit image (black = printed dot); rows are padded to whole bytes."""
    ink = ImageOps.invert(_threshold(image).convert("L")).convert("1")
    width_bytes = (ink.width + 7) // 8
    if ink.width % 8:
        padded = Image.new("1", (width_bytes * 8, ink.height), 0)
        padded.paste(ink, (0, 0))
        ink = padded
    return cmd.raster_image(width_bytes, ink.height, ink.tobytes())


class _Writer:
    """Emits mode changes only when they change, so a ticket stays a few hundred bytes."""

    def __init__(self, profile: PrinterProfile, paper: Paper) -> None:
        self.profile = profile
        self.paper = paper
        self.out = bytearray(cmd.INIT + cmd.CHINESE_MODE_ON)
        self.align = Align.LEFT
        self.scale = 1
        self.bold = False

    def mode(self, align: Align, scale: int = 1, bold: bool = False) -> None:
        if align != self.align:
            self.out += cmd.align(align)
            self.align = align
        if scale != self.scale:
            self.out += cmd.char_size(scale)
            self.scale = scale
        if bold != self.bold:
            self.out += cmd.bold(bold)
            self.bold = bold

    def text_line(self, line: TextLine) -> None:
        encoded = encode_text(line.text, self.profile.charset)
        if encoded is None:
            self.raster(render_text(line.text, line.scale, line.bold), line.align)
            return
        self.mode(line.align, line.scale, line.bold)
        self.out += encoded + cmd.LF

    def qr(self, code: QrCode) -> None:
        self.mode(Align.CENTER)
        if self.profile.native_qr:
            self.out += cmd.native_qr(code.payload.encode("ascii"), code.module_dots)
        else:
            self.raster(qr_image(code.payload, code.module_dots), Align.CENTER)

    def raster(self, image: Image.Image, align: Align) -> None:
        if image.width > self.paper.dots:
            raise ValueError(f"a {image.width}-dot image does not fit {self.paper.width_mm} mm paper ({self.paper.dots} dots)")
        self.mode(align)
        self.out += raster_bytes(image)

    def block(self, block: Block) -> None:
        if isinstance(block, TextLine):
            self.text_line(block)
        elif isinstance(block, QrCode):
            self.qr(block)
        elif isinstance(block, Feed):
            self.out += cmd.feed_lines(block.lines)
        elif isinstance(block, Raster):
            self.raster(block.image, block.align)
        elif isinstance(block, Cut):
            self.finish(block.partial)

    def finish(self, partial: bool) -> None:
        self.mode(Align.LEFT)
        self.out += cmd.feed_lines(FEED_BEFORE_CUT)
        if self.profile.cut != "none":
            self.out += cmd.cut(partial)


def render_escpos(blocks: Iterable[Block], profile: PrinterProfile, paper: Paper) -> bytes:
    """The whole job: init, Chinese mode, the blocks, then feed and cut as the profile's cutter allows."""
    blocks = list(blocks)
    if not blocks or not isinstance(blocks[-1], Cut):
        blocks.append(Cut(partial=profile.cut != "full"))
    writer = _Writer(profile, paper)
    for block in blocks:
        writer.block(block)
    return bytes(writer.out)
