"""What the gas utility answers, as frozen dataclasses: the kiosk never handles the API's raw dicts.

Each class is a pydantic dataclass, so building one from an answer validates it: a missing field or a
wrong type becomes a `GasUtilityProtocolError` in the client. Unknown fields are ignored, so a newer
utility may add fields. Names follow gas_server/openapi.yaml; money in fen, volumes in tenths of a m³;
gas on a card is a `domain.gas_card.GasQuantity`, comparable with what the card driver reads; times are
ISO 8601 strings as sent. Card, account and meter numbers are masked in every repr.
"""

from __future__ import annotations

from enum import Enum
from typing import Literal

from pydantic import ConfigDict
from pydantic.dataclasses import dataclass

from domain.gas_card import GasCard, GasMeasure, GasQuantity, mask_digits

__all__ = [
    "OrderState", "Tier", "Tariff", "UtilityInfo", "AccountTariff", "PurchaseLimits", "GasAccount", "TierPart",
    "GasQuote", "OrderPayment", "WriteReservation", "ReadBack", "WriteReport", "OrderRefund", "OrderCancellation",
    "OrderEvent", "GasOrder", "StateSum", "ReconciliationTotals", "ReconciliationLine", "Reconciliation",
]

_CONFIG = ConfigDict(extra="ignore")


class OrderState(Enum):
    """An order's state at the utility (gas_server/orders.py has the transitions)."""

    CREATED = "created"                  # no money yet
    PAID = "paid"                        # money held, nothing written
    WRITE_RESERVED = "write_reserved"    # a terminal is writing it
    WRITTEN = "written"                  # confirmed on the card: done
    WRITE_FAILED = "write_failed"        # money held, the write failed: 补写卡 or refund
    REFUNDED = "refunded"                # money returned
    CANCELLED = "cancelled"              # never paid

    @property
    def holds_money(self) -> bool:
        return self in (OrderState.PAID, OrderState.WRITE_RESERVED, OrderState.WRITTEN, OrderState.WRITE_FAILED)

    @property
    def awaits_write(self) -> bool:
        """Paid, and the gas not confirmed on the card: a pending rewrite (补写卡)."""
        return self in (OrderState.PAID, OrderState.WRITE_RESERVED, OrderState.WRITE_FAILED)


@dataclass(frozen=True, config=_CONFIG)
class Tier:
    up_to_tenths_m3: int | None          # the year's volume where the tier ends; None: the last tier
    price_fen_per_m3: int


@dataclass(frozen=True, config=_CONFIG)
class Tariff:
    code: str
    name: str
    tiers: tuple[Tier, ...]
    min_purchase_tenths_m3: int
    per_purchase_tenths_m3: int
    yearly_tenths_m3: int


@dataclass(frozen=True, config=_CONFIG)
class UtilityInfo:
    name: str
    name_en: str
    hotline: str
    counter: str                         # the service counter (营业厅) that honours vouchers
    counter_hours: str
    timezone: str
    tariffs: tuple[Tariff, ...]
    server_time: str


@dataclass(frozen=True, config=_CONFIG)
class AccountTariff:
    code: str
    name: str
    year: int
    tiers: tuple[Tier, ...]


@dataclass(frozen=True, config=_CONFIG)
class PurchaseLimits:
    min_purchase_tenths_m3: int
    per_purchase_tenths_m3: int
    yearly_tenths_m3: int
    used_this_year_tenths_m3: int
    max_now_tenths_m3: int               # the most one purchase may be now (0: none)
    max_now_amount_fen: int


@dataclass(frozen=True, config=_CONFIG)
class TierPart:
    tier: int
    volume_tenths_m3: int
    price_fen_per_m3: int


@dataclass(frozen=True, config=_CONFIG)
class OrderPayment:
    method: Literal["wechat_code", "bank_card"]
    transaction_id: str
    amount_fen: int
    paid_at: str
    recorded_at: str
    recorded_by: str


@dataclass(frozen=True, config=_CONFIG)
class WriteReservation:
    reservation_id: str
    terminal_id: str
    reserved_at: str
    expires_at: str


@dataclass(frozen=True, config=_CONFIG)
class ReadBack:
    """What a card held when read back after a write, as the utility keeps it."""

    purchase_count: int
    gas: GasQuantity
    awaiting_meter: bool

    @classmethod
    def of(cls, card: GasCard) -> "ReadBack":
        return cls(card.purchase_count, card.gas, card.awaiting_meter)


@dataclass(frozen=True, config=_CONFIG)
class WriteReport:
    outcome: Literal["written", "failed"]
    read_back: ReadBack | None
    error_code: str | None
    at: str
    terminal_id: str


@dataclass(frozen=True, config=_CONFIG)
class OrderRefund:
    reason: str
    method: Literal["reversal", "refund"]
    reference: str
    at: str
    terminal_id: str


@dataclass(frozen=True, config=_CONFIG)
class OrderCancellation:
    reason: str
    at: str
    terminal_id: str


@dataclass(frozen=True, config=_CONFIG)
class OrderEvent:
    state: OrderState
    at: str
    terminal_id: str


@dataclass(frozen=True, config=_CONFIG)
class GasOrder:
    order_id: str
    card_number: str
    account_number: str
    purchase_count: int                  # the count the card carries once this order is written
    state: OrderState
    money_held: bool
    amount_fen: int
    volume_tenths_m3: int
    card_gas: GasQuantity                # what the card is written with
    tiers: tuple[TierPart, ...]
    tariff_year: int
    terminal_id: str                     # the terminal that created it
    created_at: str
    updated_at: str
    payment: OrderPayment | None
    reservation: WriteReservation | None
    write: WriteReport | None
    refund: OrderRefund | None
    cancellation: OrderCancellation | None
    history: tuple[OrderEvent, ...]

    def carried_by(self, card: GasCard) -> bool:
        """Whether this card, as read, carries this order's purchase (its count and its gas)."""
        return (card.card_number == self.card_number and card.purchase_count == self.purchase_count
                and card.gas == self.card_gas)

    def __repr__(self) -> str:
        return (f"GasOrder({self.order_id}, card {mask_digits(self.card_number)}, count {self.purchase_count}, "
                f"{self.state.value}, {self.amount_fen} fen, {self.card_gas})")

    __str__ = __repr__


@dataclass(frozen=True, config=_CONFIG)
class GasAccount:
    card_number: str
    account_number: str
    meter_number: str
    holder_masked: str
    address_masked: str
    measure: GasMeasure
    purchase_count: int                  # the utility's count
    card_status: Literal["ok", "rewrite_pending", "confirm_pending"]
    can_buy: bool
    refusal: Literal["rewrite_pending", "account_in_arrears", "yearly_limit_reached"] | None
    arrears_fen: int
    tariff: AccountTariff
    limits: PurchaseLimits
    pending_orders: tuple[GasOrder, ...]
    server_time: str

    def __repr__(self) -> str:
        return (f"GasAccount(card {mask_digits(self.card_number)}, account {mask_digits(self.account_number)}, "
                f"{self.measure.value}, count {self.purchase_count}, {self.card_status}, "
                f"can_buy={self.can_buy}, refusal={self.refusal})")

    __str__ = __repr__


@dataclass(frozen=True, config=_CONFIG)
class GasQuote:
    card_number: str
    measure: GasMeasure
    amount_fen: int                      # what the citizen pays
    volume_tenths_m3: int                # the gas it buys
    card_gas: GasQuantity                # what the card will be written with
    tiers: tuple[TierPart, ...]
    used_this_year_tenths_m3: int
    tariff_year: int
    quoted_at: str

    def __repr__(self) -> str:
        return (f"GasQuote(card {mask_digits(self.card_number)}, {self.amount_fen} fen for "
                f"{self.volume_tenths_m3} tenths of a m³, card gets {self.card_gas})")

    __str__ = __repr__


@dataclass(frozen=True, config=_CONFIG)
class StateSum:
    count: int
    amount_fen: int


@dataclass(frozen=True, config=_CONFIG)
class ReconciliationTotals:
    orders: int
    paid_count: int
    paid_fen: int
    refunded_count: int
    refunded_fen: int
    net_fen: int
    written_count: int
    written_fen: int
    written_volume_tenths_m3: int
    awaiting_write_count: int
    awaiting_write_fen: int


@dataclass(frozen=True, config=_CONFIG)
class ReconciliationLine:
    order_id: str
    card_number_masked: str
    purchase_count: int
    state: OrderState
    amount_fen: int
    volume_tenths_m3: int
    terminal_id: str
    created_at: str
    payment_method: str | None
    transaction_id: str | None
    paid_at: str | None
    written_at: str | None
    written_by: str | None
    refund_method: str | None
    refund_reference: str | None
    refunded_at: str | None


@dataclass(frozen=True, config=_CONFIG)
class Reconciliation:
    terminal_id: str
    date: str
    generated_at: str
    by_state: dict[OrderState, StateSum]
    totals: ReconciliationTotals
    orders: tuple[ReconciliationLine, ...]
    rewrites_for_others: tuple[ReconciliationLine, ...]
