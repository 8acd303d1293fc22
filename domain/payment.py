"""Payments as values: what is asked, how it goes, how it ends, and who paid, masked.

The payment drivers (drivers/scanner, drivers/bankcard), the reference gateway and the kiosk's payments
(kiosk/gas/payments) share these; nothing here does I/O.

    request = PaymentRequest("GT20261123000042", 10000, "燃气充值 100.00 元", PaymentMethod.WECHAT)
    code = PaymentCode("134567890123456789")          # ValueError unless 18 digits starting 10..15
    repr(code)                                         # PaymentCode(13************6789)
    outcome.state                                      # PaymentState.SUCCESS, CLOSED, REVOKED, REFUNDED, PENDING
    outcome.paid                                       # True only for SUCCESS: the merchant holds the money
    Payer.card("6222021234567890123").masked           # 622202*********0123

Amounts are whole fen (int), never floats. An order id is the caller's (the top-up saga's journal order
id): WeChat's out_trade_no and the bank terminal's merchant order number, the key that makes every call
safe to repeat.

Final states, after WeChat's trade states for payment codes (付款码):

    state      paid   meaning
    SUCCESS    yes    the money is the merchant's
    CLOSED     no     nothing was taken: refused, failed, or closed unpaid
    REVOKED    no     reversed (撤销 / 冲正): any money taken went back at once
    REFUNDED   no     paid, then refunded (退款 / 退货)
    PENDING    ?      not final: in flight, or the provider's answer is not known yet

A card number never appears whole in a value: `Payer.card` keeps at most the first 6 and last 4 digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

__all__ = [
    "PaymentMethod",
    "PaymentState",
    "NotPaidReason",
    "PaymentStep",
    "PaymentProgress",
    "PaymentCode",
    "PaymentRequest",
    "Payer",
    "PaymentOutcome",
    "mask_card_number",
    "format_fen",
    "check_fen",
    "check_order_id",
    "MAX_AMOUNT_FEN",
]

MASK = "*"
# One top-up at an unattended terminal; WeChat's own limit for a payment code is far above it.
MAX_AMOUNT_FEN = 10_000_00
# WeChat's out_trade_no: 6..32 of digits, letters, _ - | * ; the bank terminal takes the same.
_ORDER_ID = re.compile(r"^[0-9A-Za-z_\-|*]{6,32}$")
# 付款码: 18 digits, 10..15 first (WeChat Pay's published rule for payment codes).
_PAYMENT_CODE = re.compile(r"^1[0-5]\d{16}$")


def check_fen(value: object, what: str = "amount") -> int:
    """A positive whole number of fen, at most MAX_AMOUNT_FEN; TypeError or ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be whole fen (int), got {value!r}")
    if not 0 < value <= MAX_AMOUNT_FEN:
        raise ValueError(f"{what} must be 1..{MAX_AMOUNT_FEN} fen, got {value}")
    return value


def check_order_id(order_id: object) -> str:
    if not isinstance(order_id, str) or not _ORDER_ID.match(order_id):
        raise ValueError(f"an order id is 6..32 of digits, letters, _ - | *, got {order_id!r}")
    return order_id


def format_fen(fen: int) -> str:
    """12345 → ¥123.45"""
    return f"¥{fen // 100}.{fen % 100:02d}"


def mask_card_number(number: str) -> str:
    """At most the first 6 and the last 4 digits: 6222021234567890123 → 622202*********0123.

    A card number has 13..19 digits (PCI: first 6 and last 4 may show); anything shorter keeps a quarter
    at each end at most, so that most of it is always hidden. A masked number stays as it was.
    """
    number = number.strip().replace(" ", "")
    size = len(number)
    head, tail = (6, 4) if size >= 13 else (size // 4, size // 4)
    return number[:head] + MASK * (size - head - tail) + number[size - tail:]


class PaymentMethod(Enum):
    WECHAT = "wechat"        # 微信付款码: the terminal scans the code on the citizen's phone
    BANKCARD = "bankcard"    # 银行卡: the UnionPay terminal module (MIS-POS), PIN on its own pad


class PaymentState(Enum):
    SUCCESS = "SUCCESS"
    CLOSED = "CLOSED"
    REVOKED = "REVOKED"
    REFUNDED = "REFUNDED"
    PENDING = "PENDING"

    @property
    def final(self) -> bool:
        return self is not PaymentState.PENDING

    @property
    def paid(self) -> bool:
        return self is PaymentState.SUCCESS


class NotPaidReason(Enum):
    """Why a payment did not end paid: stable codes the kiosk maps to its own sentences."""

    NO_CODE = "no_code"                              # no payment code was scanned in time
    CANCELLED = "cancelled"                          # the citizen cancelled before paying
    CODE_REFUSED = "code_refused"                    # the payment code is invalid, expired or used
    INSUFFICIENT_BALANCE = "insufficient_balance"    # 余额不足
    PAYMENT_FAILED = "payment_failed"                # the provider refused it for another reason
    NOT_CONFIRMED = "not_confirmed"                  # the citizen did not confirm on the phone in time
    NO_CARD = "no_card"                              # no bank card was inserted in time
    CARD_REMOVED = "card_removed"                    # the card left the terminal during the payment
    PIN_CANCELLED = "pin_cancelled"                  # cancelled (or timed out) on the PIN pad
    DECLINED = "declined"                            # the bank declined (`response_code` says why)
    TERMINAL_FAULT = "terminal_fault"                # the terminal failed and nothing was taken
    REVERSED = "reversed"                            # the caller reversed it (reverse())
    REFUNDED = "refunded"                            # the caller refunded it (refund())


class PaymentStep(Enum):
    """Progress a payment reports while it runs, for the screen and the spoken prompts."""

    SCAN_CODE = "scan_code"                # show the payment code to the scanner
    PROCESSING = "processing"              # talking to the provider
    WAITING_FOR_USER = "waiting_for_user"  # confirm the payment on the phone (USERPAYING)
    INSERT_CARD = "insert_card"            # insert the bank card into the terminal
    ENTER_PIN = "enter_pin"                # enter the PIN on the terminal's own pad (never the touchscreen)
    TAKE_CARD = "take_card"                # take the bank card back
    REVERSING = "reversing"                # reversing the payment
    REFUNDING = "refunding"                # refunding the payment


@dataclass(frozen=True, slots=True)
class PaymentProgress:
    step: PaymentStep
    method: PaymentMethod
    seconds_left: int | None = None        # of the current wait, when there is one
    notice: str = ""                       # a stable code for something to tell, e.g. "not_a_payment_code"


@dataclass(frozen=True, slots=True, repr=False)
class PaymentCode:
    """A WeChat payment code (付款码) as scanned: a one-minute bearer token, so masked wherever shown."""

    digits: str

    def __post_init__(self) -> None:
        if not isinstance(self.digits, str) or not _PAYMENT_CODE.match(self.digits):
            raise ValueError("a WeChat payment code is 18 digits starting 10..15, "
                             f"got {self.masked_text(self.digits)}")

    @staticmethod
    def masked_text(text: object) -> str:
        text = str(text)
        return text[:2] + MASK * max(0, len(text) - 6) + text[-4:] if len(text) > 8 else MASK * len(text)

    @property
    def masked(self) -> str:
        return self.masked_text(self.digits)

    def __repr__(self) -> str:
        return f"PaymentCode({self.masked})"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """What the caller asks: take `amount_fen` for `order_id` by `method`; `description` is shown to the payer."""

    order_id: str
    amount_fen: int
    description: str
    method: PaymentMethod

    def __post_init__(self) -> None:
        check_order_id(self.order_id)
        check_fen(self.amount_fen)
        if not isinstance(self.description, str) or not 1 <= len(self.description) <= 127:
            raise ValueError("a payment description is 1..127 characters")
        if not isinstance(self.method, PaymentMethod):
            raise TypeError(f"method must be a PaymentMethod, got {self.method!r}")


@dataclass(frozen=True, slots=True)
class Payer:
    """Who paid, masked at construction: a bank card (first 6, last 4) or a WeChat user (openid ends)."""

    kind: str          # "card" or "wechat"
    masked: str

    @classmethod
    def card(cls, number: str) -> "Payer":
        return cls("card", mask_card_number(number))

    @classmethod
    def wechat(cls, openid: str) -> "Payer":
        openid = openid.strip()
        return cls("wechat", openid[:4] + MASK * 4 + openid[-4:] if len(openid) > 12 else MASK * len(openid))


@dataclass(frozen=True, slots=True)
class PaymentOutcome:
    """Where a payment stands: final (SUCCESS, CLOSED, REVOKED, REFUNDED) or PENDING.

    transaction_id: the provider's id (WeChat transaction_id; the bank's retrieval reference number, RRN).
    auth_code: the bank's authorisation code (授权码), empty for WeChat. trace: the terminal's voucher number.
    reason: why it did not end paid (None when paid or pending). response_code: the provider's own code
    for a refusal (WeChat error code, bank response code), for technicians and reconciliation.
    """

    order_id: str
    method: PaymentMethod
    state: PaymentState
    amount_fen: int
    transaction_id: str = ""
    payer: Payer | None = None
    reason: NotPaidReason | None = None
    response_code: str = ""
    auth_code: str = ""
    trace: str = ""
    refund_id: str = ""
    paid_at: str = ""      # ISO 8601 as the provider sent it
    details: tuple[tuple[str, str], ...] = field(default=())

    def __post_init__(self) -> None:
        check_order_id(self.order_id)
        if not isinstance(self.state, PaymentState) or not isinstance(self.method, PaymentMethod):
            raise TypeError("state and method must be a PaymentState and a PaymentMethod")
        if self.reason is not None and not isinstance(self.reason, NotPaidReason):
            raise TypeError(f"reason must be a NotPaidReason, got {self.reason!r}")
        if self.payer is not None and not isinstance(self.payer, Payer):
            raise TypeError("payer must be a Payer (masked)")

    @property
    def final(self) -> bool:
        return self.state.final

    @property
    def paid(self) -> bool:
        return self.state.paid

    def to_dict(self) -> dict[str, Any]:
        """Plain data for a journal or JSON; everything in it is already masked."""
        return {
            "order_id": self.order_id,
            "method": self.method.value,
            "state": self.state.value,
            "amount_fen": self.amount_fen,
            "transaction_id": self.transaction_id,
            "payer": {"kind": self.payer.kind, "masked": self.payer.masked} if self.payer else None,
            "reason": self.reason.value if self.reason else None,
            "response_code": self.response_code,
            "auth_code": self.auth_code,
            "trace": self.trace,
            "refund_id": self.refund_id,
            "paid_at": self.paid_at,
            "details": dict(self.details),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PaymentOutcome":
        payer = data.get("payer")
        return cls(
            order_id=data["order_id"],
            method=PaymentMethod(data["method"]),
            state=PaymentState(data["state"]),
            amount_fen=data["amount_fen"],
            transaction_id=data.get("transaction_id", ""),
            payer=Payer(payer["kind"], payer["masked"]) if payer else None,
            reason=NotPaidReason(data["reason"]) if data.get("reason") else None,
            response_code=data.get("response_code", ""),
            auth_code=data.get("auth_code", ""),
            trace=data.get("trace", ""),
            refund_id=data.get("refund_id", ""),
            paid_at=data.get("paid_at", ""),
            details=tuple(sorted((data.get("details") or {}).items())),
        )
