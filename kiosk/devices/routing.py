"""Where a card event goes, decided without Kivy.

An ID card placed while the citizen is on the attract or home screen opens 一证通办, a gas card inserted
there opens 燃气缴费 (starting a session if none is running), when the site offers it and the kiosk is in
service. The event then goes to whatever screen is showing, if that screen takes cards; an ID card that
nobody takes is wiped at once, so no identity lingers in memory. A change of the reader's state goes to
`on_reader_state` first, whatever the screen.
"""

from __future__ import annotations

from typing import Callable, Protocol, Sequence

from kiosk.devices.events import CardEvent, CardPlaced, GasCardEvent, GasCardPlaced, GasCardUnusable, ReaderStatus

__all__ = ["Screens", "route_card", "OPENS_ONE_CARD_FROM", "service_for"]

OPENS_ONE_CARD_FROM = ("attract", "home")


class Screens(Protocol):
    """What routing needs of the app's screens."""

    @property
    def current_screen(self) -> str: ...

    @property
    def unavailable(self) -> str: ...       # "" while in service

    def open_for_card(self, service: str) -> None: ...    # a session if none, then the service's screen

    def card_handler(self) -> Callable[[CardEvent], None] | None: ...   # the showing screen's, if it takes cards


def service_for(event: CardEvent | GasCardEvent) -> str | None:
    """The service a card opens when it arrives on the attract or home screen (None: it opens nothing)."""
    if isinstance(event, CardPlaced):
        return "one_card"
    if isinstance(event, (GasCardPlaced, GasCardUnusable)):
        return "gas"
    return None


def route_card(event: CardEvent | GasCardEvent, screens: Screens, services: Sequence[str],
               on_reader_state: Callable[[ReaderStatus], None]) -> None:
    if isinstance(event, ReaderStatus):
        on_reader_state(event)
    service = service_for(event)
    if (service is not None and screens.current_screen in OPENS_ONE_CARD_FROM and service in services
            and not screens.unavailable):
        screens.open_for_card(service)
    handler = screens.card_handler()
    if handler is not None:
        handler(event)
    elif isinstance(event, CardPlaced):
        event.identity.wipe()
