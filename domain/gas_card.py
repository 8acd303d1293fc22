"""Prepaid gas-meter IC cards as values: what a card holds, one purchase, and why a card cannot buy.

The gas-card driver (`drivers/gascard`) reads a card into a `GasCard` and writes a `GasPurchase`; the
kiosk's gas journey decides with the same values. Nothing here does I/O or knows a card layout.

    card = GasCard(layout="sle4442-dual", card_type=GasCardType.USER, card_number="3101002468", ...)
    card.refusal()                        # None, or why a new purchase is refused (PurchaseRefusal)
    card.next_purchase(GasQuantity.volume(200))     # GasPurchase(count=card.purchase_count + 1, ...)
    repr(card)                            # card, user and meter numbers masked: 31****2468

Quantities are integers in the card's own unit, never floats: a volume in tenths of a cubic metre
(0.1 m³, what meters count in), an amount in fen. The purchase count (购气次数) on the card is
authoritative: the next purchase is always the card's count plus one.

The "awaiting meter" flag is the layouts' "inserted in meter" byte (插表标志): a terminal sets it when it
writes gas onto the card, the meter clears it (and takes the gas) when the card is inserted. While it
is set, or while the card still holds gas, the previous purchase has not reached the meter and the card
must not buy again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

__all__ = [
    "GasMeasure",
    "GasQuantity",
    "GasCardType",
    "GasPurchase",
    "PurchaseRefusal",
    "GasCard",
    "mask_digits",
    "MAX_PURCHASE_COUNT",
]

MASK = "*"
# Layouts keep the count in two bytes.
MAX_PURCHASE_COUNT = 0xFFFF


def mask_digits(text: str, head: int = 2, tail: int = 4) -> str:
    """Keep `head` leading and `tail` trailing characters: 3101002468 → 31****2468.

    A text too short to hide anything that way keeps only its last two characters (or none).
    """
    if len(text) > head + tail + 1:
        return text[:head] + MASK * (len(text) - head - tail) + text[-tail:]
    keep = 2 if len(text) > 4 else 0
    return MASK * (len(text) - keep) + text[len(text) - keep:]


def _whole_number(value: object, what: str, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be a whole number, got {value!r}")
    if value < 0 or (maximum is not None and value > maximum):
        limit = f"0..{maximum}" if maximum is not None else "at least 0"
        raise ValueError(f"{what} must be {limit}, got {value}")
    return value


class GasMeasure(Enum):
    """How a meter counts the gas it is sold: by volume (0.1 m³) or by money (fen)."""

    VOLUME = "volume"
    AMOUNT = "amount"

    @property
    def unit(self) -> str:
        return "0.1m3" if self is GasMeasure.VOLUME else "fen"


@dataclass(frozen=True, slots=True)
class GasQuantity:
    """Gas as the card counts it: `value` tenths of a cubic metre, or `value` fen."""

    measure: GasMeasure
    value: int

    def __post_init__(self) -> None:
        if not isinstance(self.measure, GasMeasure):
            raise TypeError(f"measure must be a GasMeasure, got {self.measure!r}")
        _whole_number(self.value, f"gas {self.measure.value}")

    @classmethod
    def volume(cls, tenths_m3: int) -> "GasQuantity":
        return cls(GasMeasure.VOLUME, tenths_m3)

    @classmethod
    def amount(cls, fen: int) -> "GasQuantity":
        return cls(GasMeasure.AMOUNT, fen)

    def __bool__(self) -> bool:
        return self.value > 0

    def __str__(self) -> str:
        if self.measure is GasMeasure.VOLUME:
            return f"{self.value // 10}.{self.value % 10} m³"
        return f"¥{self.value // 100}.{self.value % 100:02d}"


class GasCardType(Enum):
    """What the gas company issued the card as. Only user cards (用户卡) buy gas."""

    USER = "user"        # 用户卡
    CHECK = "check"      # 检查卡: reads a meter's state for the company
    TOOL = "tool"        # 工具卡: settings and resets, for the company's technicians


@dataclass(frozen=True, slots=True)
class GasPurchase:
    """One purchase as written to a card: the card's new purchase count and the gas bought."""

    count: int
    gas: GasQuantity

    def __post_init__(self) -> None:
        _whole_number(self.count, "purchase count", MAX_PURCHASE_COUNT)
        if not isinstance(self.gas, GasQuantity):
            raise TypeError(f"gas must be a GasQuantity, got {self.gas!r}")


class PurchaseRefusal(Enum):
    """Why a card cannot take a new purchase now (stable codes, shared with the driver's errors)."""

    NOT_USER_CARD = "not_user_card"
    HOLDS_GAS = "card_holds_gas"
    AWAITING_METER = "awaiting_meter"


@dataclass(frozen=True, slots=True, repr=False)
class GasCard:
    """A gas card as read, consistent (the driver never builds one from a half-written card)."""

    layout: str
    card_type: GasCardType
    card_number: str
    user_number: str
    meter_number: str
    purchase_count: int
    gas: GasQuantity
    awaiting_meter: bool
    reissue_count: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.card_type, GasCardType):
            raise TypeError(f"card_type must be a GasCardType, got {self.card_type!r}")
        for name in ("card_number", "user_number", "meter_number"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"{name} must be text")
        _whole_number(self.purchase_count, "purchase count", MAX_PURCHASE_COUNT)
        _whole_number(self.reissue_count, "re-issue count", 0xFF)
        if not isinstance(self.gas, GasQuantity):
            raise TypeError(f"gas must be a GasQuantity, got {self.gas!r}")

    @property
    def measure(self) -> GasMeasure:
        return self.gas.measure

    @property
    def purchase(self) -> GasPurchase:
        """The last purchase the card carries (count 0 and no gas on a card never used)."""
        return GasPurchase(self.purchase_count, self.gas)

    def refusal(self) -> PurchaseRefusal | None:
        """Why this card cannot buy now, or None when it can."""
        if self.card_type is not GasCardType.USER:
            return PurchaseRefusal.NOT_USER_CARD
        if self.awaiting_meter:
            return PurchaseRefusal.AWAITING_METER
        if self.gas:
            return PurchaseRefusal.HOLDS_GAS
        return None

    def next_purchase(self, gas: GasQuantity) -> GasPurchase:
        """The purchase that follows this card's last one: count + 1, gas in the card's own measure."""
        if gas.measure is not self.measure:
            raise ValueError(f"this card counts gas by {self.measure.value}, not by {gas.measure.value}")
        if self.purchase_count >= MAX_PURCHASE_COUNT:
            raise ValueError("the card's purchase count is at its maximum; the card must be re-issued")
        return GasPurchase(self.purchase_count + 1, gas)

    def with_purchase(self, purchase: GasPurchase) -> "GasCard":
        """This card as it reads once `purchase` is on it (gas waiting for the meter)."""
        return replace(self, purchase_count=purchase.count, gas=purchase.gas, awaiting_meter=True)

    @property
    def masked_card_number(self) -> str:
        return mask_digits(self.card_number)

    @property
    def masked_user_number(self) -> str:
        return mask_digits(self.user_number)

    @property
    def masked_meter_number(self) -> str:
        return mask_digits(self.meter_number)

    def to_dict(self, *, reveal: bool = False) -> dict[str, object]:
        """Plain data for JSON (technician CLI, diagnostics); numbers masked unless `reveal`."""
        pick = (lambda plain, masked: plain) if reveal else (lambda plain, masked: masked)
        return {
            "layout": self.layout,
            "card_type": self.card_type.value,
            "card_number": pick(self.card_number, self.masked_card_number),
            "user_number": pick(self.user_number, self.masked_user_number),
            "meter_number": pick(self.meter_number, self.masked_meter_number),
            "purchase_count": self.purchase_count,
            "gas": self.gas.value,
            "gas_unit": self.gas.measure.unit,
            "awaiting_meter": self.awaiting_meter,
            "reissue_count": self.reissue_count,
        }

    def __repr__(self) -> str:
        return (f"GasCard({self.layout}, {self.card_type.value}, card {self.masked_card_number}, "
                f"user {self.masked_user_number}, meter {self.masked_meter_number}, "
                f"count {self.purchase_count}, gas {self.gas}, awaiting_meter={self.awaiting_meter}, "
                f"reissued {self.reissue_count})")

    __str__ = __repr__
