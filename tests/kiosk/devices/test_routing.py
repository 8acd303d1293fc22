"""Where a card goes, decided without Kivy: a card on the attract or home screen opens 一证通办, a screen
that takes cards gets them, a card nobody takes is wiped at once, and the reader's state is always told."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from domain.demo_citizens import demo_citizen
from drivers.idcard import CardRead, CardRemoved, ReaderState, ReaderStateChanged, ReadFailed
from drivers.idcard.errors import ChecksumMismatch
from drivers import gascard
from drivers.gascard import CardNeedsRewrite
from kiosk.devices.events import (CardPlaced, CardTaken, CardUnreadable, GasCardPlaced, GasCardTaken, GasCardUnusable,
                                  ReaderStatus, card_event, gas_card_event)
from kiosk.devices.routing import route_card
from tests.fixtures.gas_utility import card_as_read
from tests.kiosk.conftest import identity_of

SERVICES = ("ticket", "one_card", "guide")


@dataclass
class FakeScreens:
    current_screen: str = "attract"
    unavailable: str = ""
    takes_cards: bool = False
    opened: list[str] = field(default_factory=list)
    handled: list = field(default_factory=list)

    def open_for_card(self, service: str) -> None:
        self.opened.append(service)
        self.current_screen, self.takes_cards = service, True

    def card_handler(self):
        return self.handled.append if self.takes_cards else None


def placed() -> CardPlaced:
    return CardPlaced(identity_of(demo_citizen("resident")))


@pytest.mark.parametrize("screen", ["attract", "home"])
def test_a_card_on_the_attract_or_home_screen_opens_one_card_and_goes_to_it(screen):
    screens, event = FakeScreens(current_screen=screen), placed()
    route_card(event, screens, SERVICES, on_reader_state=pytest.fail)
    assert screens.opened == ["one_card"] and screens.handled == [event] and not event.identity.wiped


def test_a_card_on_a_journey_that_takes_cards_goes_to_it_and_opens_nothing():
    screens, event = FakeScreens(current_screen="appointment", takes_cards=True), placed()
    route_card(event, screens, SERVICES, on_reader_state=pytest.fail)
    assert screens.opened == [] and screens.handled == [event]


@pytest.mark.parametrize("screens, services", [
    (FakeScreens(current_screen="guide"), SERVICES),                          # the guide takes no cards
    (FakeScreens(current_screen="attract"), ("ticket", "guide")),             # no 一证通办 at this site
    (FakeScreens(current_screen="attract", unavailable="closed"), SERVICES),  # out of service
], ids=["screen-without-cards", "site-without-one-card", "out-of-service"])
def test_a_card_nobody_takes_is_wiped_at_once(screens, services):
    event = placed()
    route_card(event, screens, services, on_reader_state=pytest.fail)
    assert event.identity.wiped and screens.opened == [] and screens.handled == []


def test_the_readers_state_is_told_whatever_the_screen_and_an_unreadable_card_opens_nothing():
    states = []
    screens = FakeScreens(current_screen="home")
    route_card(ReaderStatus("no_reader", "unplugged"), screens, SERVICES, on_reader_state=states.append)
    route_card(CardUnreadable(ChecksumMismatch("bad")), screens, SERVICES, on_reader_state=states.append)
    assert states == [ReaderStatus("no_reader", "unplugged")] and screens.opened == []


def test_each_driver_event_becomes_the_kiosks_own():
    identity = identity_of(demo_citizen("resident"))
    error = ChecksumMismatch("bad")
    assert card_event(CardRead(identity)) == CardPlaced(identity)
    assert card_event(ReadFailed(error)) == CardUnreadable(error)
    assert card_event(CardRemoved()) == CardTaken()
    assert card_event(ReaderStateChanged(ReaderState.SAM_FAULT, "0x60")) == ReaderStatus("sam_fault", "0x60")
    with pytest.raises(TypeError):
        card_event("not an event")


def test_a_gas_card_on_the_attract_screen_opens_the_gas_top_up_where_the_site_sells_gas():
    """GIVEN a gas terminal's services WHEN a gas card is inserted at rest THEN 燃气缴费 opens and gets the card;
    elsewhere (a site without gas, a screen that takes no cards) it opens nothing and nothing is kept."""
    card = GasCardPlaced(card_as_read("3101002468", 3))
    screens = FakeScreens(current_screen="attract")
    route_card(card, screens, ("gas", "one_card"), on_reader_state=pytest.fail)
    assert screens.opened == ["gas"] and screens.handled == [card]
    torn = GasCardUnusable(CardNeedsRewrite("cut", reason="torn_area"))
    screens = FakeScreens(current_screen="home")
    route_card(torn, screens, ("gas",), on_reader_state=pytest.fail)
    assert screens.opened == ["gas"] and screens.handled == [torn]
    for screens, services in ((FakeScreens(current_screen="attract"), SERVICES),
                              (FakeScreens(current_screen="guide"), ("gas", "guide"))):
        route_card(card, screens, services, on_reader_state=pytest.fail)
        assert screens.opened == [] and screens.handled == []
    route_card(GasCardTaken(), FakeScreens(current_screen="attract"), ("gas",), on_reader_state=pytest.fail)


def test_each_gas_card_watcher_event_becomes_the_kiosks_own():
    card = card_as_read("3101002468", 3)
    error = CardNeedsRewrite("cut", reason="torn_area")
    assert gas_card_event(gascard.CardInserted(card)) == GasCardPlaced(card)
    assert gas_card_event(gascard.CardUnreadable(error)) == GasCardUnusable(error)
    assert gas_card_event(gascard.CardTakenOut()) == GasCardTaken()
    lost = gascard.ReaderUnavailable("unplugged")
    assert gas_card_event(gascard.ReaderLost(lost)) == GasCardUnusable(lost)
    with pytest.raises(TypeError):
        gas_card_event("not an event")
