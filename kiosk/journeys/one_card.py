"""The 一证通办 journey: place the ID card → greeting with the masked name → the citizen's matters
(today's appointments, 一证通办 records such as social security and housing fund, printable proofs).

    journey = OneCardJourney(hall=client, worker=worker, session=session, on_change=screen.show)
    journey.begin()                    # WAITING_CARD
    journey.card_read(identity)        # LOOKING_UP, then RESULT (or UNAVAILABLE)
    journey.card_failed(error)         # CARD_PROBLEM with a plain reason

The identity is handed to the session at once (it is wiped with the session) and its name and address
are registered with the log filter. Only masked forms ever reach the view.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Any, Callable

from domain.clock import WallClock
from kiosk.background import BackgroundWorker
from kiosk.devices.problems import card_problem_key
from kiosk.hall.models import Appointment, CitizenRecord, ProofKind
from kiosk.journeys.base import Journey
from kiosk.journeys.needs import RecordsHall
from kiosk.session import Session

__all__ = ["OneCardStep", "OneCardView", "OneCardJourney"]

log = logging.getLogger(__name__)


class OneCardStep(enum.Enum):
    WAITING_CARD = "waiting_card"   # "请将身份证放在感应区"
    LOOKING_UP = "looking_up"       # asking the hall for this citizen's matters
    RESULT = "result"
    CARD_PROBLEM = "card_problem"   # unreadable, invalid or expired card: try again, or the counter
    UNAVAILABLE = "unavailable"     # the hall could not be reached


@dataclass(frozen=True)
class OneCardView:
    step: OneCardStep
    masked_name: str = ""
    card_type: str = ""
    records: tuple[CitizenRecord, ...] = ()
    proofs: tuple[ProofKind, ...] = ()
    appointments: tuple[Appointment, ...] = ()
    problem: str = ""


class OneCardJourney(Journey[OneCardView]):
    def __init__(self, *, hall: RecordsHall | None, worker: BackgroundWorker, session: Session,
                 on_change: Callable[[OneCardView], None], clock: WallClock) -> None:
        super().__init__(OneCardView(OneCardStep.WAITING_CARD), on_change)
        self._hall = hall
        self._worker = worker
        self._session = session
        self._clock = clock

    def begin(self) -> None:
        self._show(OneCardView(OneCardStep.WAITING_CARD))

    def card_read(self, identity: Any) -> None:
        if self.view.step not in (OneCardStep.WAITING_CARD, OneCardStep.CARD_PROBLEM):
            identity.wipe()  # a card placed mid-journey is not this journey's: keep nothing of it
            return
        self._session.remember("identity", identity)
        identity.register_sensitive()
        if not identity.is_valid_on(self._clock.today()):
            self._show(OneCardView(OneCardStep.CARD_PROBLEM, problem="card.expired"))
            return
        who = OneCardView(OneCardStep.LOOKING_UP, masked_name=identity.masked_name,
                          card_type=identity.card_type.value)
        self._show(who)
        if self._hall is None:
            self._show(OneCardView(OneCardStep.UNAVAILABLE, masked_name=who.masked_name, problem="one_card.hall_down"))
            return
        number = identity.id_number

        def look_up():
            records = self._hall.records(number)
            return records, self._hall.todays_appointments(number)

        def found(result) -> None:
            records, appointments = result
            self._show(OneCardView(OneCardStep.RESULT, masked_name=who.masked_name, card_type=who.card_type,
                                   records=records.records, proofs=records.proofs,
                                   appointments=tuple(appointments)))

        def failed(error: BaseException) -> None:
            log.warning("one-card lookup failed: %s", type(error).__name__)
            self._show(OneCardView(OneCardStep.UNAVAILABLE, masked_name=who.masked_name, problem="one_card.hall_down"))

        self._worker.run(look_up, on_result=found, on_error=failed)

    def card_failed(self, error: BaseException) -> None:
        if self.view.step in (OneCardStep.WAITING_CARD, OneCardStep.CARD_PROBLEM):
            self._show(OneCardView(OneCardStep.CARD_PROBLEM, problem=card_problem_key(error)))

    def try_again(self) -> None:
        self._show(OneCardView(OneCardStep.WAITING_CARD))
