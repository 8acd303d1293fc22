"""Where a card event goes, decided without Kivy.

A card placed while the citizen is on the attract or home screen opens 一证通办 (starting a session if
none is running), when the site offers it and the kiosk is in service. The event then goes to whatever
screen is showing, if that screen takes cards; a card that nobody takes is wiped at once, so no identity
lingers in memory. A change of the reader's state goes to `on_reader_state` first, whatever the screen.
"""

from __future__ import annotations

from typing import Callable, Protocol, Sequence

from kiosk.devices.events import CardEvent, CardPlaced, ReaderStatus

__all__ = ["Screens", "route_card", "OPENS_ONE_CARD_FROM"]

OPENS_ONE_CARD_FROM = ("attract", "home")


class Screens(Protocol):
    """What routing needs of the app's screens."""

    @property
    def current_screen(self) -> str: ...

    @property
    def unavailable(self) -> str: ...       # "" while in service

    def open_one_card(self) -> None: ...    # a session if none, then the 一证通办 screen

    def card_handler(self) -> Callable[[CardEvent], None] | None: ...   # the showing screen's, if it takes cards


def route_card(event: CardEvent, screens: Screens, services: Sequence[str],
               on_reader_state: Callable[[ReaderStatus], None]) -> None:
    if isinstance(event, ReaderStatus):
        on_reader_state(event)
    if (isinstance(event, CardPlaced) and screens.current_screen in OPENS_ONE_CARD_FROM
            and "one_card" in services and not screens.unavailable):
        screens.open_one_card()
    handler = screens.card_handler()
    if handler is not None:
        handler(event)
    elif isinstance(event, CardPlaced):
        event.identity.wipe()
