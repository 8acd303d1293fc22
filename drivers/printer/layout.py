"""Each document's layout, defined once as blocks; the ESC/POS and preview renderers only draw blocks.

Sites change what tickets say through `SiteLines` (header and footer); the order and sizes here are the
project's. Every line is wrapped to the paper so that nothing ever overflows 58 or 80 mm. Names and
identity numbers are masked here, at the last point before paper. A printout asks the citizen to keep it
once: a document's own "keep this" line gives way to a site line that already asks (`_Page.keep_line`).
"""

from __future__ import annotations

import math
from datetime import datetime

from domain.printouts import (
    MaterialList,
    PaymentReceipt,
    Printout,
    ProofDocument,
    QueueTicket,
    SiteLines,
    TestPage,
    format_fen,
)
from domain.privacy import mask_id_number, mask_name

from drivers.printer.blocks import LINE_PITCH, Align, Block, Feed, QrCode, TextLine, text_columns, wrap_text
from drivers.printer.profiles import Paper

__all__ = ["layout_document", "qr_module_dots", "qr_quiet_zone_lines", "REVIEW_CAPTION"]

REVIEW_CAPTION = "扫码评价本次服务"
# ISO/IEC 18004: a QR symbol needs four modules of blank all round to be found by a scanner.
QR_QUIET_ZONE_MODULES = 4
# What every "keep this printout" line says, in whatever words a site chose (请妥善保管此凭条, 请保管好凭条).
_KEEP_WORD = "保管"
TIME_FORMAT = "%Y-%m-%d %H:%M"


def qr_module_dots(paper: Paper, override: int = 0) -> int:
    """Module size: about 25 mm for a version-4 symbol on 80 mm paper, 20 mm on 58 mm; big enough for any phone."""
    if override:
        return override
    return 6 if paper.width_mm >= 80 else 5


def qr_quiet_zone_lines(module_dots: int) -> int:
    """Blank lines to feed above and below a QR code: its quiet zone, rounded up to whole lines."""
    return math.ceil(QR_QUIET_ZONE_MODULES * module_dots / LINE_PITCH)


def layout_document(document: Printout, paper: Paper, qr_module_override: int = 0) -> tuple[Block, ...]:
    """The blocks of any printout, for this paper width."""
    page = _Page(paper, qr_module_dots(paper, qr_module_override))
    if isinstance(document, QueueTicket):
        _ticket(page, document)
    elif isinstance(document, PaymentReceipt):
        _receipt(page, document)
    elif isinstance(document, ProofDocument):
        _proof(page, document)
    elif isinstance(document, MaterialList):
        _material_list(page, document)
    elif isinstance(document, TestPage):
        _test_page(page, document)
    else:
        raise TypeError(f"no layout for {type(document).__name__}")
    return tuple(page.blocks)


class _Page:
    """Collects blocks, wrapping text to the paper width."""

    def __init__(self, paper: Paper, module_dots: int) -> None:
        self.paper = paper
        self.module_dots = module_dots
        self.blocks: list[Block] = []

    @property
    def columns(self) -> int:
        return self.paper.columns

    def text(self, text: str, align: Align = Align.LEFT, scale: int = 1, bold: bool = False) -> None:
        for line in wrap_text(text, self.columns // scale):
            self.blocks.append(TextLine(line, align, scale, bold))

    def centered(self, text: str, scale: int = 1, bold: bool = False) -> None:
        self.text(text, Align.CENTER, scale, bold)

    def biggest(self, text: str, largest: int, bold: bool = True) -> None:
        """Centred, at the largest scale (up to `largest`) that still fits on one line."""
        scale = largest
        while scale > 1 and text_columns(text) * scale > self.columns:
            scale -= 1
        self.centered(text, scale, bold)

    def field(self, label: str, value: str) -> None:
        """`label：value`, continuation lines indented under the value."""
        head = f"{label}："
        indent = text_columns(head)
        if indent > self.columns // 2:
            self.text(head + value)
            return
        lines = wrap_text(value, self.columns - indent) if value else [""]
        self.blocks.append(TextLine(head + lines[0]))
        for line in lines[1:]:
            self.blocks.append(TextLine(" " * indent + line))

    def amount(self, label: str, amount: str, bold: bool = False) -> None:
        """Label on the left, amount flush right; the label wraps if both do not fit."""
        room = self.columns - text_columns(amount) - 1
        lines = wrap_text(label, room)
        for line in lines[:-1]:
            self.blocks.append(TextLine(line, bold=bold))
        gap = self.columns - text_columns(lines[-1]) - text_columns(amount)
        self.blocks.append(TextLine(lines[-1] + " " * gap + amount, bold=bold))

    def rule(self) -> None:
        self.blocks.append(TextLine("-" * self.columns))

    def feed(self, lines: int = 1) -> None:
        self.blocks.append(Feed(lines))

    def qr(self, payload: str, caption: str = "") -> None:
        """The code between blank lines as high as its quiet zone, so that neither the line above nor the
        caption touches it (left and right, centring on the paper leaves the room)."""
        quiet_zone = qr_quiet_zone_lines(self.module_dots)
        self.feed(quiet_zone)
        self.blocks.append(QrCode(payload, self.module_dots))
        self.feed(quiet_zone)
        if caption:
            self.centered(caption)

    def keep_line(self, text: str, site: SiteLines) -> None:
        """The document's request to keep it, unless the site's header or footer already makes one."""
        if not any(_KEEP_WORD in line for line in site.header + site.footer):
            self.centered(text)

    def header(self, site: SiteLines) -> None:
        for line in site.header:
            self.centered(line)

    def footer(self, site: SiteLines) -> None:
        if site.footer:
            self.feed()
        for line in site.footer:
            self.centered(line)


def _time(moment: datetime) -> str:
    return moment.strftime(TIME_FORMAT)


def _ticket(page: _Page, t: QueueTicket) -> None:
    page.header(t.site)
    page.biggest(t.hall_name, largest=2)
    page.centered(t.queue_name)
    page.rule()
    page.centered("您的号码")
    page.biggest(t.number, largest=4)
    page.rule()
    page.field("前面等候", f"{t.people_ahead} 人")
    if t.estimated_wait_minutes is not None:
        page.field("预计等待", f"约 {t.estimated_wait_minutes} 分钟")
    if t.matter:
        page.field("办理事项", t.matter)
    if t.holder_name:
        page.field("姓　　名", mask_name(t.holder_name))
    page.field("取号时间", _time(t.issued_at))
    page.centered("请留意叫号，过号请重新取号")
    if t.review_url:
        page.rule()
        page.qr(t.review_url, REVIEW_CAPTION)
    page.footer(t.site)


def _receipt(page: _Page, r: PaymentReceipt) -> None:
    page.header(r.site)
    page.centered(r.title, scale=2, bold=True)
    page.centered(r.merchant)
    page.rule()
    page.field("终端编号", r.terminal_id)
    page.field(r.account_label, mask_id_number(r.account_number))
    page.field("支付方式", r.payment_method)
    page.field("交易时间", _time(r.paid_at))
    page.field("交易流水", r.transaction_id)
    page.rule()
    for line in r.lines:
        page.amount(line.label, format_fen(line.amount_fen))
    page.rule()
    page.amount("合计", format_fen(r.total_fen), bold=True)
    if r.notes:
        page.rule()
        for note in r.notes:
            page.text(note)
    page.keep_line("请妥善保管本凭条", r.site)
    page.footer(r.site)


def _proof(page: _Page, p: ProofDocument) -> None:
    page.header(p.site)
    page.centered(p.title, scale=2, bold=True)
    page.rule()
    page.field("姓　　名", mask_name(p.holder_name))
    page.field("证件号码", mask_id_number(p.id_number))
    for item in p.fields:
        page.field(item.label, item.value)
    page.rule()
    page.field("验证码", p.verification_code)
    page.field("出具单位", p.issuer)
    page.field("出具时间", _time(p.issued_at))
    if p.verify_url:
        page.qr(p.verify_url, "扫码核验本证明")
    page.centered("本证明可凭验证码在线核验")
    page.footer(p.site)


def _material_list(page: _Page, m: MaterialList) -> None:
    page.header(m.site)
    page.centered("办事材料清单", scale=2, bold=True)
    page.text(m.matter, bold=True)
    page.rule()
    for number, material in enumerate(m.materials, start=1):
        mark = "" if material.required else "（如有）"
        page.text(f"{number}. {material.name}{mark}")
        details = "，".join(part for part in (material.copies, material.note) if part)
        if details:
            page.text("   " + details)
    if m.notes:
        page.rule()
        for note in m.notes:
            page.text(note)
    if m.printed_at:
        page.field("打印时间", _time(m.printed_at))
    page.footer(m.site)


# Full-width punctuation, the yuan sign and characters that old GB2312 fonts lack: what a technician
# checks by eye on a new printer.
_TEST_SAMPLE = ("中文：，。！？（）《》“”￥", "GBK：堃喆镕", "扩展：䶮𠀀", "ASCII: 0123456789 ABC abc")


def _test_page(page: _Page, t: TestPage) -> None:
    page.centered("打印机测试页", scale=2, bold=True)
    page.rule()
    page.field("打印机", t.printer)
    page.field("配置", t.profile)
    page.field("纸宽", f"{t.paper_width_mm} mm, {page.paper.dots} dots, {page.columns} columns")
    page.field("时间", _time(t.printed_at))
    page.rule()
    for line in _TEST_SAMPLE:
        page.text(line)
    page.text("加粗 Bold", bold=True)
    for scale in (2, 3):
        page.text(f"{scale}x 字号", scale=scale)
    page.rule()
    page.text("#" * page.columns)
    page.qr("http://127.0.0.1/test", "二维码测试")
