"""Draw blocks as the paper would look: the PNG shown on screens and in maintenance mode, and read by tests.

One dot is one pixel (203 dpi), so a 80 mm preview is 576 dots of print area plus the unprinted margins.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from PIL import Image, ImageDraw

from drivers.printer.blocks import LINE_PITCH, Align, Block, Cut, Feed, QrCode, Raster, TextLine
from drivers.printer.escpos_render import qr_image
from drivers.printer.glyphs import render_text
from drivers.printer.profiles import Paper

__all__ = ["render_blocks", "png_bytes"]

MARGIN = {58: 24, 80: 32}
TOP = 24


def _image_for(block: Block) -> Image.Image | None:
    if isinstance(block, TextLine):
        return render_text(block.text, block.scale, block.bold) if block.text else None
    if isinstance(block, QrCode):
        return qr_image(block.payload, block.module_dots)
    if isinstance(block, Raster):
        return block.image
    return None


def _height(block: Block, image: Image.Image | None) -> int:
    if isinstance(block, TextLine):
        return max(LINE_PITCH, 24 * block.scale + 6)
    if isinstance(block, Feed):
        return LINE_PITCH * block.lines
    if isinstance(block, Cut):
        return 16
    return image.height if image is not None else 0


def render_blocks(blocks: Iterable[Block], paper: Paper) -> Image.Image:
    """A greyscale image of the printout; the cut, if any, is drawn as a dashed line."""
    blocks = list(blocks)
    images = [_image_for(b) for b in blocks]
    margin = MARGIN.get(paper.width_mm, 32)
    height = TOP * 2 + sum(_height(b, im) for b, im in zip(blocks, images))
    page = Image.new("L", (paper.dots + 2 * margin, height), 255)
    draw = ImageDraw.Draw(page)
    y = TOP
    for block, image in zip(blocks, images):
        if image is not None:
            align = getattr(block, "align", Align.CENTER)
            room = paper.dots - image.width
            x = margin + {Align.LEFT: 0, Align.CENTER: room // 2, Align.RIGHT: room}[align]
            page.paste(image.convert("L"), (x, y))
        if isinstance(block, Cut):
            for x in range(0, page.width, 12):
                draw.line((x, y + 8, x + 6, y + 8), fill=128)
        y += _height(block, image)
    return page


def png_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()
