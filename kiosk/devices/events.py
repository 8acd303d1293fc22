"""Card events as the rest of the kiosk sees them: the hub turns the ID card driver's and the gas card
watcher's events into these, so that journeys and screens never depend on a driver's types.

    CardPlaced(identity)      a card was read (the identity is the session's to keep or wipe)
    CardUnreadable(error)     a card is there but could not be read (error.code says why)
    CardTaken()               the card was taken off the reader
    ReaderStatus(state, ...)  the reader connected, went away or needs service ("connected", "no_reader", ...)

    GasCardPlaced(card)       a gas card was inserted and read (a GasCard: its numbers masked in every repr)
    GasCardUnusable(error)    a gas card is in but cannot be used as it is, or the gas reader is gone
                              (error.code; a card whose last write was cut carries its identity: error.card)
    GasCardTaken()            the gas card was taken out
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from domain.gas_card import GasCard
from domain.identity import IdentityCard
from drivers import gascard
from drivers.idcard import CardRead, CardRemoved, ReaderStateChanged, ReadFailed

__all__ = ["CardPlaced", "CardUnreadable", "CardTaken", "ReaderStatus", "CardEvent", "card_event",
           "GasCardPlaced", "GasCardUnusable", "GasCardTaken", "GasCardEvent", "gas_card_event"]


@dataclass(frozen=True)
class CardPlaced:
    identity: IdentityCard


@dataclass(frozen=True)
class CardUnreadable:
    error: Exception


@dataclass(frozen=True)
class CardTaken:
    pass


@dataclass(frozen=True)
class ReaderStatus:
    state: str
    detail: str = ""


CardEvent = Union[CardPlaced, CardUnreadable, CardTaken, ReaderStatus]


def card_event(event: object) -> CardEvent:
    """The kiosk's event for one of the ID card poller's."""
    if isinstance(event, CardRead):
        return CardPlaced(event.identity)
    if isinstance(event, ReadFailed):
        return CardUnreadable(event.error)
    if isinstance(event, CardRemoved):
        return CardTaken()
    if isinstance(event, ReaderStateChanged):
        return ReaderStatus(event.state.value, event.detail)
    raise TypeError(f"not an ID card reader event: {type(event).__name__}")


@dataclass(frozen=True)
class GasCardPlaced:
    card: GasCard


@dataclass(frozen=True)
class GasCardUnusable:
    error: Exception


@dataclass(frozen=True)
class GasCardTaken:
    pass


GasCardEvent = Union[GasCardPlaced, GasCardUnusable, GasCardTaken]


def gas_card_event(event: object) -> GasCardEvent:
    """The kiosk's event for one of the gas card watcher's."""
    if isinstance(event, gascard.CardInserted):
        return GasCardPlaced(event.card)
    if isinstance(event, (gascard.CardUnreadable, gascard.ReaderLost)):
        return GasCardUnusable(event.error)
    if isinstance(event, gascard.CardTakenOut):
        return GasCardTaken()
    raise TypeError(f"not a gas card watcher event: {type(event).__name__}")
