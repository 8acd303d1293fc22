"""The gas-card reader: read a card, write one purchase and prove it, check a card, watch the slot.

`GasCardReader` sits on any `MemoryCardLink` (PC/SC, vendor library, simulator) and does the card
logic once for all of them: recognise the chip by its ATR, choose the layout (the site's, or the one
whose signature the card carries), decode, refuse what must be refused, present the PSC without ever
spending the last try, write in the layout's order, and read back.

    with GasCardReader(link) as reader:
        card = reader.read()                               # GasCard, or a typed GasCardError
        card = reader.write(card.next_purchase(GasQuantity.volume(200)))   # written and read back

A card whose last write was cut (`CardNeedsRewrite`) takes exactly one purchase: the interrupted one,
written again whole. Everything else about such a card is refused until then.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Union

from domain.gas_card import GasCard, GasCardType, GasPurchase, PurchaseRefusal
from drivers.gascard.errors import (
    CardAwaitingMeter,
    CardCorrupt,
    CardHoldsGas,
    CardNeedsRewrite,
    CardRemoved,
    GasCardError,
    NoCard,
    NotAUserCard,
    PscLastAttempt,
    PscLocked,
    PurchaseCountMismatch,
    ReaderUnavailable,
    UnknownCard,
    WriteNotVerified,
    WrongPsc,
)
from drivers.gascard.layouts import (
    AreaReading,
    CardLayout,
    DecodedCard,
    GasRecord,
    LayoutError,
    layout_named,
    layouts_for,
)
from drivers.gascard.link import MemoryCardLink, family_for_atr, tries_left

__all__ = [
    "GasCardReader",
    "IntegrityReport",
    "GasCardWatcher",
    "CardInserted",
    "CardUnreadable",
    "CardTakenOut",
    "ReaderLost",
    "CardEvent",
]

_REFUSALS: dict[PurchaseRefusal, type[GasCardError]] = {
    PurchaseRefusal.NOT_USER_CARD: NotAUserCard,
    PurchaseRefusal.AWAITING_METER: CardAwaitingMeter,
    PurchaseRefusal.HOLDS_GAS: CardHoldsGas,
}


@dataclass(frozen=True)
class IntegrityReport:
    """A technician's view of one card: verdict ok | needs_rewrite | corrupt, and every gas area."""

    verdict: str
    layout: str
    reason: str
    card: GasCard | None
    areas: tuple[AreaReading, ...]
    psc_tries_left: int | None

    @property
    def ok(self) -> bool:
        return self.verdict == "ok"

    def to_dict(self, *, reveal: bool = False) -> dict[str, object]:
        return {
            "result": self.verdict,
            "layout": self.layout,
            "reason": self.reason,
            "card": self.card.to_dict(reveal=reveal) if self.card else None,
            "areas": [
                {"name": area.name, "address": f"0x{area.address:02X}",
                 "valid": area.record is not None, "problem": area.problem,
                 **({"purchase_count": area.record.purchase.count, "gas": area.record.purchase.gas.value,
                     "awaiting_meter": area.record.awaiting_meter} if area.record else {})}
                for area in self.areas
            ],
            "psc_tries_left": self.psc_tries_left,
        }


class GasCardReader:
    """Reads and writes gas cards through `link`. `layout`: "auto" (by ATR and signature) or a name."""

    def __init__(self, link: MemoryCardLink, *, layout: str = "auto") -> None:
        self.link = link
        self._layout: CardLayout | None = None if layout == "auto" else layout_named(layout)

    def __enter__(self) -> "GasCardReader":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.link.close()

    def card_present(self) -> bool:
        return self.link.card_present()

    def wait_for_card(self, timeout: float) -> bool:
        return self.link.wait_for_card(timeout)

    def wait_for_removal(self, timeout: float) -> bool:
        return self.link.wait_for_removal(timeout)

    # -- reading ---------------------------------------------------------------------------------

    def _decode(self) -> DecodedCard:
        atr = self.link.connect()
        family = family_for_atr(atr)
        if self._layout is not None:
            if self._layout.family is not family:
                raise UnknownCard(f"the site's layout {self._layout.name} is for {self._layout.family.value} "
                                  f"cards; this card is {family.value}", atr=atr)
            candidates = [self._layout]
        else:
            candidates = layouts_for(family)
        self.link.select(family)
        image = self.link.read(0, max(layout.image_length for layout in candidates))
        for layout in candidates:
            if layout.recognises(image):
                try:
                    return layout.decode(image)
                except LayoutError as error:
                    raise CardCorrupt(f"{layout.name}: {error}") from None
        raise UnknownCard(f"a {family.value} card without the signature of "
                          f"{' or '.join(layout.name for layout in candidates)}", atr=atr)

    @staticmethod
    def _consistent(decoded: DecodedCard) -> GasCard:
        if decoded.current is not None:
            return decoded.card()
        records = decoded.records
        if not records:
            raise CardCorrupt(f"{decoded.layout.name}: no copy of the gas area is intact "
                              f"({', '.join(f'{a.name}: {a.problem}' for a in decoded.areas)})")
        raise CardNeedsRewrite(
            f"{decoded.layout.name}: the last write was interrupted ({decoded.reason}); "
            f"intact purchase count(s): {', '.join(str(r.purchase.count) for r in records)}",
            reason=decoded.reason, records=tuple(r.purchase for r in records), card=decoded.card(records[-1]))

    def read(self) -> GasCard:
        """The card in the reader as a consistent value, or the typed error that says why not."""
        with self.link.lock:
            return self._consistent(self._decode())

    def check(self) -> IntegrityReport:
        """Every gas area of the card, for a technician. Touches no PSC try (only reads the counter)."""
        with self.link.lock:
            decoded = self._decode()
            tries = tries_left(self.link.psc_counter()) if decoded.layout.psc(decoded.identity) else None
        if decoded.current is not None:
            verdict, card = "ok", decoded.card()
        else:
            verdict, card = ("needs_rewrite" if decoded.records else "corrupt"), None
        return IntegrityReport(verdict, decoded.layout.name, decoded.reason, card, decoded.areas, tries)

    # -- writing ---------------------------------------------------------------------------------

    def write(self, purchase: GasPurchase) -> GasCard:
        """Write one purchase (the card's next, or the interrupted one again) and read it back.

        Raises a PurchaseRefused subclass (nothing written) when the card cannot take it, the PSC
        errors when the card cannot be unlocked (the last try is never spent), CardRemoved with
        `during_write` when the card left mid-write (read it again: it will need a rewrite), and
        WriteNotVerified when the read-back does not show the purchase.
        """
        with self.link.lock:
            decoded = self._decode()
            if decoded.identity.card_type is not GasCardType.USER:
                raise NotAUserCard(f"a {decoded.identity.card_type.value} card cannot buy gas")
            layout = decoded.layout
            if purchase.gas.measure is not layout.measure:
                raise ValueError(f"a {layout.name} card counts gas by {layout.measure.value} "
                                 f"({layout.measure.unit}), not by {purchase.gas.measure.value}")
            if self._already_written(decoded, purchase):
                return decoded.card()
            record = GasRecord(purchase, awaiting_meter=True)
            writes = layout.purchase_writes(decoded, record)
            self._unlock(decoded)
            try:
                for address, data in writes:
                    self.link.write(address, data)
            except CardRemoved as error:
                raise CardRemoved(f"the card was taken out during the write; it needs a rewrite: {error}",
                                  during_write=True) from None
            return self._read_back(layout, record)

    def _already_written(self, decoded: DecodedCard, purchase: GasPurchase) -> bool:
        """True when the purchase is on the card already; raises when it cannot be written."""
        current = decoded.current
        if current is None:
            records = decoded.records
            if not records:
                self._consistent(decoded)          # CardCorrupt
            newest = records[-1]
            completes = newest.purchase == purchase
            follows = (purchase.count == newest.purchase.count + 1 and not newest.awaiting_meter
                       and not newest.purchase.gas)
            if not (completes or follows):
                self._consistent(decoded)          # CardNeedsRewrite: this is not the interrupted purchase
            return False
        if current.purchase == purchase and current.awaiting_meter:
            return True
        refusal = decoded.card().refusal()
        if refusal is not None:
            raise _REFUSALS[refusal](f"the card cannot buy now: {refusal.value} "
                                     f"(purchase count {current.purchase.count}, gas {current.purchase.gas})")
        if purchase.count != current.purchase.count + 1:
            raise PurchaseCountMismatch(f"the card's purchase count is {current.purchase.count}: the next "
                                        f"purchase is {current.purchase.count + 1}, not {purchase.count}")
        return False

    def _unlock(self, decoded: DecodedCard) -> None:
        psc = decoded.layout.psc(decoded.identity)
        if psc is None:
            return
        left = tries_left(self.link.psc_counter())
        if left == 0:
            raise PscLocked("the card's PSC is locked (3 wrong tries): the gas company must replace the card")
        if left == 1:
            raise PscLastAttempt("only one PSC try left on this card: not spending it (a wrong PSC "
                                 "would lock the card for good); the gas company must check the card")
        after = tries_left(self.link.present_psc(psc))
        if after != 3:
            raise WrongPsc(f"the card rejected the PSC derived from its number; {after} tries left "
                           "(was the card issued by another system?)", tries_left=after)

    def _read_back(self, layout: CardLayout, record: GasRecord) -> GasCard:
        decoded = layout.decode(self.link.read(0, layout.image_length))
        current = decoded.current
        if current is None or current.purchase != record.purchase or not current.awaiting_meter:
            found = f"count {current.purchase.count}" if current else f"an inconsistent card ({decoded.reason})"
            raise WriteNotVerified(f"read back {found} after writing purchase {record.purchase.count}: "
                                   "the card did not take the write (write-protected, or PSC not accepted)")
        return decoded.card()


# -- watching the slot ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CardInserted:
    card: GasCard


@dataclass(frozen=True)
class CardUnreadable:
    error: GasCardError


@dataclass(frozen=True)
class CardTakenOut:
    pass


@dataclass(frozen=True)
class ReaderLost:
    error: GasCardError


CardEvent = Union[CardInserted, CardUnreadable, CardTakenOut, ReaderLost]


class GasCardWatcher:
    """A thread that reads each card as it is inserted and reports it, its removal and reader loss.

    `on_event` runs on the watcher's thread (a UI hands it over to its own thread). A reader that is
    gone is retried every `retry_s`; its return is seen as the next insertion.
    """

    def __init__(self, reader: GasCardReader, on_event: Callable[[CardEvent], None], *,
                 wait_s: float = 0.25, retry_s: float = 1.0) -> None:
        self.reader = reader
        self.on_event = on_event
        self.wait_s = wait_s
        self.retry_s = retry_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gascard-watcher", daemon=True)

    def __enter__(self) -> "GasCardWatcher":
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        lost = False
        while not self._stop.is_set():
            try:
                if not self.reader.wait_for_card(self.wait_s):
                    continue
                lost = False
                try:
                    self.on_event(CardInserted(self.reader.read()))
                except (NoCard, CardRemoved):
                    continue
                except ReaderUnavailable:
                    raise
                except GasCardError as error:
                    self.on_event(CardUnreadable(error))
                while not self._stop.is_set() and not self.reader.wait_for_removal(self.wait_s):
                    pass
                if not self._stop.is_set():
                    self.on_event(CardTakenOut())
            except ReaderUnavailable as error:
                if not lost:
                    self.on_event(ReaderLost(error))
                    lost = True
                self._stop.wait(self.retry_s)
