"""Layouts fit the paper: no line on 58 or 80 mm paper is ever wider than the printer can print."""

import tomllib
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.printouts import QueueTicket, SiteLines, TestPage

from drivers.printer.blocks import QrCode, TextLine, wrap_text
from drivers.printer.demo import DEMO_SITE, demo_materials, demo_proof, demo_receipt, demo_ticket
from drivers.printer.escpos_reader import printed_text
from drivers.printer.escpos_render import qr_image, render_escpos
from drivers.printer.layout import layout_document
from drivers.printer.profiles import BUILTIN_PROFILES, paper_for_width

ROOT = Path(__file__).resolve().parents[3]

PAPERS = [paper_for_width(58), paper_for_width(80)]
DOCUMENTS = [
    demo_ticket(holder_name="测试用户"),
    demo_receipt(),
    replace(demo_receipt(), title="燃气购气凭证", notes=("燃气尚未写入燃气卡，款项已保留。请在任一燃气自助终端插卡补写，或持本凭证到燃气营业厅办理。",
                                                        "订单号：GT0001202611230001")),
    demo_proof(),
    demo_materials(),
    TestPage("sim://80mm", "default", 80, datetime(2026, 11, 23, 9, 0)),
]


def _assert_fits(blocks, paper) -> None:
    for block in blocks:
        if isinstance(block, TextLine):
            assert block.columns <= paper.columns, f"{block.text!r} is {block.columns} of {paper.columns} columns"
        if isinstance(block, QrCode):
            assert qr_image(block.payload, block.module_dots).width <= paper.dots


@pytest.mark.parametrize("paper", PAPERS, ids=lambda p: f"{p.width_mm}mm")
@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: type(d).__name__)
def test_every_document_fits_both_paper_widths(document, paper):
    _assert_fits(layout_document(document, paper), paper)


# Text as the hall API and site config may send it: hanzi, full-width punctuation, ASCII, long words.
_printable_text = st.text(
    alphabet=st.sampled_from(list("政务服务中心社保医疗公积金不动产登记，。（）：") + list("ABCxyz0123456789 -/")),
    min_size=1,
    max_size=120,
)


@settings(max_examples=60, deadline=None)
@given(hall=_printable_text, queue=_printable_text, matter=_printable_text, line=_printable_text,
       number=st.text(alphabet="ABCDEFGHJK0123456789", min_size=1, max_size=12),
       people=st.integers(0, 100_000), wait=st.integers(0, 10_000))
def test_any_ticket_text_fits_both_widths(hall, queue, matter, line, number, people, wait):
    ticket = QueueTicket(hall_name=hall, queue_name=queue, number=number, people_ahead=people,
                         estimated_wait_minutes=wait, issued_at=datetime(2026, 11, 23, 9, 0), matter=matter,
                         holder_name="测试", review_url="http://127.0.0.1:8700/r/abc",
                         site=SiteLines(header=(line,), footer=(line, line)))
    for paper in PAPERS:
        _assert_fits(layout_document(ticket, paper), paper)


def test_wrapping_keeps_every_character_and_breaks_ascii_at_spaces():
    text = "城乡居民养老保险参保登记 and some English words"
    lines = wrap_text(text, 16)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert "English" in lines[-1] or "English" in lines[-2]


def test_closing_punctuation_never_starts_a_line():
    """GIVEN a sentence whose comma and full stop fall at line starts WHEN wrapped THEN the hanzi before
    each moves down with it."""
    assert wrap_text("材料不全可先预审，补齐后再来办理。", 16) == ["材料不全可先预", "审，补齐后再来办", "理。"]


def test_big_number_shrinks_to_fit_narrow_paper():
    ticket = demo_ticket(review_url=None)
    long_number = QueueTicket(**{**ticket.__dict__, "number": "VIP-A0123"})
    for paper, scale in ((paper_for_width(80), 4), (paper_for_width(58), 3)):
        line = next(b for b in layout_document(long_number, paper) if isinstance(b, TextLine) and b.text == "VIP-A0123")
        assert line.scale == scale


def test_site_header_and_footer_lines_are_printed_centred():
    ticket = QueueTicket(**{**demo_ticket().__dict__, "site": SiteLines(header=("站点页眉",), footer=("站点页脚",))})
    texts = [b.text for b in layout_document(ticket, PAPERS[1]) if isinstance(b, TextLine)]
    assert texts[0] == "站点页眉"
    assert texts[-1] == "站点页脚"


def test_ticket_without_review_link_has_no_qr_and_no_caption():
    blocks = layout_document(demo_ticket(review_url=None), PAPERS[1])
    assert not any(isinstance(b, QrCode) for b in blocks)
    assert not any(isinstance(b, TextLine) and "扫码" in b.text for b in blocks)


def _site_of_profile(name: str) -> SiteLines:
    """The header and footer lines a shipped profile configures for its printer."""
    with open(ROOT / "config" / name, "rb") as f:
        printer = tomllib.load(f)["devices"]["printer"]
    return SiteLines(header=tuple(printer.get("header_lines", ())), footer=tuple(printer.get("footer_lines", ())))


SITES = {"demo-site": DEMO_SITE, "config-demo.toml": _site_of_profile("demo.toml"), "no-site-lines": SiteLines()}
DOCUMENT_KINDS = {"ticket": demo_ticket, "receipt": demo_receipt, "proof": demo_proof, "materials": demo_materials}


@pytest.mark.parametrize("site_name", SITES)
@pytest.mark.parametrize("kind", DOCUMENT_KINDS)
def test_a_printout_asks_the_citizen_to_keep_it_exactly_once(kind, site_name):
    """GIVEN every kind of document, with the demo site, config/demo.toml's site lines or none WHEN printed
    THEN "keep it" (保管) is on the paper once where the site's lines or the document ask for it: a site
    line that already asks replaces the document's own (the receipt's 请妥善保管本凭条), never adds to it."""
    site = SITES[site_name]
    document = replace(DOCUMENT_KINDS[kind](), site=site)
    data = render_escpos(layout_document(document, PAPERS[1]), BUILTIN_PROFILES["default"], PAPERS[1])
    keep_lines = [line for line in printed_text(data).splitlines() if "保管" in line]
    site_keep_lines = [line for line in site.header + site.footer if "保管" in line]
    if site_keep_lines:
        assert keep_lines == site_keep_lines
    elif kind == "receipt":
        assert keep_lines == ["请妥善保管本凭条"]
    else:
        assert keep_lines == []


def test_a_voucher_prints_its_notes_under_the_total():
    """GIVEN a receipt with notes (a voucher the counter honours) THEN every note is printed, after the total."""
    voucher = replace(demo_receipt(), title="燃气购气凭证", notes=("请持本凭证到燃气营业厅办理。", "订单号：GT0001"))
    text = printed_text(render_escpos(layout_document(voucher, PAPERS[1]), BUILTIN_PROFILES["default"], PAPERS[1]))
    assert text.index("合计") < text.index("请持本凭证到燃气营业厅办理。") < text.index("订单号：GT0001")
