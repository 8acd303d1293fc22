"""What each journey needs of the hall, the devices and the outbox, as Protocols: a journey names the few
calls it makes, so its collaborators are typed (and a test double need only have those), never `Any`.

The real ones are kiosk.hall.client.HallClient, kiosk.devices.hub.DeviceHub, kiosk.outbox.store.Outbox,
kiosk.hall.catalogue.CatalogueCache and kiosk.gas.saga.GasSaga; the signatures below are theirs.
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Any, Callable, Mapping, Protocol

from domain.gas_card import GasCard
from domain.payment import PaymentMethod
from domain.printouts import Printout
from drivers.gascard import CardNeedsRewrite
from kiosk.gas.journal import JournalEntry
from kiosk.gas.payments.interface import ProgressCallback
from kiosk.gas.saga import CardCheck
from kiosk.gas.utility_models import GasQuote
from kiosk.hall.catalogue import Cached
from kiosk.hall.models import (Appointment, Case, Category, CheckIn, CitizenRecords, Matter, MatterSummary, Queue,
                               ReviewLink, ServicePackage, SlotList, Ticket, UpcomingAppointments)

__all__ = ["Printing", "QueueHall", "RecordsHall", "CasesHall", "ReviewHall", "AppointmentHall", "Guides",
           "ReviewOutbox", "ComplaintOutbox", "GasTopUp"]


class Printing(Protocol):
    """The device hub, as far as a journey that prints is concerned (off the UI thread, results back on it)."""

    def print(self, document: Printout, *, on_result: Callable[[Any], None],
              on_error: Callable[[BaseException], None]) -> None: ...


class _ReviewLinks(Protocol):
    def review_link(self, *, ticket_id: str | None = None, case_number: str | None = None,
                    id_number: str | None = None, query_code: str | None = None,
                    idempotency_key: str | None = None) -> ReviewLink: ...


class QueueHall(_ReviewLinks, Protocol):
    """取号."""

    def queues(self) -> tuple[Queue, ...]: ...

    def issue_ticket(self, queue: str, *, priority: str = "none", id_number: str | None = None,
                     matter_code: str | None = None, idempotency_key: str | None = None) -> Ticket: ...


class RecordsHall(Protocol):
    """一证通办."""

    def records(self, id_number: str) -> CitizenRecords: ...

    def todays_appointments(self, id_number: str) -> tuple[Appointment, ...]: ...


class CasesHall(Protocol):
    """办件查询."""

    def cases_of(self, id_number: str) -> tuple[Case, ...]: ...

    def case(self, case_number: str, *, query_code: str) -> Case: ...


class ReviewHall(Protocol):
    """好差评: whether a ticket was served (and rated), which cases a citizen can rate."""

    def ticket(self, ticket_id: str) -> Ticket: ...

    def cases_of(self, id_number: str) -> tuple[Case, ...]: ...


class AppointmentHall(_ReviewLinks, Protocol):
    """预约: look up, check in (a ticket), book, cancel."""

    def upcoming_appointments(self, id_number: str) -> UpcomingAppointments: ...

    def todays_appointments(self, id_number: str) -> tuple[Appointment, ...]: ...

    def check_in(self, appointment_id: str, id_number: str, *, idempotency_key: str | None = None) -> CheckIn: ...

    def ticket(self, ticket_id: str) -> Ticket: ...

    def matters(self, *, category: str | None = None, query: str | None = None, one_id: bool | None = None,
                cross_region: bool | None = None, appointable: bool | None = None) -> tuple[MatterSummary, ...]: ...

    def matter(self, code: str) -> Matter: ...

    def free_slots(self, matter_code: str, day: date | str) -> SlotList: ...

    def book_appointment(self, matter_code: str, day: date | str, start: str, id_number: str, *,
                         phone: str | None = None, idempotency_key: str | None = None) -> Appointment: ...

    def cancel_appointment(self, appointment_id: str, id_number: str, *,
                           idempotency_key: str | None = None) -> Appointment: ...


class Guides(Protocol):
    """办事指南: the catalogue, from the hall or from the copy saved on disk."""

    def categories(self) -> Cached[tuple[Category, ...]]: ...

    def matters(self, category: str | None = None, query: str | None = None) -> Cached[tuple[MatterSummary, ...]]: ...

    def matter(self, code: str) -> Cached[Matter]: ...

    def packages(self) -> Cached[tuple[ServicePackage, ...]]: ...


class ReviewOutbox(Protocol):
    def enqueue_review(self, body: Mapping[str, Any]) -> str: ...


class ComplaintOutbox(Protocol):
    def enqueue_complaint(self, body: Mapping[str, Any]) -> str: ...


class GasTopUp(Protocol):
    """燃气缴费: the top-up saga (each call blocks: the journey makes them on the worker)."""

    def inspect(self, card: GasCard) -> CardCheck: ...

    def inspect_torn(self, torn: CardNeedsRewrite) -> CardCheck: ...

    def quote(self, card: GasCard, amount_fen: int) -> GasQuote: ...

    def begin(self, card: GasCard, quote: GasQuote, method: PaymentMethod) -> JournalEntry: ...

    def pay(self, order_id: str, *, method: PaymentMethod | None = None, progress: ProgressCallback = ...,
            cancel: threading.Event | None = None) -> JournalEntry: ...

    def write(self, order_id: str) -> JournalEntry: ...

    def print_receipt(self, order_id: str) -> JournalEntry: ...

    def print_voucher(self, order_id: str) -> JournalEntry: ...

    def abandon(self, order_id: str) -> JournalEntry: ...

    def release(self, order_id: str) -> None: ...
