"""Card layouts: where each meter maker keeps the card's identity and its gas, one small adapter each.

A layout decodes a card's memory image into a `DecodedCard` (identity, every copy of the gas area, and
the consistent purchase if there is one), tells which bytes to write for a new purchase and in what
order, and derives the card's PSC. It does no I/O: `GasCardReader` reads and writes through a link.

Two layouts, two makers, two memory cards:

`sle4442-dual` — SLE4442 (256 bytes, 3-byte PSC with a 3-try counter), gas by volume. Shaped like the
SLE4442 layouts of the reference (count, card type, "inserted in meter" flag 0xCA, card number, volume
×10 as 3 bytes big-endian; the PSC derived from the card number), with the gas area kept twice::

    0x00-0x1F  chip area (ATR header A2 13 10 91; write-protected at the factory)
    0x20-0x22  maker signature "GC", layout version 1
    0x23       card type: 0x01 user, 0x02 check, 0x03 tool
    0x24-0x28  card number, 10 digits BCD      0x29-0x2E  user number, 12 digits BCD
    0x2F-0x34  meter number, 12 digits BCD     0x35       re-issue count
    0x36       identity checksum (sum of 0x20-0x35, mod 256)
    0x40-0x47  gas area, main:   count (2, BE), volume in 0.1 m³ (3, BE), flag (0xCA: awaiting meter),
                                 CRC-16/MODBUS of those 6 bytes (2, BE)
    0x50-0x57  gas area, backup: the same 8 bytes

A purchase writes main, then backup. The card is consistent only when both copies pass their checksum
and are equal: a write cut anywhere leaves either the untouched old card, the complete new one, or two
copies that differ (or a torn copy), which reads as "needs rewrite" — never as a valid card with
the wrong gas, whatever the checksum happens to be. The CRC-16 (not a byte sum) is what tells a torn copy from
a whole one, so that the interrupted purchase is the one a rewrite must complete: an 8-bit sum let one torn
copy in 256 pass as whole, and then claim to be the purchase (found by the cut-write property test).

`at24c02-slots` — AT24C02 (256-byte I2C EEPROM, no PSC), gas by money, little-endian, another maker::

    0x00-0x03  magic 5A A5 "RQ"                 0x04       card type (as above)
    0x05-0x0A  card number, 12 digits BCD       0x0B-0x10  user number, 12 digits BCD
    0x11-0x16  meter number, 12 digits BCD      0x17       re-issue count
    0x18-0x19  CRC-16/MODBUS of 0x00-0x17 (LE)
    0x20, 0x30 two record slots of 16 bytes:    sequence (1), count (2, LE), amount in fen (4, LE),
               flag (0x01: awaiting meter), CRC-16 of those 8 bytes (2, LE), commit byte (0xA5), 0…

A purchase goes into the older slot: its commit byte is cleared, the record written, then committed.
The card is consistent when both slots are committed, pass their CRC and their sequences follow each
other; the newer one is the card's state.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import Enum

from domain.gas_card import GasCard, GasCardType, GasMeasure, GasPurchase, GasQuantity

__all__ = [
    "CardFamily",
    "CardIdentity",
    "GasRecord",
    "AreaReading",
    "DecodedCard",
    "CardLayout",
    "Sle4442DualLayout",
    "At24c02SlotsLayout",
    "LAYOUTS",
    "layout_named",
    "layouts_for",
]


class CardFamily(Enum):
    """The memory chip, as the reader must be told (ACS "select card type") and as its ATR shows."""

    SLE4442 = "sle4442"
    AT24C02 = "at24c02"


@dataclass(frozen=True)
class CardIdentity:
    card_type: GasCardType
    card_number: str
    user_number: str
    meter_number: str
    reissue_count: int = 0


@dataclass(frozen=True)
class GasRecord:
    """One copy of the gas area, as decoded."""

    purchase: GasPurchase
    awaiting_meter: bool
    sequence: int = 0


@dataclass(frozen=True)
class AreaReading:
    """One copy of the gas area: where it is, and its record (None when torn, uncommitted or corrupt)."""

    name: str
    address: int
    record: GasRecord | None
    problem: str = ""


@dataclass(frozen=True)
class DecodedCard:
    """A card's memory as a layout reads it. `current` is set only when the card is consistent;
    otherwise `reason` says why not (areas_disagree, torn_area, uncommitted_slot, sequence_gap)."""

    layout: "CardLayout"
    identity: CardIdentity
    areas: tuple[AreaReading, ...]
    current: GasRecord | None
    reason: str = ""

    @property
    def records(self) -> tuple[GasRecord, ...]:
        """The consistent copies still on the card, oldest first (by sequence, then count)."""
        found = {area.record for area in self.areas if area.record is not None}
        return tuple(sorted(found, key=lambda r: (r.purchase.count, r.sequence)))

    def card(self, record: GasRecord | None = None) -> GasCard:
        """The card as a value: with its current record, or (`record`) as it would read with that one."""
        record = record or self.current
        if record is None:
            raise ValueError("the card is not consistent")
        return GasCard(
            layout=self.layout.name,
            card_type=self.identity.card_type,
            card_number=self.identity.card_number,
            user_number=self.identity.user_number,
            meter_number=self.identity.meter_number,
            purchase_count=record.purchase.count,
            gas=record.purchase.gas,
            awaiting_meter=record.awaiting_meter,
            reissue_count=self.identity.reissue_count,
        )


class LayoutError(ValueError):
    """The image does not follow this layout (wrong signature or a corrupt identity area)."""


CARD_TYPE_BYTES = {GasCardType.USER: 0x01, GasCardType.CHECK: 0x02, GasCardType.TOOL: 0x03}
_CARD_TYPES = {code: card_type for card_type, code in CARD_TYPE_BYTES.items()}


def bcd(digits: str, length: int) -> bytes:
    if not digits.isdigit() or len(digits) > 2 * length or not digits.isascii():
        raise ValueError(f"expected up to {2 * length} digits, got {len(digits)} characters")
    digits = digits.rjust(2 * length, "0")
    return bytes(int(digits[i]) << 4 | int(digits[i + 1]) for i in range(0, len(digits), 2))


def unbcd(data: bytes) -> str:
    digits = []
    for byte in data:
        high, low = byte >> 4, byte & 0x0F
        if high > 9 or low > 9:
            raise LayoutError(f"not BCD: {data.hex()}")
        digits.append(f"{high}{low}")
    return "".join(digits)


def crc16_modbus(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def _card_type(code: int) -> GasCardType:
    try:
        return _CARD_TYPES[code]
    except KeyError:
        raise LayoutError(f"card type byte 0x{code:02X} is not a known card type") from None


class CardLayout(ABC):
    """One maker's layout on one memory chip."""

    name: str
    family: CardFamily
    measure: GasMeasure
    image_length: int          # bytes to read from address 0 to decode the card
    memory_size: int = 256

    @abstractmethod
    def recognises(self, image: bytes) -> bool:
        """Whether the image carries this layout's signature (used by `layout = "auto"`)."""

    @abstractmethod
    def decode(self, image: bytes) -> DecodedCard:
        """The card as this layout reads it; LayoutError when the image is not of this layout."""

    @abstractmethod
    def purchase_writes(self, decoded: DecodedCard, record: GasRecord) -> list[tuple[int, bytes]]:
        """The writes, in order, that put `record` on the card so that a cut anywhere is detected."""

    @abstractmethod
    def issue(self, identity: CardIdentity, record: GasRecord) -> bytes:
        """A whole memory image as the gas company issues the card (for the emulator and tests)."""

    def psc(self, identity: CardIdentity) -> bytes | None:
        """The card's PSC, or None for a chip without one."""
        return None

    def quantity(self, value: int) -> GasQuantity:
        return GasQuantity(self.measure, value)

    def __repr__(self) -> str:
        return f"<layout {self.name}>"


class Sle4442DualLayout(CardLayout):
    name = "sle4442-dual"
    family = CardFamily.SLE4442
    measure = GasMeasure.VOLUME
    image_length = 0x58

    SIGNATURE = b"GC\x01"
    CHIP_HEADER = bytes.fromhex("A2131091")
    IDENTITY = slice(0x20, 0x36)
    IDENTITY_SUM = 0x36
    MAIN, BACKUP = 0x40, 0x50
    AREA_LENGTH = 8
    AWAITING = 0xCA
    # The demo maker's secret for deriving PSCs; a real maker's adapter carries its own derivation.
    PSC_SEED = b"gov-kiosk demo gas maker 4442"

    def recognises(self, image: bytes) -> bool:
        return len(image) >= self.image_length and image[0x20:0x23] == self.SIGNATURE

    def psc(self, identity: CardIdentity) -> bytes:
        return hashlib.sha256(self.PSC_SEED + identity.card_number.encode("ascii")).digest()[:3]

    def _identity_bytes(self, identity: CardIdentity) -> bytes:
        return (self.SIGNATURE + bytes([CARD_TYPE_BYTES[identity.card_type]])
                + bcd(identity.card_number, 5) + bcd(identity.user_number, 6) + bcd(identity.meter_number, 6)
                + bytes([identity.reissue_count]))

    def _area_bytes(self, record: GasRecord) -> bytes:
        purchase = record.purchase
        if purchase.gas.measure is not self.measure:
            raise ValueError(f"layout {self.name} counts gas by volume (0.1 m³), not by {purchase.gas.measure.value}")
        if purchase.gas.value > 0xFFFFFF:
            raise ValueError(f"volume {purchase.gas.value} does not fit the card's 3 bytes")
        body = (purchase.count.to_bytes(2, "big") + purchase.gas.value.to_bytes(3, "big")
                + bytes([self.AWAITING if record.awaiting_meter else 0x00]))
        return body + crc16_modbus(body).to_bytes(2, "big")

    def _area(self, name: str, address: int, image: bytes) -> AreaReading:
        raw = image[address:address + self.AREA_LENGTH]
        if crc16_modbus(raw[:6]) != int.from_bytes(raw[6:8], "big"):
            return AreaReading(name, address, None, "checksum_mismatch")
        if raw[5] not in (0x00, self.AWAITING):
            return AreaReading(name, address, None, "bad_flag")
        purchase = GasPurchase(int.from_bytes(raw[0:2], "big"), self.quantity(int.from_bytes(raw[2:5], "big")))
        return AreaReading(name, address, GasRecord(purchase, raw[5] == self.AWAITING))

    def decode(self, image: bytes) -> DecodedCard:
        if not self.recognises(image):
            raise LayoutError(f"no {self.name} signature")
        if sum(image[self.IDENTITY]) & 0xFF != image[self.IDENTITY_SUM]:
            raise LayoutError("identity area checksum wrong")
        identity = CardIdentity(
            card_type=_card_type(image[0x23]),
            card_number=unbcd(image[0x24:0x29]),
            user_number=unbcd(image[0x29:0x2F]),
            meter_number=unbcd(image[0x2F:0x35]),
            reissue_count=image[0x35],
        )
        main = self._area("main", self.MAIN, image)
        backup = self._area("backup", self.BACKUP, image)
        if main.record is not None and main.record == backup.record:
            return DecodedCard(self, identity, (main, backup), main.record)
        reason = "areas_disagree" if main.record and backup.record else "torn_area"
        return DecodedCard(self, identity, (main, backup), None, reason)

    def purchase_writes(self, decoded: DecodedCard, record: GasRecord) -> list[tuple[int, bytes]]:
        area = self._area_bytes(record)
        return [(self.MAIN, area), (self.BACKUP, area)]

    def issue(self, identity: CardIdentity, record: GasRecord) -> bytes:
        image = bytearray(self.memory_size)
        image[0:4] = self.CHIP_HEADER
        ident = self._identity_bytes(identity)
        image[0x20:0x20 + len(ident)] = ident
        image[self.IDENTITY_SUM] = sum(image[self.IDENTITY]) & 0xFF
        area = self._area_bytes(record)
        image[self.MAIN:self.MAIN + 8] = area
        image[self.BACKUP:self.BACKUP + 8] = area
        return bytes(image)


class At24c02SlotsLayout(CardLayout):
    name = "at24c02-slots"
    family = CardFamily.AT24C02
    measure = GasMeasure.AMOUNT
    image_length = 0x40

    MAGIC = b"\x5A\xA5RQ"
    SLOTS = (0x20, 0x30)
    COMMIT_OFFSET = 10
    COMMITTED = 0xA5
    AWAITING = 0x01

    def recognises(self, image: bytes) -> bool:
        return len(image) >= self.image_length and image[0:4] == self.MAGIC

    def _record_bytes(self, record: GasRecord) -> bytes:
        purchase = record.purchase
        if purchase.gas.measure is not self.measure:
            raise ValueError(f"layout {self.name} counts gas by money (fen), not by {purchase.gas.measure.value}")
        if purchase.gas.value > 0xFFFFFFFF:
            raise ValueError(f"amount {purchase.gas.value} does not fit the card's 4 bytes")
        body = (bytes([record.sequence & 0xFF]) + purchase.count.to_bytes(2, "little")
                + purchase.gas.value.to_bytes(4, "little") + bytes([self.AWAITING if record.awaiting_meter else 0]))
        return body + crc16_modbus(body).to_bytes(2, "little")

    def _slot(self, index: int, image: bytes) -> AreaReading:
        address = self.SLOTS[index]
        raw = image[address:address + 16]
        name = f"slot {index}"
        if raw[self.COMMIT_OFFSET] != self.COMMITTED:
            return AreaReading(name, address, None, "uncommitted")
        if crc16_modbus(raw[:8]) != int.from_bytes(raw[8:10], "little"):
            return AreaReading(name, address, None, "checksum_mismatch")
        if raw[7] not in (0x00, self.AWAITING):
            return AreaReading(name, address, None, "bad_flag")
        purchase = GasPurchase(int.from_bytes(raw[1:3], "little"), self.quantity(int.from_bytes(raw[3:7], "little")))
        return AreaReading(name, address, GasRecord(purchase, raw[7] == self.AWAITING, raw[0]))

    def decode(self, image: bytes) -> DecodedCard:
        if not self.recognises(image):
            raise LayoutError(f"no {self.name} signature")
        if crc16_modbus(image[0:0x18]) != int.from_bytes(image[0x18:0x1A], "little"):
            raise LayoutError("identity area CRC wrong")
        identity = CardIdentity(
            card_type=_card_type(image[0x04]),
            card_number=unbcd(image[0x05:0x0B]),
            user_number=unbcd(image[0x0B:0x11]),
            meter_number=unbcd(image[0x11:0x17]),
            reissue_count=image[0x17],
        )
        slots = (self._slot(0, image), self._slot(1, image))
        first, second = (slot.record for slot in slots)
        if first is None or second is None:
            return DecodedCard(self, identity, slots, None, "uncommitted_slot")
        if (second.sequence - first.sequence) & 0xFF == 1:
            return DecodedCard(self, identity, slots, second)
        if (first.sequence - second.sequence) & 0xFF == 1:
            return DecodedCard(self, identity, slots, first)
        return DecodedCard(self, identity, slots, None, "sequence_gap")

    def purchase_writes(self, decoded: DecodedCard, record: GasRecord) -> list[tuple[int, bytes]]:
        slots = decoded.areas
        valid = [slot for slot in slots if slot.record is not None]
        if len(valid) < len(slots):
            target = next(slot for slot in slots if slot.record is None)
        else:
            newest = decoded.current or max(valid, key=lambda s: s.record.purchase.count).record  # type: ignore[union-attr]
            target = next(slot for slot in slots if slot.record != newest)
        others = [slot.record for slot in slots if slot is not target and slot.record is not None]
        sequence = (others[0].sequence + 1) & 0xFF if others else 0
        body = self._record_bytes(GasRecord(record.purchase, record.awaiting_meter, sequence))
        commit = target.address + self.COMMIT_OFFSET
        return [(commit, b"\x00"), (target.address, body), (commit, bytes([self.COMMITTED]))]

    def issue(self, identity: CardIdentity, record: GasRecord) -> bytes:
        image = bytearray(self.memory_size)
        header = (self.MAGIC + bytes([CARD_TYPE_BYTES[identity.card_type]]) + bcd(identity.card_number, 6)
                  + bcd(identity.user_number, 6) + bcd(identity.meter_number, 6) + bytes([identity.reissue_count]))
        image[0:0x18] = header
        image[0x18:0x1A] = crc16_modbus(header).to_bytes(2, "little")
        for sequence, address in enumerate(self.SLOTS):
            body = self._record_bytes(GasRecord(record.purchase, record.awaiting_meter, sequence))
            image[address:address + 10] = body
            image[address + self.COMMIT_OFFSET] = self.COMMITTED
        return bytes(image)


LAYOUTS: dict[str, CardLayout] = {layout.name: layout for layout in (Sle4442DualLayout(), At24c02SlotsLayout())}


def layout_named(name: str) -> CardLayout:
    try:
        return LAYOUTS[name]
    except KeyError:
        raise ValueError(f"unknown gas card layout {name!r}; choose auto or one of {', '.join(LAYOUTS)}") from None


def layouts_for(family: CardFamily) -> list[CardLayout]:
    return [layout for layout in LAYOUTS.values() if layout.family is family]
