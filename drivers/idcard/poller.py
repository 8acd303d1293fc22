"""The card poller: a thread that watches the reader and reports what happens, as typed events.

    poller = CardPoller(reader, on_event=handle)   # handle() runs on the poller's thread
    poller.start()
    ...
    poller.stop()

Events: `ReaderStateChanged` (CONNECTED / NO_READER / SAM_FAULT, only on change), `CardRead` (once
per placement: a card left on the reader does not fire again), `CardRemoved`, `ReadFailed` (a typed
IdCardError). The poller never polls faster than the module's 300 ms minimum, reopens the port
with exponential backoff when the reader is unplugged, and survives exceptions in the callback.
The app marshals events to its UI thread itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum
from typing import Callable, Union

from domain.background_loop import Backoff, BackgroundLoop
from domain.identity import IdentityCard
from drivers.idcard.errors import IdCardError, ReaderTimeout, ReaderUnavailable, SamFault
from drivers.idcard.reader import CardReader

__all__ = [
    "MIN_POLL_INTERVAL",
    "ReaderState",
    "CardRead",
    "CardRemoved",
    "ReaderStateChanged",
    "ReadFailed",
    "ReaderEvent",
    "CardPoller",
]

log = logging.getLogger(__name__)

# Ministry developer notes for the SAM module: poll for a card no faster than every 300 ms.
MIN_POLL_INTERVAL = 0.3


class ReaderState(Enum):
    CONNECTED = "connected"
    NO_READER = "no_reader"
    SAM_FAULT = "sam_fault"


@dataclass(frozen=True)
class CardRead:
    identity: IdentityCard


@dataclass(frozen=True)
class CardRemoved:
    pass


@dataclass(frozen=True)
class ReaderStateChanged:
    state: ReaderState
    detail: str = ""


@dataclass(frozen=True)
class ReadFailed:
    error: IdCardError


ReaderEvent = Union[CardRead, CardRemoved, ReaderStateChanged, ReadFailed]


class CardPoller:
    """Polls `reader` on its own thread and calls `on_event(event)` from that thread."""

    def __init__(
        self,
        reader: CardReader,
        on_event: Callable[[ReaderEvent], None],
        *,
        poll_interval: float = 0.5,
        reconnect_backoff: tuple[float, float] = (0.5, 5.0),
        fingerprint: bool = False,
    ) -> None:
        if poll_interval < MIN_POLL_INTERVAL:
            raise ValueError(f"poll_interval must be at least {MIN_POLL_INTERVAL} s (SAM module minimum)")
        self.reader = reader
        self._on_event = on_event
        self._poll_interval = poll_interval
        try:
            self._backoff = Backoff(*reconnect_backoff)
        except ValueError as error:
            raise ValueError(f"reconnect_backoff: {error}") from None
        self._fingerprint = fingerprint
        self._loop = BackgroundLoop("idcard-poller", self._round, error_delay_s=reconnect_backoff[1])
        self.state: ReaderState | None = None
        self._card_present = False

    def start(self) -> CardPoller:
        self._loop.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop polling and wait (bounded) for the thread; the reader is left to its owner."""
        self._loop.stop(timeout)

    @property
    def running(self) -> bool:
        return self._loop.running

    @property
    def card_present(self) -> bool:
        """A card was read and has not been seen taken away yet (the reader notices within one poll)."""
        return self._card_present

    def __enter__(self) -> CardPoller:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- the thread -------------------------------------------------------------------------------

    def _emit(self, event: ReaderEvent) -> None:
        try:
            self._on_event(event)
        except Exception:  # a bug in the app's handler must not stop the reader
            log.exception("ID card event handler failed on %s", type(event).__name__)

    def _set_state(self, state: ReaderState, detail: str = "") -> None:
        if state is not self.state:
            self.state = state
            log.info("ID card reader %s %s", state.value, detail)
            self._emit(ReaderStateChanged(state, detail))

    def _round(self) -> float:
        """Connect if need be, then one poll; the seconds until the next round."""
        try:
            if self.state is not ReaderState.CONNECTED:
                self._connect()
                self._backoff.reset()
            self._poll_once()
            return self._poll_interval
        except (ReaderUnavailable, ReaderTimeout) as error:
            self._lose_reader(ReaderState.NO_READER, str(error))
            return self._backoff.failed(0.0)
        except SamFault as error:
            self._lose_reader(ReaderState.SAM_FAULT, str(error))
            return self._backoff.failed(0.0)
        except IdCardError as error:
            # Noise or an odd status while only watching for a card: nobody is waiting on a read,
            # so it is the technician's business (the log), not the citizen's.
            log.warning("ID card reader poll failed: %s", error)
            return self._poll_interval

    def _connect(self) -> None:
        self.reader.open()
        self.reader.check_sam()
        self._set_state(ReaderState.CONNECTED)

    def _lose_reader(self, state: ReaderState, detail: str) -> None:
        self.reader.close()
        if self._card_present:
            self._card_present = False
            self._emit(CardRemoved())
        self._set_state(state, detail)

    def _poll_once(self) -> None:
        if self._card_present:
            if not self.reader.card_still_present():
                self._card_present = False
                self._emit(CardRemoved())
            return
        if not self.reader.find_card():
            return
        try:
            self.reader.select_card()
            identity = self.reader.read_card(fingerprint=self._fingerprint)
        except (ReaderUnavailable, SamFault):
            raise
        except IdCardError as error:
            # The module wants the card removed and replaced after a failed read; until then
            # find says "no card", so the same card is not retried in a loop.
            log.warning("ID card read failed: %s", error)
            self._emit(ReadFailed(error))
            return
        self._card_present = True
        self._emit(CardRead(identity))
