"""The card reader interface: one abstract exchange, and every card operation built on top of it.

A backend implements `_exchange(command, data) -> Response` (the serial port speaks frames, a
vendor SDK maps the command to a library call and reports the library's status byte), plus
`open`/`close`. Everything else — which status means success, the typed error for each other
status, parsing the card, the appended address, the check digit — lives here, once.

All methods block, with a deadline on every I/O: call them from a worker thread, never a UI thread.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, fields

from domain.identity import IdentityCard
from drivers.idcard.cardtext import (
    checked_identity,
    identity_from_reply,
    parse_appended_addresses,
    parse_base_reply,
)
from drivers.idcard.errors import CardDataError, CardNotFound, ModuleStatus, status_error
from drivers.idcard.protocol import BAUD_RATES, Command, Response

__all__ = ["CommandTimeouts", "CardReader", "format_sam_id"]

log = logging.getLogger(__name__)

SW_OK = 0x90
SW_CARD_FOUND = 0x9F
SW_EMPTY = 0x91
SW_NO_CARD = 0x80


@dataclass(frozen=True)
class CommandTimeouts:
    """Seconds each command may take besides its wire time (added from the baud rate)."""

    status: float = 0.5
    reset: float = 2.0
    sam_id: float = 0.5
    find: float = 0.3
    select: float = 0.3
    read: float = 2.0
    read_fingerprint: float = 3.0
    appended_address: float = 1.5
    set_baud: float = 0.5

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, (int, float)) or not 0 < value <= 60:
                raise ValueError(f"timeout {field.name!r} must be between 0 and 60 seconds, got {value!r}")

    def for_command(self, command: Command) -> float:
        return {
            Command.SAM_STATUS: self.status, Command.RESET_SAM: self.reset, Command.SAM_ID: self.sam_id,
            Command.FIND_CARD: self.find, Command.SELECT_CARD: self.select, Command.READ_BASE: self.read,
            Command.READ_WITH_FINGERPRINT: self.read_fingerprint,
            Command.READ_APPENDED_ADDRESS: self.appended_address,
            Command.SET_BAUD: self.set_baud, Command.SET_RF_FRAME_SIZE: self.set_baud,
        }[command]


def format_sam_id(raw: bytes) -> str:
    """SAM ID as usually printed: two 16-bit and three 32-bit little-endian integers, NN.NN-N8-N10-N10."""
    if len(raw) != 16:
        raise CardDataError(f"SAM ID reply has {len(raw)} bytes, expected 16")
    a, b = (int.from_bytes(raw[i : i + 2], "little") for i in (0, 2))
    c, d, e = (int.from_bytes(raw[i : i + 4], "little") for i in (4, 8, 12))
    return f"{a:02d}.{b:02d}-{c:08d}-{d:010d}-{e:010d}"


class CardReader(ABC):
    """A second-generation ID card reader. Thread-safe: one operation at a time."""

    simulator = None  # set by open_reader("sim://...") so the demo can place cards

    def __init__(self) -> None:
        self._lock = threading.RLock()

    # -- what a backend provides ------------------------------------------------------------------

    @abstractmethod
    def open(self) -> None:
        """Open the connection (raises ReaderUnavailable); a no-op when already open."""

    @abstractmethod
    def close(self) -> None:
        """Release the port or library handle; the next operation reopens it."""

    @abstractmethod
    def _exchange(self, command: Command, data: bytes = b"", para: int | None = None) -> Response:
        """Send one command and return its (checksum-verified) response, within the command's deadline."""

    def _baud_changed(self, baud: int) -> None:
        """Called after the module accepted a new speed; serial backends follow it."""

    # -- operations -------------------------------------------------------------------------------

    def _call(self, command: Command, *, ok: tuple[int, ...] = (SW_OK,), data: bytes = b"",
              para: int | None = None) -> Response:
        with self._lock:
            response = self._exchange(command, data, para)
        if response.sw3 not in ok:
            raise status_error(response.sw3, command.name)
        return response

    def check_sam(self) -> None:
        """SAM status check; raises SamFault when the self-test failed or the SAM is not authorised."""
        self._call(Command.SAM_STATUS)

    def reset_sam(self) -> None:
        self._call(Command.RESET_SAM)

    def sam_id(self) -> str:
        """The SAM module's ID, formatted (see format_sam_id)."""
        return format_sam_id(self._call(Command.SAM_ID).data)

    def find_card(self) -> bool:
        """True if a card that has not been read yet is in the field (SW3 9F), False for 0x80."""
        try:
            self._call(Command.FIND_CARD, ok=(SW_CARD_FOUND,))
        except CardNotFound:
            return False
        return True

    def select_card(self) -> None:
        self._call(Command.SELECT_CARD)

    def read_card(self, *, fingerprint: bool = False) -> IdentityCard:
        """Read a found and selected card: text, photo (and fingerprint), and the newest address.

        Raises InvalidIdNumber (with the parsed card in `.identity`) when the number fails its check.
        """
        with self._lock:
            command = Command.READ_WITH_FINGERPRINT if fingerprint else Command.READ_BASE
            reply = parse_base_reply(self._call(command).data, with_fingerprint=fingerprint)
            addresses = self.read_appended_addresses()
        identity = checked_identity(identity_from_reply(reply, addresses))
        log.info("read %r", identity)
        return identity

    def read_appended_addresses(self) -> tuple[str, ...]:
        """The appended (newer) addresses; empty when the card has none (SW3 0x91)."""
        response = self._call(Command.READ_APPENDED_ADDRESS, ok=(SW_OK, SW_EMPTY))
        return parse_appended_addresses(response.data) if response.sw3 == SW_OK else ()

    def read_present_card(self, *, fingerprint: bool = False) -> IdentityCard | None:
        """find → select → read; None when no (unread) card is on the reader."""
        with self._lock:
            if not self.find_card():
                return None
            self.select_card()
            return self.read_card(fingerprint=fingerprint)

    def card_still_present(self) -> bool:
        """After a read: is the same card still in the field? (It answers the appended-address read.)"""
        try:
            self._call(Command.READ_APPENDED_ADDRESS, ok=(SW_OK, SW_EMPTY))
        except ModuleStatus:
            return False
        return True

    def set_baud(self, baud: int) -> None:
        """Switch the module (and this connection) to another speed of the GA/T 467 table."""
        if baud not in BAUD_RATES:
            raise ValueError(f"baud {baud} not supported by the SAM module; choose one of {sorted(BAUD_RATES)}")
        with self._lock:
            self._call(Command.SET_BAUD, para=BAUD_RATES[baud])
            self._baud_changed(baud)

    def set_rf_frame_size(self, size: int) -> None:
        """Maximum bytes per RF frame between SAM and antenna (24..255); some readers need 80."""
        if not 24 <= size <= 255:
            raise ValueError(f"RF frame size must be 24..255, got {size}")
        self._call(Command.SET_RF_FRAME_SIZE, data=bytes([size]))

    def shutdown(self) -> None:
        """Close for good, stopping the simulator behind a sim:// reader too."""
        self.close()
        if self.simulator is not None:
            self.simulator.stop()

    def __enter__(self) -> CardReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()
