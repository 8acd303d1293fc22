"""The 预约 journey: place the ID card → today's appointments, then those of the coming days → 签到 turns one
of today's into a printed queue ticket; any of them can be cancelled (after a confirmation); or book a new
slot: choose a matter → a day → a time from the free slots → confirm → booked, confirmation printed.

    journey = AppointmentJourney(hall=client, devices=devices, worker=worker, session=session,
                                 site=SiteLines(...), hall_name="…", on_change=screen.show)
    journey.begin()                          # WAITING_CARD
    journey.card_read(identity)              # LOOKING_UP, then APPOINTMENTS (today's and upcoming)
    journey.check_in("ap1234")               # CHECKING_IN, PRINTING, then CHECKED_IN
    journey.start_booking()                  # LOADING, then CHOOSE_MATTER
    journey.choose_matter("SB001")           # LOADING (free slots of the coming days), then CHOOSE_DAY
    journey.choose_day(date(2026, 11, 24))   # CHOOSE_TIME
    journey.choose_time("09:00")             # CONFIRM
    journey.confirm()                        # BOOKING, PRINTING, then BOOKED
    journey.ask_cancel("ap1234")             # today's or upcoming: CONFIRM_CANCEL; confirm_cancel() →
                                             # CANCELLING → APPOINTMENTS

Every hall and printer call runs on the worker. The identity stays in the session (wiped with it); the view
holds only the masked name. A printer that cannot print leaves the number or the confirmation on screen
(`printed=False`, a reprint offered). An appointment already checked in is not an error for the citizen:
the hall's ticket for it is fetched and shown. Each check-in and each booking carries one Idempotency-Key,
so a retried request never makes a second ticket or booking.
"""

from __future__ import annotations

import enum
import logging
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Callable

from domain.clock import WallClock
from domain.printouts import Material, MaterialList, QueueTicket, SiteLines
from kiosk.background import BackgroundWorker
from kiosk.devices.problems import card_problem_key
from kiosk.devices.problems import print_problem_key
from kiosk.hall.errors import HallError, HallRejected
from kiosk.hall.models import Appointment, MatterSummary, Slot, Ticket, UpcomingAppointments
from kiosk.journeys.base import Journey
from kiosk.journeys.needs import AppointmentHall, Printing
from kiosk.session import Session

__all__ = ["AppointmentStep", "AppointmentView", "AppointmentJourney", "BookableDay", "BOOKING_DAYS",
           "remember_identity"]

log = logging.getLogger(__name__)

BOOKING_DAYS = 7  # days offered, today first; the hall books up to 14 ahead, a week is easier to choose from

# Rejections of a booking that send the citizen back to choose another day or time.
_SLOT_GONE = {"slot_full", "slot_not_available"}


class AppointmentStep(enum.Enum):
    WAITING_CARD = "waiting_card"   # "请将身份证放在感应区"
    LOOKING_UP = "looking_up"       # today's and upcoming appointments of this citizen
    APPOINTMENTS = "appointments"   # today's with 签到, the coming days' (cancel only), and "book a new one"
    CHECKING_IN = "checking_in"
    PRINTING = "printing"           # the ticket (check-in) or the confirmation (booking)
    CHECKED_IN = "checked_in"       # the number, big; printed or not
    CONFIRM_CANCEL = "confirm_cancel"  # "cancel this appointment?"
    CANCELLING = "cancelling"
    LOADING = "loading"             # matters, or the free slots of the coming days
    CHOOSE_MATTER = "choose_matter"
    CHOOSE_DAY = "choose_day"
    CHOOSE_TIME = "choose_time"
    CONFIRM = "confirm"
    BOOKING = "booking"
    BOOKED = "booked"               # the booking on screen; printed or not
    CARD_PROBLEM = "card_problem"
    UNAVAILABLE = "unavailable"     # the hall could not be reached: say so and where to go instead


@dataclass(frozen=True)
class BookableDay:
    day: date
    slots: tuple[Slot, ...]         # only slots with a free place

    @property
    def free(self) -> int:
        return sum(slot.free for slot in self.slots)


@dataclass(frozen=True)
class AppointmentView:
    step: AppointmentStep
    masked_name: str = ""
    appointments: tuple[Appointment, ...] = ()  # today's: these can be checked in
    upcoming: tuple[Appointment, ...] = ()      # the coming days', by date and time: only cancelled here
    checked_in: Appointment | None = None
    ticket: Ticket | None = None
    already_checked_in: bool = False   # the ticket shown was issued at an earlier check-in
    matters: tuple[MatterSummary, ...] = ()
    matter: MatterSummary | None = None
    days: tuple[BookableDay, ...] = ()
    day: BookableDay | None = None
    slot: Slot | None = None
    booking: Appointment | None = None
    printed: bool = False
    cancelling: Appointment | None = None  # the appointment the citizen may cancel
    problem: str = ""                  # catalogue key of the plain sentence explaining what went wrong
    notice: str = ""                   # catalogue key of good news to show with the list ("cancelled")


class AppointmentJourney(Journey[AppointmentView]):
    def __init__(self, *, hall: AppointmentHall | None, devices: Printing, worker: BackgroundWorker, session: Session, site: SiteLines,
                 hall_name: str, on_change: Callable[[AppointmentView], None],
                 clock: WallClock) -> None:
        super().__init__(AppointmentView(AppointmentStep.WAITING_CARD), on_change)
        self._hall = hall
        self._devices = devices
        self._worker = worker
        self._session = session
        self._site = site
        self._hall_name = hall_name
        self._clock = clock
        self._review_url: str | None = None
        self._materials: tuple[Material, ...] = ()

    def _identity(self) -> Any:
        return self._session.recall("identity")

    def _id_number(self) -> str | None:
        """The card's number while the session holds it; once wiped, the journey starts over."""
        identity = self._identity()
        if identity is None or identity.wiped:
            self.begin()
            return None
        return identity.id_number

    def begin(self) -> None:
        self._show(AppointmentView(AppointmentStep.WAITING_CARD))

    # --- the card -------------------------------------------------------------------------------------

    def card_read(self, identity: Any) -> None:
        if self.view.step not in (AppointmentStep.WAITING_CARD, AppointmentStep.CARD_PROBLEM):
            identity.wipe()  # a second card mid-journey is not used, so it is not kept either
            return
        remember_identity(self._session, identity)
        if not identity.is_valid_on(self._clock.today()):
            self._show(AppointmentView(AppointmentStep.CARD_PROBLEM, problem="card.expired"))
            return
        self._show(AppointmentView(AppointmentStep.LOOKING_UP, masked_name=identity.masked_name))
        self.show_appointments()

    def card_failed(self, error: BaseException) -> None:
        if self.view.step in (AppointmentStep.WAITING_CARD, AppointmentStep.CARD_PROBLEM):
            self._show(AppointmentView(AppointmentStep.CARD_PROBLEM, problem=card_problem_key(error)))

    def try_again(self) -> None:
        self._show(AppointmentView(AppointmentStep.WAITING_CARD))

    # --- the appointments, check-in (today's only) -------------------------------------------------------

    def show_appointments(self) -> None:
        """(Re)load today's and upcoming appointments: after the card, and from "back" in the booking steps."""
        base = AppointmentView(AppointmentStep.LOOKING_UP, masked_name=self.view.masked_name)
        self._show(base)
        number = self._id_number()
        if number is None or not self._hall_reachable(base):
            return
        self._worker.run(lambda: self._hall.upcoming_appointments(number),
                         on_result=lambda found: self._show(replace(base, step=AppointmentStep.APPOINTMENTS,
                                                                    **self._by_day(found))),
                         on_error=self._hall_failed)

    def _by_day(self, found: UpcomingAppointments) -> dict[str, tuple[Appointment, ...]]:
        """Today's apart from the coming days', by the hall's date (the site's when the hall does not say):
        never by the machine's. An earlier date than today can only be a hall behind the site's clock; it is
        the hall's today, so it goes with today's."""
        today = found.today or self._clock.today().isoformat()
        return {"appointments": tuple(a for a in found.appointments if a.date <= today),
                "upcoming": tuple(a for a in found.appointments if a.date > today)}

    def check_in(self, appointment_id: str) -> None:
        if self.view.step is not AppointmentStep.APPOINTMENTS:
            return  # a second tap while the first is being served
        appointment = next((a for a in self.view.appointments if a.appointment_id == appointment_id), None)
        number = self._id_number()
        if appointment is None or number is None:
            return
        idempotency_key = str(uuid.uuid4())
        base = replace(self.view, step=AppointmentStep.CHECKING_IN, checked_in=appointment, problem="", notice="")
        self._show(base)

        def check_in() -> tuple[Appointment, Ticket, bool, str | None]:
            if appointment.status == "booked":
                try:
                    done = self._hall.check_in(appointment_id, number, idempotency_key=idempotency_key)
                    return done.appointment, done.ticket, False, self._review_url_for(done.ticket)
                except HallRejected as error:
                    if error.code != "already_checked_in":
                        raise
            # Checked in before (here, at another kiosk or at the desk): its ticket is still the citizen's.
            current = next((a for a in self._hall.todays_appointments(number) if a.appointment_id == appointment_id),
                           None)
            if current is None or current.ticket_id is None:
                raise HallRejected(409, "already_checked_in", "", "checked in, but the hall names no ticket for it")
            return current, self._hall.ticket(current.ticket_id), True, None

        self._worker.run(check_in, on_result=self._checked_in, on_error=self._check_in_failed)

    def _review_url_for(self, ticket: Ticket) -> str | None:
        try:
            return self._hall.review_link(ticket_id=ticket.ticket_id).url
        except HallError as error:  # the ticket matters more than its review QR code
            log.warning("no review link for ticket %s: %s", ticket.number, type(error).__name__)
            return None

    def _checked_in(self, result: tuple[Appointment, Ticket, bool, str | None]) -> None:
        appointment, ticket, already, self._review_url = result
        view = replace(self.view, checked_in=appointment, ticket=ticket, already_checked_in=already)
        if already:
            # Nothing new to print: the number is shown, and a print is offered for a lost ticket.
            self._show(replace(view, step=AppointmentStep.CHECKED_IN, printed=False))
            return
        self._show(replace(view, step=AppointmentStep.PRINTING))
        self._print()

    def _check_in_failed(self, error: BaseException) -> None:
        if isinstance(error, HallRejected):
            log.warning("check-in refused: %s", error.code)
            problem = {"appointment_not_today": "appointment.not_today", "queue_closed": "appointment.queue_closed",
                       "appointment_cancelled": "appointment.cancelled"}.get(error.code,
                                                                              "appointment.check_in_refused")
            self._show(replace(self.view, step=AppointmentStep.APPOINTMENTS, problem=problem))
            return
        self._hall_failed(error, problem="appointment.check_in_down")

    # --- cancelling one of today's or the coming days' appointments -----------------------------------

    def ask_cancel(self, appointment_id: str) -> None:
        """Ask before cancelling: a mistaken tap must not lose an appointment."""
        appointment = next((a for a in self.view.appointments + self.view.upcoming
                            if a.appointment_id == appointment_id), None)
        if self.view.step is AppointmentStep.APPOINTMENTS and appointment and appointment.status == "booked":
            self._show(replace(self.view, step=AppointmentStep.CONFIRM_CANCEL, cancelling=appointment, problem="",
                               notice=""))

    def confirm_cancel(self) -> None:
        appointment = self.view.cancelling
        number = self._id_number()
        if self.view.step is not AppointmentStep.CONFIRM_CANCEL or appointment is None or number is None:
            return
        idempotency_key = str(uuid.uuid4())
        self._show(replace(self.view, step=AppointmentStep.CANCELLING))

        def cancel() -> UpcomingAppointments:
            self._hall.cancel_appointment(appointment.appointment_id, number, idempotency_key=idempotency_key)
            return self._hall.upcoming_appointments(number)

        def cancelled(found: UpcomingAppointments) -> None:
            self._show(replace(self.view, step=AppointmentStep.APPOINTMENTS, cancelling=None,
                               notice="appointment.cancel_done", **self._by_day(found)))

        def refused(error: BaseException) -> None:
            if isinstance(error, HallRejected):  # checked in or cancelled meanwhile, e.g. at the desk
                log.warning("cancellation refused: %s", error.code)
                self._show(replace(self.view, step=AppointmentStep.APPOINTMENTS, cancelling=None,
                                   problem="appointment.cancel_refused"))
            else:
                self._hall_failed(error)

        self._worker.run(cancel, on_result=cancelled, on_error=refused)

    # --- booking a new slot ---------------------------------------------------------------------------

    def start_booking(self) -> None:
        if self.view.step not in (AppointmentStep.APPOINTMENTS, AppointmentStep.CHOOSE_DAY,
                                  AppointmentStep.CHOOSE_MATTER):
            return
        base = AppointmentView(AppointmentStep.LOADING, masked_name=self.view.masked_name)
        self._show(base)
        if not self._hall_reachable(base):
            return
        self._worker.run(lambda: tuple(self._hall.matters(appointable=True)),
                         on_result=lambda matters: self._show(replace(base, step=AppointmentStep.CHOOSE_MATTER,
                                                                      matters=matters)),
                         on_error=self._hall_failed)

    def choose_matter(self, code: str) -> None:
        matter = next((m for m in self.view.matters if m.code == code), None)
        if matter is not None and self.view.step is AppointmentStep.CHOOSE_MATTER:
            self._load_days(matter)

    def _load_days(self, matter: MatterSummary, problem: str = "") -> None:
        """The free slots of the coming days for this matter; days without a free slot are left out."""
        code = matter.code
        base = replace(self.view, step=AppointmentStep.LOADING, matter=matter, days=(), day=None, slot=None,
                       problem="")
        self._show(base)
        first = self._clock.today()

        def free_days() -> tuple[BookableDay, ...]:
            days = []
            for offset in range(BOOKING_DAYS):
                day = first + timedelta(days=offset)
                free = tuple(slot for slot in self._hall.free_slots(code, day).slots if slot.free > 0)
                if free:
                    days.append(BookableDay(day, free))
            return tuple(days)

        def loaded(days: tuple[BookableDay, ...]) -> None:
            if not days:
                self._show(replace(base, step=AppointmentStep.CHOOSE_MATTER, matter=None,
                                   problem="appointment.no_free_days"))
            else:
                self._show(replace(base, step=AppointmentStep.CHOOSE_DAY, days=days, problem=problem))

        self._worker.run(free_days, on_result=loaded, on_error=self._hall_failed)

    def choose_day(self, day: date) -> None:
        chosen = next((d for d in self.view.days if d.day == day), None)
        if chosen is not None and self.view.step is AppointmentStep.CHOOSE_DAY:
            self._show(replace(self.view, step=AppointmentStep.CHOOSE_TIME, day=chosen, problem=""))

    def choose_time(self, start: str) -> None:
        if self.view.step is not AppointmentStep.CHOOSE_TIME or self.view.day is None:
            return
        slot = next((s for s in self.view.day.slots if s.start == start), None)
        if slot is not None:
            self._show(replace(self.view, step=AppointmentStep.CONFIRM, slot=slot, problem=""))

    def back(self) -> None:
        """One step back: time → day → matter → the appointments; "keep it" when asked to cancel."""
        step = self.view.step
        if step is AppointmentStep.CONFIRM_CANCEL:
            self._show(replace(self.view, step=AppointmentStep.APPOINTMENTS, cancelling=None))
        elif step is AppointmentStep.CONFIRM:
            self._show(replace(self.view, step=AppointmentStep.CHOOSE_TIME, slot=None, problem=""))
        elif step is AppointmentStep.CHOOSE_TIME:
            self._show(replace(self.view, step=AppointmentStep.CHOOSE_DAY, day=None, problem=""))
        elif step is AppointmentStep.CHOOSE_DAY:
            self._show(replace(self.view, step=AppointmentStep.CHOOSE_MATTER, matter=None, days=(), problem=""))
        elif step is AppointmentStep.CHOOSE_MATTER:
            self.show_appointments()

    def confirm(self) -> None:
        view = self.view
        if view.step is not AppointmentStep.CONFIRM or view.matter is None or view.day is None or view.slot is None:
            return
        matter, day, slot = view.matter, view.day.day, view.slot
        number = self._id_number()
        if number is None:
            return
        idempotency_key = str(uuid.uuid4())
        self._show(replace(view, step=AppointmentStep.BOOKING))

        def book() -> tuple[Appointment, tuple[Material, ...]]:
            booking = self._hall.book_appointment(matter.code, day, slot.start, number,
                                                  idempotency_key=idempotency_key)
            try:
                guide = self._hall.matter(matter.code)
                materials = tuple(Material(name=m.name, copies=_copies(m.copies, m.original), note=m.note)
                                  for m in guide.materials)
            except HallError as error:  # the booking stands; the slip just lacks the material list
                log.warning("no material list for the booking slip: %s", type(error).__name__)
                materials = ()
            return booking, materials

        self._worker.run(book, on_result=self._booked, on_error=self._booking_failed)

    def _booked(self, result: tuple[Appointment, tuple[Material, ...]]) -> None:
        booking, self._materials = result
        self._show(replace(self.view, step=AppointmentStep.PRINTING, booking=booking))
        self._print()

    def _booking_failed(self, error: BaseException) -> None:
        if isinstance(error, HallRejected) and error.code in _SLOT_GONE and self.view.matter is not None:
            # Someone took the last place meanwhile: show the days again, freshly loaded.
            self._load_days(self.view.matter, problem="appointment.slot_taken")
            return
        if isinstance(error, HallRejected) and error.code == "already_booked":
            self._show(replace(self.view, step=AppointmentStep.CHOOSE_DAY, day=None, slot=None,
                               problem="appointment.already_booked"))
            return
        self._hall_failed(error)

    def booking_printout(self, booking: Appointment) -> MaterialList:
        """The booking confirmation: when and where, the booking number, and everything to bring."""
        return MaterialList(
            matter=booking.matter.name, materials=self._materials,
            notes=("预约成功", f"预约时间：{booking.date} {booking.start}-{booking.end}",
                   f"办理地点：{booking.location}", f"预约编号：{booking.appointment_id}",
                   "请按时到大厅，在自助终端刷身份证签到取号"),
            printed_at=self._clock.now(), site=self._site)

    # --- printing ---------------------------------------------------------------------------------------

    def reprint(self) -> None:
        if self.view.step in (AppointmentStep.CHECKED_IN, AppointmentStep.BOOKED):
            self._show(replace(self.view, step=AppointmentStep.PRINTING, problem=""))
            self._print()

    def _print(self) -> None:
        view = self.view
        if view.booking is not None:
            document = self.booking_printout(view.booking)
        else:
            document = self._ticket_printout(view.checked_in, view.ticket)
        self._devices.print(document, on_result=self._printed, on_error=self._print_failed)

    def _done_step(self) -> AppointmentStep:
        return AppointmentStep.BOOKED if self.view.booking is not None else AppointmentStep.CHECKED_IN

    def _printed(self, result: Any) -> None:
        if getattr(result, "maintenance_alert", None):
            log.warning("printer: %s", result.maintenance_alert)
        self._show(replace(self.view, step=self._done_step(), printed=True, problem=""))

    def _print_failed(self, error: BaseException) -> None:
        log.warning("appointment printout not printed: %s", type(error).__name__)
        self._show(replace(self.view, step=self._done_step(), printed=False, problem=print_problem_key(error)))

    def _ticket_printout(self, appointment: Appointment, ticket: Ticket) -> QueueTicket:
        identity = self._identity()
        return QueueTicket(
            hall_name=self._hall_name, queue_name=ticket.queue.name, number=ticket.number,
            people_ahead=ticket.people_ahead, estimated_wait_minutes=ticket.estimated_wait_minutes,
            issued_at=self._clock.local(datetime.fromisoformat(ticket.issued_at)), matter=appointment.matter.name,
            # Already masked: the printer masks it again (a no-op), and the document, which the maintenance
            # preview keeps after the session, never holds the full name.
            holder_name=identity.masked_name if identity is not None else None,
            review_url=self._review_url, site=self._site,
        )

    # --- the hall ---------------------------------------------------------------------------------------

    def _hall_reachable(self, view: AppointmentView) -> bool:
        if self._hall is None:
            self._show(replace(view, step=AppointmentStep.UNAVAILABLE, problem="appointment.hall_down"))
            return False
        return True

    def _hall_failed(self, error: BaseException, problem: str = "appointment.hall_down") -> None:
        log.warning("hall call failed in the appointment journey: %s", type(error).__name__)
        self._show(AppointmentView(AppointmentStep.UNAVAILABLE, masked_name=self.view.masked_name, problem=problem))


def remember_identity(session: Session, identity: Any) -> None:
    """Hand the card to the session (wiped with it) and its names to the log filter; a card read before it
    (say, an expired one) is wiped at once rather than left until the session ends."""
    previous = session.recall("identity")
    if previous is not None and previous is not identity:
        previous.wipe()
    session.remember("identity", identity)
    identity.register_sensitive()


def _copies(copies: int, original: bool) -> str:
    return f"原件{copies}份" if original else f"复印件{copies}份"
