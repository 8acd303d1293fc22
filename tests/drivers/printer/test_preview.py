"""The PNG preview looks like the paper and carries a QR code that a real decoder reads."""

import io

import pytest
from PIL import Image

from drivers.printer import PrinterProfile, render_preview, render_preview_png
from drivers.printer.demo import DEMO_REVIEW_URL, demo_proof, demo_ticket


@pytest.mark.parametrize("width", [58, 80])
def test_review_url_decodes_from_the_preview(width, decode_qr):
    image = render_preview(demo_ticket(), paper_width_mm=width)
    assert decode_qr(image) == [DEMO_REVIEW_URL]


def test_preview_is_as_wide_as_the_paper_plus_margins():
    assert render_preview(demo_ticket(), paper_width_mm=80).width == 576 + 2 * 32
    assert render_preview(demo_ticket(), paper_width_mm=58).width == 384 + 2 * 24


def test_preview_png_bytes_are_a_png_of_the_same_page(decode_qr):
    png = render_preview_png(demo_proof())
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert decode_qr(image) == [demo_proof().verify_url]


def test_preview_does_not_depend_on_native_qr_support(decode_qr):
    image = render_preview(demo_ticket(), profile=PrinterProfile("no-qr", native_qr=False))
    assert decode_qr(image) == [DEMO_REVIEW_URL]


def test_a_rare_character_name_has_ink_in_the_preview():
    """The Extension A surname is drawn (from HanaMin, chosen by cmap), not left blank."""
    from drivers.printer.glyphs import FONT_FILES, font_file_for, render_text

    assert font_file_for("䶮") == FONT_FILES[1]
    assert font_file_for("𠀀") in FONT_FILES[1:]
    assert font_file_for("测") == FONT_FILES[0]
    assert render_text("䶮").getextrema() == (0, 255)


def test_a_missing_font_is_a_config_error_naming_the_package(monkeypatch):
    from drivers.printer import PrinterConfigError, glyphs

    monkeypatch.setattr(glyphs, "FONT_FILES", ("/nonexistent/no-such-font.ttc",))
    glyphs.font_file_for.cache_clear()
    glyphs._glyph.cache_clear()
    try:
        with pytest.raises(PrinterConfigError, match="fonts-wqy-microhei"):
            glyphs.render_text("测")
    finally:
        monkeypatch.undo()
        glyphs.font_file_for.cache_clear()
        glyphs._glyph.cache_clear()
