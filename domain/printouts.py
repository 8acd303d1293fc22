"""The documents the kiosk prints, as plain data: queue ticket, payment receipt, proof, material list, test page.

These are frozen dataclasses with no I/O and no layout: `drivers.printer` turns any of them into ESC/POS
bytes and into a PNG preview from one layout. Every text field is checked here, once, so that a stray control
character from the hall API or a site's config can never reach the printer as a command.

Personal data stays protected by construction: a document holds the holder's name and number only in
fields with `repr=False`, and the layout prints them masked (domain.privacy), never in full.

    >>> ticket = QueueTicket(hall_name="示例市政务服务中心", queue_name="社保业务", number="A023",
    ...                      people_ahead=5, estimated_wait_minutes=15,
    ...                      issued_at=datetime(2026, 11, 23, 9, 30))
    >>> ticket.number
    'A023'
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, fields
from datetime import datetime

__all__ = [
    "InvalidPrintout",
    "SiteLines",
    "QueueTicket",
    "ReceiptLine",
    "PaymentReceipt",
    "ProofField",
    "ProofDocument",
    "Material",
    "MaterialList",
    "TestPage",
    "Printout",
    "format_fen",
]

# A QR symbol of version 5-M (37 modules) holds 84 bytes: beyond that the code gets too dense for a small
# ticket symbol, so a longer review URL is a hall API bug, not something to print.
MAX_QR_PAYLOAD = 84


class InvalidPrintout(ValueError):
    """A document field that cannot be printed (control characters, negative amounts, a bad QR payload)."""


def _check_text(owner: str, name: str, value: str) -> None:
    if not isinstance(value, str):
        raise InvalidPrintout(f"{owner}.{name} must be text, got {type(value).__name__}")
    for ch in value:
        # Cc/Cf/Cs/Co: control, format, surrogate and private-use characters would either be ESC/POS
        # commands or print as garbage.
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co"):
            raise InvalidPrintout(
                f"{owner}.{name} contains the control character U+{ord(ch):04X}; remove it from its source"
            )


def _check_all_text(document: object) -> None:
    """Check every str field, and every str inside tuple fields, of a document dataclass."""
    owner = type(document).__name__
    for f in fields(document):  # type: ignore[arg-type]
        value = getattr(document, f.name)
        if isinstance(value, str):
            _check_text(owner, f.name, value)
        elif isinstance(value, tuple):
            for item in value:
                if isinstance(item, str):
                    _check_text(owner, f.name, item)


def _check_qr_payload(owner: str, payload: str | None) -> None:
    if payload is None:
        return
    if not payload or not payload.isascii() or not payload.isprintable() or " " in payload:
        raise InvalidPrintout(f"{owner}: a QR payload must be a non-empty printable ASCII URL without spaces")
    if len(payload) > MAX_QR_PAYLOAD:
        raise InvalidPrintout(
            f"{owner}: QR payload is {len(payload)} characters, at most {MAX_QR_PAYLOAD} fit a small symbol; "
            "ask the hall API for a shorter review link"
        )


def format_fen(amount_fen: int) -> str:
    """Money as printed: full-width yuan sign (U+FFE5, which every GB printer font has) and two decimals."""
    sign = "-" if amount_fen < 0 else ""
    yuan, fen = divmod(abs(amount_fen), 100)
    return f"{sign}￥{yuan}.{fen:02d}"


@dataclass(frozen=True)
class SiteLines:
    """What a site wants on every printout above and below the document (slogans, hotline, opening hours)."""

    header: tuple[str, ...] = ()
    footer: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_all_text(self)


@dataclass(frozen=True)
class QueueTicket:
    """The queue ticket a citizen takes away. `review_url` is the 好差评 link from the hall API."""

    hall_name: str
    queue_name: str
    number: str
    people_ahead: int
    estimated_wait_minutes: int | None
    issued_at: datetime
    matter: str | None = None
    holder_name: str | None = field(default=None, repr=False)
    review_url: str | None = None
    site: SiteLines = SiteLines()

    def __post_init__(self) -> None:
        _check_all_text(self)
        if not self.number.strip():
            raise InvalidPrintout("QueueTicket.number is empty")
        if self.people_ahead < 0:
            raise InvalidPrintout("QueueTicket.people_ahead cannot be negative")
        if self.estimated_wait_minutes is not None and self.estimated_wait_minutes < 0:
            raise InvalidPrintout("QueueTicket.estimated_wait_minutes cannot be negative")
        _check_qr_payload("QueueTicket", self.review_url)


@dataclass(frozen=True)
class ReceiptLine:
    label: str
    amount_fen: int

    def __post_init__(self) -> None:
        _check_all_text(self)


@dataclass(frozen=True)
class PaymentReceipt:
    """A payment receipt (the gas terminal): amounts in fen (integers, never floats) and the transaction id.
    `notes` are printed under the total: what became of the purchase and what to do, on a voucher (凭证) that
    a counter honours when the gas could not be written or the money went back."""

    title: str
    merchant: str
    terminal_id: str
    account_label: str
    account_number: str = field(repr=False)
    lines: tuple[ReceiptLine, ...]
    total_fen: int
    payment_method: str
    transaction_id: str
    paid_at: datetime
    site: SiteLines = SiteLines()
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_all_text(self)
        if self.total_fen < 0 or any(line.amount_fen < 0 for line in self.lines):
            raise InvalidPrintout("PaymentReceipt amounts cannot be negative; print a refund as its own document")
        if self.lines and sum(line.amount_fen for line in self.lines) != self.total_fen:
            raise InvalidPrintout("PaymentReceipt.total_fen is not the sum of its lines")


@dataclass(frozen=True)
class ProofField:
    label: str
    value: str

    def __post_init__(self) -> None:
        _check_all_text(self)


@dataclass(frozen=True)
class ProofDocument:
    """A printed proof (e.g. 参保证明 summary): verifiable with its code, or with the QR link when given."""

    title: str
    holder_name: str = field(repr=False)
    id_number: str = field(repr=False)
    fields: tuple[ProofField, ...]
    verification_code: str
    issuer: str
    issued_at: datetime
    verify_url: str | None = None
    site: SiteLines = SiteLines()

    def __post_init__(self) -> None:
        _check_all_text(self)
        _check_qr_payload("ProofDocument", self.verify_url)


@dataclass(frozen=True)
class Material:
    name: str
    copies: str = ""
    required: bool = True
    note: str = ""

    def __post_init__(self) -> None:
        _check_all_text(self)


@dataclass(frozen=True)
class MaterialList:
    """The materials a matter needs, so a citizen can come back with everything."""

    matter: str
    materials: tuple[Material, ...]
    notes: tuple[str, ...] = ()
    printed_at: datetime | None = None
    site: SiteLines = SiteLines()

    def __post_init__(self) -> None:
        _check_all_text(self)


@dataclass(frozen=True)
class TestPage:
    """The technician's test page: which printer and profile, a character sample, sizes and a QR code."""

    __test__ = False  # not a pytest test class

    printer: str
    profile: str
    paper_width_mm: int
    printed_at: datetime

    def __post_init__(self) -> None:
        _check_all_text(self)


Printout = QueueTicket | PaymentReceipt | ProofDocument | MaterialList | TestPage
