"""The link to a memory card: the few operations a gas card needs, and the ACS pseudo-APDUs behind them.

`MemoryCardLink` is the small interface every backend implements (connect, read, write, PSC counter,
present PSC, wait for a card). `ApduLink` implements it over any `transmit` with the pseudo-APDUs that
ACS-style PC/SC readers (ACR38, ACR39) use for memory cards; the PC/SC backend and the in-process
simulator are both `ApduLink`s, so they share every byte. The vendor-library backend implements the
interface with the maker's library instead.

Pseudo-APDUs (ACR38/ACR39 reference manuals)::

    select card type      FF A4 00 00 01 <type>        06 SLE4432/4442, 01 I2C 1K-16K (AT24C01-16)
    read memory           FF B0 <addr hi> <addr lo> <len>
    write memory          FF D6 <addr hi> <addr lo> <len> <data>
    read PSC counter      FF B1 00 00 04               → error counter, 3 PSC bytes, 90 00
    present PSC           FF 20 00 00 03 <PSC>         → "90 <counter>" (CCID readers)
                                                         or "<counter> 90 00" (ACR38 firmware)

The SLE4442 error counter holds one bit per remaining try: 07 three, 03 two, 01 one, 00 locked.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod

from drivers.gascard.errors import CardCommandFailed, UnknownCard
from drivers.gascard.layouts import CardFamily

__all__ = [
    "MemoryCardLink",
    "ApduLink",
    "FAMILY_BY_ATR",
    "SELECT_CARD_TYPE",
    "family_for_atr",
    "tries_left",
    "parse_psc_reply",
]

# ATRs as PC/SC readers report memory cards (pcsc-tools' smartcard_list): an SLE4442's own 4-byte
# answer (A2 13 10 91) behind 3B 04; I2C cards have none, ACS readers report "I2C.".
FAMILY_BY_ATR: dict[bytes, CardFamily] = {
    bytes.fromhex("3B04A2131091"): CardFamily.SLE4442,
    bytes.fromhex("3B044932432E"): CardFamily.AT24C02,
}
SELECT_CARD_TYPE: dict[CardFamily, int] = {CardFamily.SLE4442: 0x06, CardFamily.AT24C02: 0x01}
SW_OK = 0x9000
MAX_READ = 0xF8


def family_for_atr(atr: bytes) -> CardFamily:
    try:
        return FAMILY_BY_ATR[bytes(atr)]
    except KeyError:
        raise UnknownCard(f"ATR {atr.hex(' ').upper()} is not a memory card this driver knows "
                          "(a bank card, an ID card, or another maker's CPU card?)", atr=bytes(atr)) from None


def tries_left(counter: int) -> int:
    return bin(counter & 0x07).count("1")


def parse_psc_reply(data: bytes, sw: int) -> int:
    """The error counter from a present-PSC reply, in either reader style."""
    if sw == SW_OK and len(data) == 1:              # ACR38: <counter> 90 00
        return data[0]
    if not data and sw >> 8 == 0x90:                # CCID: 90 <counter>
        return sw & 0xFF
    if not data and sw >> 8 == 0x63:                # some readers: 63 0X, X tries left
        return (1 << (sw & 0x0F)) - 1
    raise CardCommandFailed(f"present PSC answered {data.hex()} {sw:04X}", sw=sw)


class MemoryCardLink(ABC):
    """What a backend offers: one reader, one memory card in it at a time. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.RLock()

    @property
    def lock(self) -> "threading.RLock":
        """Held across a whole card operation (read, write with read-back) by GasCardReader."""
        return self._lock

    @abstractmethod
    def connect(self) -> bytes:
        """Power the card and return its ATR. NoCard when the reader is empty."""

    @abstractmethod
    def disconnect(self) -> None:
        """Let go of the card (it stays in the reader)."""

    @abstractmethod
    def select(self, family: CardFamily) -> None:
        """Tell the reader which memory chip the card carries."""

    @abstractmethod
    def read(self, address: int, length: int) -> bytes: ...

    @abstractmethod
    def write(self, address: int, data: bytes) -> None: ...

    @abstractmethod
    def psc_counter(self) -> int:
        """The SLE4442 error counter (07 all three tries left ... 00 locked)."""

    @abstractmethod
    def present_psc(self, psc: bytes) -> int:
        """Present the PSC; returns the error counter after it (07 means accepted)."""

    @abstractmethod
    def card_present(self) -> bool: ...

    @abstractmethod
    def wait_for_card(self, timeout: float) -> bool:
        """Block until a card is in the reader (True) or `timeout` seconds passed (False)."""

    @abstractmethod
    def wait_for_removal(self, timeout: float) -> bool: ...

    def close(self) -> None:
        self.disconnect()

    @property
    def description(self) -> str:
        return type(self).__name__


class ApduLink(MemoryCardLink):
    """The memory-card operations as ACS pseudo-APDUs over `_transmit` (one APDU in, data and SW out)."""

    @abstractmethod
    def _transmit(self, apdu: bytes) -> tuple[bytes, int]: ...

    def _command(self, apdu: bytes, what: str) -> bytes:
        data, sw = self._transmit(apdu)
        if sw != SW_OK:
            raise CardCommandFailed(f"{what}: the reader answered SW {sw:04X}", sw=sw)
        return data

    def select(self, family: CardFamily) -> None:
        self._command(bytes([0xFF, 0xA4, 0x00, 0x00, 0x01, SELECT_CARD_TYPE[family]]), f"select {family.value}")

    def read(self, address: int, length: int) -> bytes:
        chunks = []
        with self._lock:
            for start in range(address, address + length, MAX_READ):
                size = min(MAX_READ, address + length - start)
                data = self._command(bytes([0xFF, 0xB0, start >> 8, start & 0xFF, size]),
                                     f"read {size} bytes at 0x{start:02X}")
                if len(data) != size:
                    raise CardCommandFailed(f"read at 0x{start:02X}: asked {size} bytes, got {len(data)}")
                chunks.append(data)
        return b"".join(chunks)

    def write(self, address: int, data: bytes) -> None:
        self._command(bytes([0xFF, 0xD6, address >> 8, address & 0xFF, len(data)]) + bytes(data),
                      f"write {len(data)} bytes at 0x{address:02X}")

    def psc_counter(self) -> int:
        data = self._command(bytes([0xFF, 0xB1, 0x00, 0x00, 0x04]), "read PSC error counter")
        if not data:
            raise CardCommandFailed("read PSC error counter: empty answer")
        return data[0]

    def present_psc(self, psc: bytes) -> int:
        data, sw = self._transmit(bytes([0xFF, 0x20, 0x00, 0x00, len(psc)]) + bytes(psc))
        return parse_psc_reply(data, sw)
