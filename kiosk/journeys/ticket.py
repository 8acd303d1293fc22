"""The 取号 journey as explicit steps: load the queues → the citizen chooses → the hall issues a ticket →
the printer prints it → the number stays on screen, printed or not.

    journey = TicketJourney(hall=client, devices=devices, worker=worker, site=SiteLines(...),
                            hall_name="…", on_change=screen.show)
    journey.begin()            # LOADING, then CHOOSE (or UNAVAILABLE)
    journey.choose("A")        # ISSUING, PRINTING, then DONE

Every hall and printer call runs on the worker; answers come back through the worker's `deliver`,
so `on_change` is always called on the UI thread. A ticket request carries one Idempotency-Key per
choice, so a retried request can never produce a second number. When the printer cannot print, the
journey still ends in DONE with `printed=False`: the citizen never leaves with nothing.
"""

from __future__ import annotations

import enum
import logging
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Callable

from domain.clock import WallClock
from domain.printouts import QueueTicket, SiteLines
from kiosk.background import BackgroundWorker
from kiosk.devices.problems import print_problem_key
from kiosk.hall.errors import HallError, HallRejected
from kiosk.hall.models import Queue, Ticket
from kiosk.journeys.base import Journey
from kiosk.journeys.needs import Printing, QueueHall

__all__ = ["TicketStep", "TicketView", "TicketJourney"]

log = logging.getLogger(__name__)


class TicketStep(enum.Enum):
    LOADING = "loading"          # asking the hall for its queues
    CHOOSE = "choose"            # the citizen picks a queue
    ISSUING = "issuing"          # the hall is issuing the ticket
    PRINTING = "printing"        # the printer is printing it
    DONE = "done"                # the number is on screen (and on paper, if `printed`)
    UNAVAILABLE = "unavailable"  # the hall could not be reached: say so and what to do instead


@dataclass(frozen=True)
class TicketView:
    step: TicketStep
    queues: tuple[Queue, ...] = ()
    ticket: Ticket | None = None
    printed: bool = False
    problem: str = ""          # catalogue key of the plain sentence explaining what went wrong
    holder: str = ""           # masked name of the citizen who identified with the ID card, if any
    priority: str = "none"     # "elderly" once an old enough citizen identified


class TicketJourney(Journey[TicketView]):
    def __init__(self, *, hall: QueueHall | None, devices: Printing, worker: BackgroundWorker, site: SiteLines, hall_name: str,
                 on_change: Callable[[TicketView], None], session: Any = None,
                 elderly_priority_age: int = 0, clock: WallClock) -> None:
        super().__init__(TicketView(TicketStep.LOADING), on_change)
        self._hall = hall
        self._devices = devices
        self._worker = worker
        self._site = site
        self._hall_name = hall_name
        self._session = session
        self._elderly_priority_age = elderly_priority_age
        self._clock = clock
        self._id_number: str | None = None
        self._review_url: str | None = None

    # --- steps ------------------------------------------------------------------------------------

    def begin(self) -> None:
        self._show(TicketView(TicketStep.LOADING))
        if self._hall is None:
            self._show(TicketView(TicketStep.UNAVAILABLE, problem="ticket.hall_down"))
            return
        self._worker.run(self._hall.queues, on_result=self._queues_loaded, on_error=self._hall_failed)

    def _queues_loaded(self, queues: tuple[Queue, ...]) -> None:
        self._show(TicketView(TicketStep.CHOOSE, queues=tuple(queues)))

    def card_read(self, identity: Any) -> None:
        """A citizen identifies while choosing: the ticket is tied to them, with elderly priority when the
        site gives it and they are old enough. Only the masked name is ever shown or printed."""
        if self.view.step is not TicketStep.CHOOSE or self._session is None:
            identity.wipe()  # not asked for here: keep nothing of it
            return
        self._session.remember("identity", identity)
        self._id_number = identity.id_number
        priority = "none"
        if self._elderly_priority_age and identity.birth_date is not None:
            today = self._clock.today()
            age = today.year - identity.birth_date.year - (
                (today.month, today.day) < (identity.birth_date.month, identity.birth_date.day))
            priority = "elderly" if age >= self._elderly_priority_age else "none"
        self._show(replace(self.view, holder=identity.masked_name, priority=priority))

    def choose(self, queue_code: str) -> None:
        if self.view.step is not TicketStep.CHOOSE:
            return  # a second tap while the first is being served
        idempotency_key = str(uuid.uuid4())
        self._show(replace(self.view, step=TicketStep.ISSUING))

        def issue() -> tuple[Ticket, str | None]:
            ticket = self._hall.issue_ticket(queue_code, priority=self.view.priority, id_number=self._id_number,
                                             idempotency_key=idempotency_key)
            try:
                review_url = self._hall.review_link(ticket_id=ticket.ticket_id).url
            except HallError as error:  # the ticket matters more than its review QR code
                log.warning("no review link for ticket %s: %s", ticket.number, type(error).__name__)
                review_url = None
            return ticket, review_url

        self._worker.run(issue, on_result=self._issued, on_error=self._hall_failed)

    def _issued(self, result: tuple[Ticket, str | None]) -> None:
        ticket, self._review_url = result
        self._show(replace(self.view, step=TicketStep.PRINTING, ticket=ticket, problem=""))
        self._print(ticket)

    def reprint(self) -> None:
        if self.view.step is TicketStep.DONE and self.view.ticket is not None:
            self._show(replace(self.view, step=TicketStep.PRINTING, problem=""))
            self._print(self.view.ticket)

    def _print(self, ticket: Ticket) -> None:
        self._devices.print(self.printout(ticket), on_result=self._printed, on_error=self._print_failed)

    def printout(self, ticket: Ticket) -> QueueTicket:
        return QueueTicket(
            hall_name=self._hall_name, queue_name=ticket.queue.name, number=ticket.number,
            people_ahead=ticket.people_ahead, estimated_wait_minutes=ticket.estimated_wait_minutes,
            issued_at=self._clock.local(datetime.fromisoformat(ticket.issued_at)), holder_name=self.view.holder or None,
            review_url=self._review_url, site=self._site,
        )

    def _printed(self, result: Any) -> None:
        if getattr(result, "maintenance_alert", None):
            log.warning("printer: %s", result.maintenance_alert)
        self._show(replace(self.view, step=TicketStep.DONE, printed=True, problem=""))

    def _print_failed(self, error: BaseException) -> None:
        log.warning("ticket %s not printed: %s", self.view.ticket.number if self.view.ticket else "?",
                    type(error).__name__)
        self._show(replace(self.view, step=TicketStep.DONE, printed=False, problem=print_problem_key(error)))

    def _hall_failed(self, error: BaseException) -> None:
        log.warning("hall call failed in the ticket journey: %s: %s", type(error).__name__, error)
        if isinstance(error, HallRejected) and self.view.step is TicketStep.ISSUING:
            self._show(replace(self.view, step=TicketStep.CHOOSE, problem="ticket.rejected"))
            return
        self._show(TicketView(TicketStep.UNAVAILABLE, problem="ticket.hall_down"))
