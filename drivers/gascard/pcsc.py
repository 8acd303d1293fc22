"""PC/SC backend through pyscard: reader discovery, card presence and events, ACS pseudo-APDUs.

One `PcscLink` drives one reader, chosen by name or shell pattern (`ACS ACR39U*`; empty: the first
reader). It keeps one PC/SC context and one card handle; both are dropped and made again when pcscd
restarts or the reader goes away and comes back, so a kiosk survives an unplugged reader without a
restart. PC/SC failures become the driver's typed errors:

    SCARD_E_NO_SERVICE, _SERVICE_STOPPED, _NO_READERS_AVAILABLE,
    _UNKNOWN_READER, _READER_UNAVAILABLE                        → ReaderUnavailable
    SCARD_E_NO_SMARTCARD, SCARD_W_REMOVED_CARD                  → NoCard (connect) / CardRemoved (later)
    a failed exchange with the card gone                        → CardRemoved
    any other failure                                           → CardCommandFailed
"""

from __future__ import annotations

import fnmatch
import time
from dataclasses import dataclass

from smartcard import scard

from drivers.gascard.errors import CardCommandFailed, CardRemoved, NoCard, ReaderUnavailable
from drivers.gascard.link import ApduLink

__all__ = ["PcscLink", "ReaderInfo", "list_readers"]

_SERVICE_GONE = {
    scard.SCARD_E_NO_SERVICE,
    scard.SCARD_E_SERVICE_STOPPED,
    scard.SCARD_E_INVALID_HANDLE,
    scard.SCARD_E_NO_READERS_AVAILABLE,
}
_READER_GONE = {scard.SCARD_E_UNKNOWN_READER, scard.SCARD_E_READER_UNAVAILABLE}
_CARD_GONE = {scard.SCARD_E_NO_SMARTCARD, scard.SCARD_W_REMOVED_CARD, scard.SCARD_W_RESET_CARD}


def _message(code: int) -> str:
    return f"{scard.SCardGetErrorMessage(code).strip()} (0x{code & 0xFFFFFFFF:08X})"


@dataclass(frozen=True)
class ReaderInfo:
    name: str
    card_present: bool
    atr: bytes


class PcscLink(ApduLink):
    def __init__(self, reader: str = "") -> None:
        super().__init__()
        self.pattern = reader
        self._context: int | None = None
        self._card: int | None = None
        self._protocol = scard.SCARD_PROTOCOL_T0
        self._atr = b""
        self._reader_name = ""

    @property
    def description(self) -> str:
        return self._reader_name or self.pattern or "first PC/SC reader"

    # -- context and reader ----------------------------------------------------------------------

    def _ctx(self) -> int:
        if self._context is None:
            hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if hresult != scard.SCARD_S_SUCCESS:
                raise ReaderUnavailable(f"no PC/SC service: {_message(hresult)}; is pcscd running "
                                        "(systemctl status pcscd.socket)?")
            self._context = context
        return self._context

    def _drop(self) -> None:
        if self._card is not None:
            scard.SCardDisconnect(self._card, scard.SCARD_LEAVE_CARD)
            self._card = None
        if self._context is not None:
            scard.SCardReleaseContext(self._context)
            self._context = None

    def _fail(self, hresult: int, what: str) -> None:
        """Raise the typed error for a failed PC/SC call (dropping what it made stale)."""
        if hresult in _SERVICE_GONE or hresult in _READER_GONE:
            self._drop()
            raise ReaderUnavailable(f"{what}: {_message(hresult)}; the reader {self.description!r} or pcscd "
                                    "went away (unplugged?)")
        if hresult in _CARD_GONE:
            self._card = None
            raise NoCard(f"{what}: no card in {self.description!r}")
        raise CardCommandFailed(f"{what}: {_message(hresult)}", sw=0)

    def reader_names(self) -> list[str]:
        fresh = self._context is None
        hresult, names = scard.SCardListReaders(self._ctx(), [])
        if hresult in _SERVICE_GONE and not fresh:
            # A context from before pcscd restarted: make a new one and ask again.
            self._drop()
            hresult, names = scard.SCardListReaders(self._ctx(), [])
        if hresult == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        if hresult != scard.SCARD_S_SUCCESS:
            self._fail(hresult, "listing readers")
        return list(names)

    def _reader(self) -> str:
        names = self.reader_names()
        chosen = [name for name in names
                  if not self.pattern or fnmatch.fnmatchcase(name, self.pattern) or self.pattern in name]
        if not chosen:
            self._card = None
            found = ", ".join(repr(name) for name in names) or "none"
            raise ReaderUnavailable(f"no PC/SC reader matches {self.pattern or '(any)'!r}; readers: {found}")
        self._reader_name = chosen[0]
        return chosen[0]

    # -- card ------------------------------------------------------------------------------------

    def connect(self) -> bytes:
        with self._lock:
            if self._card is not None:
                # A handle whose card was taken out (and maybe put back) answers REMOVED or RESET.
                if scard.SCardStatus(self._card)[0] == scard.SCARD_S_SUCCESS:
                    return self._atr
                scard.SCardDisconnect(self._card, scard.SCARD_LEAVE_CARD)
                self._card = None
            name = self._reader()
            hresult, card, protocol = scard.SCardConnect(
                self._ctx(), name, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
            if hresult != scard.SCARD_S_SUCCESS:
                self._fail(hresult, f"connecting to the card in {name!r}")
            self._card, self._protocol = card, protocol
            hresult, _reader, _state, _protocol, atr = scard.SCardStatus(card)
            if hresult != scard.SCARD_S_SUCCESS:
                self._fail(hresult, "reading the ATR")
            self._atr = bytes(atr)
            return self._atr

    def disconnect(self) -> None:
        with self._lock:
            if self._card is not None:
                scard.SCardDisconnect(self._card, scard.SCARD_LEAVE_CARD)
                self._card = None

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _transmit(self, apdu: bytes) -> tuple[bytes, int]:
        with self._lock:
            if self._card is None:
                raise CardRemoved("no connection to the card (taken out?)")
            hresult, response = scard.SCardTransmit(self._card, self._protocol, list(apdu))
            if hresult != scard.SCARD_S_SUCCESS:
                present = self._state(0)
                self._card = None
                if present is False or hresult in _CARD_GONE:
                    raise CardRemoved(f"the card left {self.description!r} during a command ({_message(hresult)})")
                self._fail(hresult, f"APDU {apdu[:2].hex().upper()}")
            if len(response) < 2:
                # vpcd and some USB readers answer a card that went silent mid-command with nothing at all.
                self.disconnect()
                raise CardRemoved(f"the card in {self.description!r} stopped answering during a command "
                                  "(taken out?)")
            return bytes(response[:-2]), response[-2] << 8 | response[-1]

    # -- presence --------------------------------------------------------------------------------

    def _state(self, timeout_ms: int, known: int = scard.SCARD_STATE_UNAWARE) -> bool | None:
        """Whether a card is present, after at most `timeout_ms` waiting for a change from `known`;
        None when the wait timed out without a change."""
        name = self._reader_name or self._reader()
        hresult, states = scard.SCardGetStatusChange(self._ctx(), timeout_ms, [(name, known)])
        if hresult == scard.SCARD_E_TIMEOUT:
            return None
        if hresult != scard.SCARD_S_SUCCESS:
            self._fail(hresult, "watching the reader")
        _name, event, _atr = states[0]
        if event & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE | scard.SCARD_STATE_IGNORE):
            self._drop()
            raise ReaderUnavailable(f"the reader {name!r} is gone (unplugged?)")
        return bool(event & scard.SCARD_STATE_PRESENT)

    def card_present(self) -> bool:
        with self._lock:
            self._reader()
            return bool(self._state(0))

    def _wait(self, present: bool, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        self._reader()
        name = self._reader_name
        known = scard.SCARD_STATE_UNAWARE
        while True:
            remaining = max(0, int((deadline - time.monotonic()) * 1000))
            hresult, states = scard.SCardGetStatusChange(self._ctx(), remaining, [(name, known)])
            if hresult == scard.SCARD_E_TIMEOUT:
                return False
            if hresult != scard.SCARD_S_SUCCESS:
                self._fail(hresult, "waiting for the card")
            _name, event, _atr = states[0]
            if event & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE):
                self._drop()
                raise ReaderUnavailable(f"the reader {name!r} is gone (unplugged?)")
            if bool(event & scard.SCARD_STATE_PRESENT) == present:
                if not present:
                    self.disconnect()
                return True
            known = event & ~scard.SCARD_STATE_CHANGED
            if time.monotonic() >= deadline:
                return False

    def wait_for_card(self, timeout: float) -> bool:
        return self._wait(True, timeout)

    def wait_for_removal(self, timeout: float) -> bool:
        return self._wait(False, timeout)


def list_readers() -> list[ReaderInfo]:
    """Every PC/SC reader, with whether it holds a card and the card's ATR."""
    link = PcscLink()
    try:
        infos = []
        for name in link.reader_names():
            hresult, states = scard.SCardGetStatusChange(link._ctx(), 0, [(name, scard.SCARD_STATE_UNAWARE)])
            if hresult != scard.SCARD_S_SUCCESS:
                link._fail(hresult, f"reading the state of {name!r}")
            _name, event, atr = states[0]
            present = bool(event & scard.SCARD_STATE_PRESENT)
            infos.append(ReaderInfo(name, present, bytes(atr) if present else b""))
        return infos
    finally:
        link.close()
