"""The exact ESC/POS bytes: Chinese mode, GB18030 text, sizes, QR codes and image lines for rare characters."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import ImageOps

from drivers.printer import BUILTIN_PROFILES, PrinterProfile
from drivers.printer.blocks import Align, Cut, Feed, QrCode, Raster, TextLine
from drivers.printer.demo import DEMO_REVIEW_URL, demo_ticket
from drivers.printer.escpos_reader import blocks_from_bytes, printed_text, read_commands
from drivers.printer.escpos_render import FEED_BEFORE_CUT, encode_text, render_escpos
from drivers.printer.layout import REVIEW_CAPTION, layout_document
from drivers.printer.profiles import paper_for_width

PAPER_80 = paper_for_width(80)
DEFAULT = BUILTIN_PROFILES["default"]
NO_QR = PrinterProfile("no-qr", native_qr=False)


def _bytes(blocks, profile=DEFAULT, paper=PAPER_80) -> bytes:
    return render_escpos(blocks, profile, paper)


def test_every_job_starts_with_init_then_chinese_mode():
    """GIVEN any job WHEN rendered THEN it begins ESC @, FS & so hanzi are read as double-byte codes."""
    assert _bytes([TextLine("办事")])[:4] == b"\x1b@\x1c&"


def test_chinese_text_is_written_as_gb18030_and_decodes_back():
    data = _bytes([TextLine("金额：￥12.00")])
    # ESC @, FS &, the line, then feed and partial cut.
    expected_line = bytes.fromhex("bdf0 b6ee a3ba a3a4 3132 2e30 300a")
    assert data == b"\x1b@\x1c&" + expected_line + b"\x1bd" + bytes((FEED_BEFORE_CUT,)) + b"\x1dV\x01"
    assert printed_text(data) == "金额：￥12.00"


def test_full_width_punctuation_only_lines_print_as_gb_codes_not_question_marks():
    """python-escpos's magic encoder turns punctuation-only text into '?'; ours writes GB codes."""
    line = "，。！？（）《》“”：；、￥"
    data = _bytes([TextLine(line)])
    assert line.encode("gb18030") + b"\n" in data
    assert b"?" not in data
    assert printed_text(data) == line


def test_yuan_sign_is_the_two_byte_full_width_form():
    assert encode_text("￥", "gbk") == b"\xa3\xa4"
    # U+00A5 is a 4-byte GB18030 code the printer fonts lack: never sent as text.
    assert encode_text("¥", "gbk") is None


def test_characters_outside_the_printer_font_are_not_sent_as_text():
    assert encode_text("堃", "gbk") == "堃".encode("gb18030")
    assert encode_text("堃", "gb2312") is None        # old GB2312 fonts print a blank for it
    assert encode_text("䶮", "gbk") is None           # CJK Extension A: only in GB18030
    assert encode_text("𠀀", "gb18030") is None       # 4-byte code
    assert encode_text("€", "gbk") is None            # Python's gbk says 0x80; GBK printer fonts lack it


def test_a_rare_character_name_is_printed_as_an_image_line():
    """GIVEN a ticket for a citizen whose surname is a CJK Extension A character
    WHEN rendered THEN the name line is a raster image, nothing is '?' and the other lines stay text."""
    ticket = demo_ticket(holder_name="䶮测试")
    data = _bytes(layout_document(ticket, PAPER_80))
    blocks = blocks_from_bytes(data)
    rasters = [b for b in blocks if isinstance(b, Raster)]
    assert len(rasters) == 1
    # The image is one text line high and exactly as wide as "姓　　名：䶮**" (14 columns of 12 dots).
    assert rasters[0].image.size == (14 * 12, 24)
    assert rasters[0].image.convert("L").getextrema() == (0, 255)   # it has ink
    text = printed_text(data)
    assert "䶮" not in text and "?" not in text
    assert "前面等候：5 人" in text.splitlines()


def test_the_name_on_a_ticket_is_masked():
    data = _bytes(layout_document(demo_ticket(holder_name="测试张三"), PAPER_80))
    assert "姓　　名：测***" in printed_text(data).splitlines()
    assert "测试张三".encode("gb18030") not in data


def test_big_queue_number_uses_gs_exclamation_which_enlarges_hanzi_too():
    data = _bytes(layout_document(demo_ticket(), PAPER_80))
    number_line = b"\x1d!\x33\x1bE\x01A023\n"   # GS ! 0x33 = 4x4, bold
    assert number_line in data
    assert b"\x1b!" not in data                  # ESC ! sizes are ASCII-only on Chinese printers
    after = read_commands(data[data.index(number_line) + len(number_line):])
    assert [(c.name, c.arg) for c in after[:3]] == [("ESC a", 0), ("GS !", 0), ("ESC E", 0)]   # back to normal
    assert [b for b in blocks_from_bytes(data) if isinstance(b, TextLine) and b.text == "A023"][0].scale == 4


def test_native_qr_bytes_carry_the_review_url():
    data = _bytes([QrCode(DEMO_REVIEW_URL, 6)])
    url = DEMO_REVIEW_URL.encode("ascii")
    expected = (
        b"\x1ba\x01"                                  # centred
        + b"\x1d(k\x04\x001A2\x00"                    # model 2
        + b"\x1d(k\x03\x001C\x06"                     # module 6 dots
        + b"\x1d(k\x03\x001E1"                        # error correction M
        + b"\x1d(k" + (len(url) + 3).to_bytes(2, "little") + b"1P0" + url
        + b"\x1d(k\x03\x001Q0"                        # print
    )
    assert data.startswith(b"\x1b@\x1c&" + expected)
    assert [b for b in blocks_from_bytes(data) if isinstance(b, QrCode)] == [QrCode(DEMO_REVIEW_URL, 6)]


def test_profile_without_native_qr_prints_the_qr_as_an_image_that_decodes(decode_qr):
    data = _bytes(layout_document(demo_ticket(), PAPER_80), profile=NO_QR)
    assert b"\x1d(k" not in data
    rasters = [b for b in blocks_from_bytes(data) if isinstance(b, Raster)]
    assert len(rasters) == 1 and rasters[0].align is Align.CENTER
    with_quiet_zone = ImageOps.expand(rasters[0].image.convert("L"), border=24, fill=255)
    assert decode_qr(with_quiet_zone) == [DEMO_REVIEW_URL]


def test_review_caption_follows_the_qr_code_after_a_blank_line():
    """GIVEN a ticket with a review link WHEN laid out THEN a blank line (30 dots, at least the four
    modules of quiet zone a QR code needs) separates the code from the line above and from its caption."""
    blocks = layout_document(demo_ticket(), PAPER_80)
    qr_at = next(i for i, b in enumerate(blocks) if isinstance(b, QrCode))
    assert blocks[qr_at - 1 : qr_at + 3] == (Feed(1), QrCode(DEMO_REVIEW_URL, 6), Feed(1),
                                             TextLine(REVIEW_CAPTION, Align.CENTER))


_CAPTION_LINE = REVIEW_CAPTION.encode("gb18030") + b"\n"
_FEED_ONE_LINE = b"\x1bd\x01"                            # ESC d 1


def test_the_printer_feeds_a_blank_line_between_the_native_qr_code_and_its_caption():
    """GIVEN the demo ticket on a printer with native QR WHEN rendered THEN the bytes after GS ( k's print
    function are exactly ESC d 1 and then the caption: the caption never touches the code."""
    data = _bytes(layout_document(demo_ticket(), PAPER_80))
    qr_print = b"\x1d(k\x03\x001Q0"
    after_qr = data[data.index(qr_print) + len(qr_print):]
    assert after_qr.startswith(_FEED_ONE_LINE + _CAPTION_LINE)
    before_qr = data[: data.index(b"\x1d(k")]
    assert before_qr.endswith(_FEED_ONE_LINE + b"\x1ba\x01")  # a blank line, then centred for the code


def test_the_printer_feeds_a_blank_line_between_an_image_qr_code_and_its_caption():
    """GIVEN a printer without native QR WHEN the ticket is rendered THEN the QR image (GS v 0) is followed
    by exactly ESC d 1 and the caption."""
    data = _bytes(layout_document(demo_ticket(), PAPER_80), profile=NO_QR)
    commands = read_commands(data)
    raster_at = next(i for i, c in enumerate(commands) if c.name == "GS v 0")
    assert [(c.name, c.arg) for c in commands[raster_at + 1 : raster_at + 3]] == [("ESC d", 1), ("TEXT", 0)]
    assert commands[raster_at + 2].data + b"\n" == _CAPTION_LINE


@pytest.mark.parametrize("module_dots, lines", [(5, 1), (6, 1), (7, 1), (8, 2), (16, 3)])
def test_the_blank_lines_around_a_qr_code_cover_its_four_module_quiet_zone(module_dots, lines):
    """GIVEN a larger module size from a printer profile WHEN the QR is laid out THEN as many 30-dot lines
    are fed above and below as the four-module quiet zone (ISO/IEC 18004) needs, and no more."""
    blocks = layout_document(demo_ticket(), PAPER_80, qr_module_override=module_dots)
    qr_at = next(i for i, b in enumerate(blocks) if isinstance(b, QrCode))
    assert blocks[qr_at - 1] == blocks[qr_at + 1] == Feed(lines)


@pytest.mark.parametrize(
    "profile, cut_bytes",
    [(DEFAULT, b"\x1dV\x01"), (BUILTIN_PROFILES["NT-80-V-UL"], b"\x1dV\x00"), (BUILTIN_PROFILES["POS-5890"], b"")],
)
def test_the_job_ends_with_feed_and_the_cut_the_profile_has(profile, cut_bytes):
    data = _bytes([TextLine("测试")], profile=profile)
    assert data.endswith(b"\x1bd" + bytes((FEED_BEFORE_CUT,)) + cut_bytes)


def test_mode_commands_are_sent_only_when_the_mode_changes():
    data = _bytes([TextLine("一", Align.CENTER), TextLine("二", Align.CENTER), TextLine("三")])
    commands = [c.name for c in read_commands(data)]
    assert commands.count("ESC a") == 2    # centre once, then back to left


_ANY_NAME_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("张王李赵测试演示堃喆镕，。：￥·—“”（）") + list("Ab0 -")),
        st.characters(min_codepoint=0x3400, max_codepoint=0x4DBF),     # CJK Extension A
        st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF),   # CJK Extension B
        st.sampled_from(list("¥€é")),
    ),
    min_size=1,
    max_size=20,
)


@settings(max_examples=80, deadline=None)
@given(text=_ANY_NAME_TEXT, charset=st.sampled_from(["gb2312", "gbk", "gb18030"]))
def test_any_line_prints_either_as_exact_text_or_as_an_image_never_as_garbage(text, charset):
    """GIVEN any line of names and punctuation and any printer font WHEN rendered THEN the bytes decode back
    to exactly that line, or the line is one image: nothing is ever replaced by '?' or mis-encoded."""
    data = _bytes([TextLine(text)], profile=PrinterProfile("p", charset=charset))
    blocks = [b for b in blocks_from_bytes(data) if not isinstance(b, (Cut, Feed))]
    assert len(blocks) == 1
    if isinstance(blocks[0], TextLine):
        assert blocks[0].text == text
        assert all(ch.encode(charset) == ch.encode("gb18030") for ch in text)
    else:
        assert isinstance(blocks[0], Raster)
        assert encode_text(text, charset) is None
