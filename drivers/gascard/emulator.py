"""Virtual gas cards: SLE4442 and AT24C02 memory cards that answer ACS pseudo-APDUs like real ones.

The same card objects serve two transports:

* `VpcdCardClient` plugs a card into a real pcscd through vsmartcard's virtual reader driver
  (`vsmartcard-vpcd`): it connects to the reader's TCP port and answers vpcd's messages (2-byte
  big-endian length, then the bytes; a 1-byte message is a control code: 0 power off, 1 power on,
  2 reset, 4 "send your ATR"; anything longer is an APDU, answered with the response APDU). Closing
  the socket is taking the card out.
* `SimulatedReader` holds a card in-process for the simulator backend (demo profile, fast tests).

SLE4442 semantics: 256 bytes; bytes 0-31 each with a protection bit (a protected byte ignores
writes); writes need the 3-byte PSC presented since power-on (without it they are silently ignored, as
on the chip); a 3-bit error counter loses a bit per wrong PSC and locks the card at zero; a right
PSC restores it. AT24C02: 256 bytes, no PSC.

Faults a terminal meets, as switches on the card: `pull_after(n)` lets `n` more data bytes be
written and then takes the card out in the middle of the write (a half-written gas area);
`psc_reply_style` switches between CCID ("90 <counter>") and ACR38 ("<counter> 90 00") answers. The
other faults are cards (`demo_card`): locked, one try left, wrong PSC, areas that disagree, torn,
holding gas, awaiting the meter, a check card, an unknown card. The meter itself is
`meter_takes_gas()`. This module is the project's own card; it is never used against real money.
"""

from __future__ import annotations

import socket
import struct
import threading
from typing import Callable

from domain.gas_card import GasCardType, GasPurchase
from drivers.gascard.errors import CardRemoved, NoCard, ReaderUnavailable
from drivers.gascard.layouts import (
    CardFamily,
    CardIdentity,
    CardLayout,
    GasRecord,
    LAYOUTS,
    layout_named,
)
from drivers.gascard.link import FAMILY_BY_ATR, SELECT_CARD_TYPE, ApduLink

__all__ = [
    "CardPulled",
    "VirtualCard",
    "Sle4442Card",
    "At24cCard",
    "ForeignCard",
    "MemoryCard",
    "demo_card",
    "DEMO_CARDS",
    "SimulatedReader",
    "SimulatedLink",
    "VpcdCardClient",
]

ATR_BY_FAMILY = {family: atr for atr, family in FAMILY_BY_ATR.items()}
SW_OK = b"\x90\x00"
SW_WRONG_LENGTH = b"\x67\x00"
SW_NOT_ALLOWED = b"\x69\x86"
SW_WRONG_TYPE = b"\x6A\x81"
SW_OUT_OF_RANGE = b"\x6B\x00"
SW_UNKNOWN_INS = b"\x6D\x00"
SW_UNKNOWN_CLA = b"\x6E\x00"


class CardPulled(Exception):
    """Raised inside the card when the pull-out switch fires mid-write: the transport drops the card."""


class VirtualCard:
    """Base of the virtual cards: an ATR, power, and APDUs. Thread-safe."""

    family: CardFamily | None = None

    def __init__(self, atr: bytes) -> None:
        self.atr = bytes(atr)
        self.lock = threading.RLock()

    def power(self, on: bool) -> None:
        """Power on, off or reset: a memory card forgets its PSC and the reader its card type."""

    def process(self, apdu: bytes) -> bytes:
        return SW_UNKNOWN_CLA


class ForeignCard(VirtualCard):
    """A card that is no gas card (bank card, CPU card): its ATR is all the driver needs to refuse it."""


class MemoryCard(VirtualCard):
    """A memory card speaking ACS pseudo-APDUs; subclasses say what PSC it has."""

    def __init__(self, family: CardFamily, memory: bytes) -> None:
        super().__init__(ATR_BY_FAMILY[family])
        self.family = family
        self.memory = bytearray(memory)
        self._selected = False
        self._tear_budget: int | None = None
        self.writes = 0

    def pull_after(self, data_bytes: int | None) -> None:
        """Take the card out once `data_bytes` more bytes have been written (None: never)."""
        with self.lock:
            self._tear_budget = data_bytes

    def power(self, on: bool) -> None:
        with self.lock:
            self._selected = False

    def process(self, apdu: bytes) -> bytes:
        with self.lock:
            if len(apdu) < 5 or apdu[0] != 0xFF:
                return SW_UNKNOWN_CLA
            ins, p1, p2, p3, body = apdu[1], apdu[2], apdu[3], apdu[4], apdu[5:]
            if ins == 0xA4:
                if body != bytes([SELECT_CARD_TYPE[self.family]]):  # type: ignore[index]
                    return SW_WRONG_TYPE
                self._selected = True
                return SW_OK
            if not self._selected:
                return SW_NOT_ALLOWED
            address = p1 << 8 | p2
            if ins == 0xB0:
                length = p3 or 256
                if body or address + length > len(self.memory):
                    return SW_OUT_OF_RANGE if not body else SW_WRONG_LENGTH
                return bytes(self.memory[address:address + length]) + SW_OK
            if ins == 0xD6:
                if len(body) != p3:
                    return SW_WRONG_LENGTH
                if address + p3 > len(self.memory):
                    return SW_OUT_OF_RANGE
                self._write(address, body)
                return SW_OK
            return self._other(ins, p1, p2, p3, body)

    def _write(self, address: int, data: bytes) -> None:
        self.writes += 1
        for offset, value in enumerate(data):
            if self._tear_budget is not None:
                if self._tear_budget == 0:
                    self._tear_budget = None
                    raise CardPulled(f"pulled out after {offset} of {len(data)} bytes at 0x{address:02X}")
                self._tear_budget -= 1
            if self._writable(address + offset):
                self.memory[address + offset] = value

    def _writable(self, address: int) -> bool:
        return True

    def _other(self, ins: int, p1: int, p2: int, p3: int, body: bytes) -> bytes:
        return SW_UNKNOWN_INS

    def meter_takes_gas(self) -> None:
        """What the gas meter does with the card: takes the gas and clears the "inserted" flag."""
        with self.lock:
            layout = _layout_of(self)
            decoded = layout.decode(bytes(self.memory))
            if decoded.current is None:
                raise ValueError(f"the meter refuses an inconsistent card ({decoded.reason})")
            taken = GasRecord(GasPurchase(decoded.current.purchase.count, layout.quantity(0)), False)
            for address, data in layout.purchase_writes(decoded, taken):
                self.memory[address:address + len(data)] = data


class Sle4442Card(MemoryCard):
    def __init__(self, memory: bytes, psc: bytes, *, counter: int = 0x07, protected: int = 32,
                 psc_reply_style: str = "ccid") -> None:
        super().__init__(CardFamily.SLE4442, memory)
        self.psc = bytes(psc)
        self.counter = counter
        self.protection = [index < protected for index in range(32)]
        self.psc_reply_style = psc_reply_style
        self.authenticated = False
        self.psc_presentations = 0

    def power(self, on: bool) -> None:
        with self.lock:
            super().power(on)
            self.authenticated = False

    def _writable(self, address: int) -> bool:
        return self.authenticated and not (address < 32 and self.protection[address])

    def _psc_reply(self) -> bytes:
        if self.psc_reply_style == "acr38":
            return bytes([self.counter]) + SW_OK
        return bytes([0x90, self.counter])

    def _other(self, ins: int, p1: int, p2: int, p3: int, body: bytes) -> bytes:
        if ins == 0xB1:                                   # read PSC error counter (and PSC once presented)
            return bytes([self.counter]) + (self.psc if self.authenticated else b"\0\0\0") + SW_OK
        if ins == 0xB2:                                   # read protection bits
            bits = sum(1 << index for index, protected in enumerate(self.protection) if not protected)
            return bits.to_bytes(4, "little") + SW_OK
        if ins == 0x20:                                   # present PSC
            if len(body) != 3:
                return SW_WRONG_LENGTH
            self.psc_presentations += 1
            if self.counter & 0x07 == 0:
                return self._psc_reply()
            # The chip first clears one bit of the counter, then compares: a pulled card has paid the try.
            self.counter = (self.counter >> 1) & 0x07                  # 07 → 03 → 01 → 00
            if body == self.psc:
                self.counter = 0x07
                self.authenticated = True
            return self._psc_reply()
        if ins == 0xD2:                                   # change PSC
            if not self.authenticated or len(body) != 3:
                return SW_NOT_ALLOWED
            self.psc = bytes(body)
            return SW_OK
        return SW_UNKNOWN_INS


class At24cCard(MemoryCard):
    def __init__(self, memory: bytes) -> None:
        super().__init__(CardFamily.AT24C02, memory)


def _layout_of(card: MemoryCard) -> CardLayout:
    for layout in LAYOUTS.values():
        if layout.family is card.family and layout.recognises(bytes(card.memory)):
            return layout
    raise ValueError("the card carries no known layout")


# -- demo cards ----------------------------------------------------------------------------------

DEMO_IDENTITY = {
    "sle4442-dual": CardIdentity(GasCardType.USER, "3101002468", "610113004521", "880020241107", 0),
    "at24c02-slots": CardIdentity(GasCardType.USER, "561200731905", "610113008832", "770019990231", 1),
}
DEMO_COUNT = {"sle4442-dual": 3, "at24c02-slots": 7}


def issue_card(layout_name: str, identity: CardIdentity, record: GasRecord, **options: object) -> MemoryCard:
    """A card as the gas company issues it, with the PSC its layout derives."""
    layout = layout_named(layout_name)
    image = layout.issue(identity, record)
    if layout.family is CardFamily.SLE4442:
        return Sle4442Card(image, layout.psc(identity), **options)  # type: ignore[arg-type]
    return At24cCard(image)


def _demo(layout_name: str = "sle4442-dual", *, gas: int = 0, awaiting: bool = False,
          card_type: GasCardType = GasCardType.USER, **options: object) -> MemoryCard:
    layout = layout_named(layout_name)
    identity = DEMO_IDENTITY[layout_name]
    if card_type is not identity.card_type:
        identity = CardIdentity(card_type, identity.card_number, identity.user_number,
                                identity.meter_number, identity.reissue_count)
    record = GasRecord(GasPurchase(DEMO_COUNT[layout_name], layout.quantity(gas)), awaiting)
    return issue_card(layout_name, identity, record, **options)


def _cut_write(card: MemoryCard, purchase_bytes: int | None) -> MemoryCard:
    """The demo card after a purchase whose write stopped: after the first area (None) or inside it."""
    layout = layout_named("sle4442-dual")
    decoded = layout.decode(bytes(card.memory))
    newer = GasRecord(GasPurchase(decoded.current.purchase.count + 1, layout.quantity(200)), True)  # type: ignore[union-attr]
    address, data = layout.purchase_writes(decoded, newer)[0]
    data = data if purchase_bytes is None else data[:purchase_bytes]
    card.memory[address:address + len(data)] = data
    return card


def _blank_4442() -> MemoryCard:
    return Sle4442Card(bytes.fromhex("A2131091") + bytes(252), b"\xFF\xFF\xFF")


DEMO_CARDS: dict[str, Callable[[], VirtualCard]] = {
    "volume": _demo,
    "amount": lambda: _demo("at24c02-slots"),
    "holds-gas": lambda: _demo(gas=150),
    "awaiting-meter": lambda: _demo(gas=200, awaiting=True),
    "check-card": lambda: _demo(card_type=GasCardType.CHECK),
    "locked": lambda: _demo(counter=0x00),
    "last-try": lambda: _demo(counter=0x01),
    "wrong-psc": lambda: Sle4442Card(_demo().memory, b"\x12\x34\x56"),
    "disagree": lambda: _cut_write(_demo(), None),
    "torn": lambda: _cut_write(_demo(), 3),
    "blank-4442": _blank_4442,
    "unknown": lambda: ForeignCard(bytes.fromhex("3B021450")),
}


def demo_card(name: str = "volume") -> VirtualCard:
    """A fresh fictitious card: see DEMO_CARDS for the names (each one a fault a terminal meets)."""
    try:
        return DEMO_CARDS[name]()
    except KeyError:
        raise ValueError(f"unknown demo gas card {name!r}; choose one of {', '.join(DEMO_CARDS)}") from None


# -- in-process simulator ------------------------------------------------------------------------


class SimulatedReader:
    """A reader slot in this process: insert and remove cards, unplug and replug the reader."""

    name = "Simulated gas card reader"

    def __init__(self, card: VirtualCard | None = None) -> None:
        self._changed = threading.Condition()
        self.card: VirtualCard | None = None
        self.plugged = True
        if card is not None:
            self.insert(card)

    def insert(self, card: VirtualCard) -> None:
        with self._changed:
            card.power(True)
            self.card = card
            self._changed.notify_all()

    def remove(self) -> VirtualCard | None:
        with self._changed:
            card, self.card = self.card, None
            self._changed.notify_all()
            return card

    def unplug(self) -> None:
        with self._changed:
            self.plugged = False
            self._changed.notify_all()

    def replug(self) -> None:
        with self._changed:
            self.plugged = True
            self._changed.notify_all()

    def wait(self, present: bool, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self.plugged and (self.card is not None) == present, timeout)


class SimulatedLink(ApduLink):
    """The APDU link to a `SimulatedReader`: every byte the PC/SC backend would send, without pcscd."""

    def __init__(self, reader: SimulatedReader) -> None:
        super().__init__()
        self.reader = reader
        self._card: VirtualCard | None = None

    @property
    def description(self) -> str:
        return self.reader.name

    def _present_card(self) -> VirtualCard:
        if not self.reader.plugged:
            self._card = None
            raise ReaderUnavailable("the simulated reader is unplugged")
        card = self.reader.card
        if card is None:
            self._card = None
            raise NoCard("no card in the simulated reader")
        return card

    def connect(self) -> bytes:
        with self._lock:
            card = self._present_card()
            if card is not self._card:
                card.power(True)
                self._card = card
            return card.atr

    def disconnect(self) -> None:
        self._card = None

    def _transmit(self, apdu: bytes) -> tuple[bytes, int]:
        with self._lock:
            card = self._present_card()
            if card is not self._card:
                raise CardRemoved("the card was taken out and put back")
            try:
                response = card.process(apdu)
            except CardPulled as pulled:
                card.power(False)
                self.reader.remove()
                self._card = None
                raise CardRemoved(str(pulled)) from None
            return response[:-2], int.from_bytes(response[-2:], "big")

    def card_present(self) -> bool:
        return self.reader.plugged and self.reader.card is not None

    def wait_for_card(self, timeout: float) -> bool:
        if not self.reader.plugged:
            raise ReaderUnavailable("the simulated reader is unplugged")
        return self.reader.wait(True, timeout)

    def wait_for_removal(self, timeout: float) -> bool:
        return self.reader.wait(False, timeout)


# -- vpcd transport ------------------------------------------------------------------------------


def tcp_connector(host: str = "127.0.0.1", port: int = 35963) -> Callable[[], socket.socket]:
    """Connect to a vpcd reader listening at host:port (the system pcscd's first virtual reader)."""
    return lambda: socket.create_connection((host, port), timeout=5)


class VpcdCardClient:
    """One card slot of a vpcd virtual reader: `insert(card)` connects, `remove()` disconnects.

    `connect` returns a socket connected to the reader (see `tcp_connector`; the private pcscd of
    drivers.gascard.vpcd gives one that reaches into its own network namespace).
    """

    def __init__(self, connect: Callable[[], socket.socket]) -> None:
        self._connect = connect
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.card: VirtualCard | None = None
        self.pulled = threading.Event()

    def __enter__(self) -> "VpcdCardClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.remove()

    @property
    def inserted(self) -> bool:
        return self._socket is not None

    def insert(self, card: VirtualCard) -> None:
        self.remove()
        connection = self._connect()
        connection.settimeout(None)
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self.card, self._socket = card, connection
            self.pulled.clear()
            self._thread = threading.Thread(target=self._serve, args=(connection, card),
                                            name="vpcd-card", daemon=True)
            self._thread.start()

    def remove(self) -> None:
        with self._lock:
            connection, thread = self._socket, self._thread
            self._socket = self._thread = None
        if connection is not None:
            _close(connection)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        if self.card is not None:
            self.card.power(False)

    def _serve(self, connection: socket.socket, card: VirtualCard) -> None:
        try:
            while True:
                (length,) = struct.unpack(">H", _receive(connection, 2))
                message = _receive(connection, length)
                if length == 1:
                    if message[0] == 4:
                        _send(connection, card.atr)
                    else:
                        card.power(message[0] == 1)
                    continue
                try:
                    response = card.process(message)
                except CardPulled:
                    card.power(False)
                    self.pulled.set()
                    with self._lock:
                        if self._socket is connection:
                            self._socket = None
                    _close(connection)
                    return
                _send(connection, response)
        except (OSError, EOFError):
            return


def _receive(connection: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        # vpcd writes the length and the message separately: acknowledge at once, or delayed ACKs
        # and Nagle cost 40 ms per APDU.
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def _send(connection: socket.socket, message: bytes) -> None:
    connection.sendall(struct.pack(">H", len(message)) + message)


def _close(connection: socket.socket) -> None:
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    connection.close()
