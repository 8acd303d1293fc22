"""预约 without Kivy: check-in and booking against the live reference hall over loopback HTTP, printing on
the printer simulator over a real pseudo-terminal (through the app's DeviceHub)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from domain.clock import SiteClock
from domain.demo_citizens import demo_citizen
from domain.printouts import SiteLines
from drivers.printer import PrinterState
from drivers.printer.escpos_reader import printed_text
from kiosk.hall.errors import HallRejected
from kiosk.journeys.appointment import AppointmentJourney, AppointmentStep, BOOKING_DAYS
from tests.fixtures.hall import HALL_MONDAY_10AM
from tests.kiosk.conftest import identity_of
from tests.kiosk.journeys.test_progress import HALL_TODAY

HALL_NAME = "示例市政务服务中心（测试）"


@pytest.fixture
def journey(hall_client, devices, worker, session, views, frozen_clock):  # noqa: F811
    frozen_clock(HALL_MONDAY_10AM)  # the hall fixture's day, at the site
    journey = AppointmentJourney(hall=hall_client, devices=devices, worker=worker, session=session,
                                 site=SiteLines(footer=("咨询电话：12345",)), hall_name=HALL_NAME, on_change=views,
                                 clock=SiteClock())
    journey.begin()
    assert views.until(AppointmentStep.WAITING_CARD)
    return journey


def card_placed(journey, views, key="resident"):
    journey.card_read(identity_of(demo_citizen(key)))
    return views.until(AppointmentStep.APPOINTMENTS)


def test_the_card_shows_todays_appointments_under_a_masked_name(journey, views):
    view = card_placed(journey, views)
    assert view.masked_name == "张**"
    assert [(a.matter.code, a.start, a.status) for a in view.appointments] == [
        ("SB001", "10:00", "booked"), ("GJJ001", "14:30", "booked")]


def test_check_in_turns_the_appointment_into_a_printed_ticket(journey, views, devices, hall_client):
    appointment = card_placed(journey, views).appointments[0]
    journey.check_in(appointment.appointment_id)
    view = views.until(AppointmentStep.CHECKED_IN)

    assert views.steps[-3:] == [AppointmentStep.CHECKING_IN, AppointmentStep.PRINTING, AppointmentStep.CHECKED_IN]
    assert view.printed and not view.already_checked_in and view.problem == ""
    assert view.ticket.number.startswith("A") and view.ticket.appointment_id == appointment.appointment_id
    paper = printed_text(devices.demo_printer.received())
    assert view.ticket.number in paper and "社保参保登记" in paper and "张**" in paper
    assert "张测试" not in paper and demo_citizen("resident").id_number not in paper
    assert devices.last_printout.holder_name == "张**"  # kept for the maintenance preview: masked already
    assert hall_client.ticket(view.ticket.ticket_id).number == view.ticket.number


def test_checking_in_twice_shows_the_first_number_and_prints_nothing_new(journey, views, devices):
    appointment = card_placed(journey, views).appointments[0]
    journey.check_in(appointment.appointment_id)
    first = views.until(AppointmentStep.CHECKED_IN).ticket
    devices.demo_printer.clear()

    journey.show_appointments()
    listed = views.until(AppointmentStep.APPOINTMENTS).appointments[0]
    assert listed.status == "checked_in" and listed.ticket_id == first.ticket_id
    journey.check_in(listed.appointment_id)
    again = views.until(AppointmentStep.CHECKED_IN)
    assert again.already_checked_in and not again.printed and again.ticket.number == first.number
    assert printed_text(devices.demo_printer.received()).strip() == ""


def test_a_check_in_made_elsewhere_meanwhile_is_explained_with_its_number(journey, views, hall_client):
    appointment = card_placed(journey, views).appointments[0]
    elsewhere = hall_client.check_in(appointment.appointment_id, demo_citizen("resident").id_number)
    journey.check_in(appointment.appointment_id)  # the list on screen still says "booked"
    view = views.until(AppointmentStep.CHECKED_IN)
    assert view.already_checked_in and view.ticket.number == elsewhere.ticket.number


def test_paper_out_keeps_the_number_on_screen_and_a_reprint_prints_it(journey, views, devices):
    devices.demo_printer.set_state(PrinterState.PAPER_OUT)
    journey.check_in(card_placed(journey, views).appointments[0].appointment_id)
    view = views.until(AppointmentStep.CHECKED_IN)
    assert not view.printed and view.problem == "printer.paper_out" and view.ticket.number

    devices.demo_printer.set_state(PrinterState.READY)
    journey.reprint()
    again = views.until(AppointmentStep.CHECKED_IN)
    assert again.printed and again.ticket.number in printed_text(devices.demo_printer.received())


def test_book_a_slot_matter_day_time_confirm_and_the_confirmation_is_printed(journey, views, devices, hall_client):
    card_placed(journey, views, "elder")
    journey.start_booking()
    matters = views.until(AppointmentStep.CHOOSE_MATTER).matters
    assert matters and all(m.appointable for m in matters)

    journey.choose_matter("GJJ001")
    days = views.until(AppointmentStep.CHOOSE_DAY).days
    assert days[0].day == HALL_TODAY  # Monday 10:00: today's later slots are still free
    assert all(HALL_TODAY <= d.day < HALL_TODAY + timedelta(days=BOOKING_DAYS) for d in days)
    assert all(d.day.isoweekday() <= 5 for d in days)  # the housing-fund windows open on weekdays only
    assert all(slot.free > 0 for d in days for slot in d.slots)

    tomorrow = days[1]
    journey.choose_day(tomorrow.day)
    assert views.until(AppointmentStep.CHOOSE_TIME).day == tomorrow
    journey.choose_time(tomorrow.slots[0].start)
    confirm = views.until(AppointmentStep.CONFIRM)
    assert (confirm.matter.code, confirm.day.day, confirm.slot.start) == ("GJJ001", tomorrow.day, "09:00")

    journey.confirm()
    booked = views.until(AppointmentStep.BOOKED)
    assert views.steps[-3:] == [AppointmentStep.BOOKING, AppointmentStep.PRINTING, AppointmentStep.BOOKED]
    assert booked.printed and booked.booking.status == "booked"
    assert (booked.booking.date, booked.booking.start) == (tomorrow.day.isoformat(), "09:00")
    paper = printed_text(devices.demo_printer.received())
    assert "预约成功" in paper and "公积金提取" in paper and booked.booking.appointment_id in paper
    assert f"{tomorrow.day.isoformat()} 09:00-09:30" in paper and "本人银行卡" in paper  # what to bring

    slots = hall_client.free_slots("GJJ001", tomorrow.day).slots
    assert next(s for s in slots if s.start == "09:00").free == tomorrow.slots[0].free - 1


def test_a_slot_taken_meanwhile_sends_the_citizen_back_to_fresh_days(journey, views, hall_client):
    card_placed(journey, views)
    journey.start_booking()
    views.until(AppointmentStep.CHOOSE_MATTER)
    journey.choose_matter("SC001")
    day = views.until(AppointmentStep.CHOOSE_DAY).days[1]
    journey.choose_day(day.day)
    views.until(AppointmentStep.CHOOSE_TIME)
    journey.choose_time(day.slots[0].start)
    views.until(AppointmentStep.CONFIRM)
    for key in ("elder", "hk-permit"):  # two others take both places of that slot first
        hall_client.book_appointment("SC001", day.day, day.slots[0].start, demo_citizen(key).id_number)

    journey.confirm()
    view = views.until(AppointmentStep.CHOOSE_DAY)
    assert view.problem == "appointment.slot_taken"
    fresh = next(d for d in view.days if d.day == day.day)
    assert day.slots[0].start not in [s.start for s in fresh.slots]


def test_back_walks_the_booking_steps_in_reverse(journey, views):
    card_placed(journey, views)
    journey.start_booking()
    views.until(AppointmentStep.CHOOSE_MATTER)
    journey.choose_matter("SB001")
    day = views.until(AppointmentStep.CHOOSE_DAY).days[0]
    journey.choose_day(day.day)
    views.until(AppointmentStep.CHOOSE_TIME)
    for expected in (AppointmentStep.CHOOSE_DAY, AppointmentStep.CHOOSE_MATTER, AppointmentStep.APPOINTMENTS):
        journey.back()
        assert views.until(expected).step is expected


def test_cancel_asks_first_then_the_hall_forgets_the_appointment(journey, views, hall_client):
    listed = card_placed(journey, views).appointments
    journey.ask_cancel(listed[1].appointment_id)
    asked = views.until(AppointmentStep.CONFIRM_CANCEL)
    assert asked.cancelling == listed[1]
    journey.back()  # "keep it"
    assert views.until(AppointmentStep.APPOINTMENTS).appointments == listed

    journey.ask_cancel(listed[1].appointment_id)
    views.until(AppointmentStep.CONFIRM_CANCEL)
    journey.confirm_cancel()
    view = views.until(AppointmentStep.APPOINTMENTS)
    assert views.steps[-2] is AppointmentStep.CANCELLING
    assert view.notice == "appointment.cancel_done" and view.appointments == listed[:1]
    id_number = demo_citizen("resident").id_number
    assert [a.appointment_id for a in hall_client.todays_appointments(id_number)] == [listed[0].appointment_id]


def test_an_upcoming_appointment_is_listed_apart_offers_no_check_in_and_is_cancelled_after_asking(
        journey, views, hall_client):
    """GIVEN the resident's appointment on Thursday WHEN the card is placed THEN it is listed after today's,
    apart from them; a check-in of it is not started; cancelling it asks first, and the hall then has it
    cancelled while today's stay as they were."""
    view = card_placed(journey, views)
    assert [(a.date, a.matter.code) for a in view.upcoming] == [("2026-11-26", "BDC001")]
    assert [a.date for a in view.appointments] == ["2026-11-23", "2026-11-23"]
    thursday = view.upcoming[0]

    journey.check_in(thursday.appointment_id)
    assert views.steps[-1] is AppointmentStep.APPOINTMENTS and AppointmentStep.CHECKING_IN not in views.steps

    journey.ask_cancel(thursday.appointment_id)
    assert views.until(AppointmentStep.CONFIRM_CANCEL).cancelling == thursday
    journey.confirm_cancel()
    done = views.until(AppointmentStep.APPOINTMENTS)
    assert done.notice == "appointment.cancel_done" and done.upcoming == ()
    assert done.appointments == view.appointments

    id_number = demo_citizen("resident").id_number
    assert thursday.appointment_id not in [
        a.appointment_id for a in hall_client.upcoming_appointments(id_number).appointments]
    with pytest.raises(HallRejected) as again:
        hall_client.cancel_appointment(thursday.appointment_id, id_number)
    assert again.value.code == "appointment_cancelled"


def test_a_checked_in_appointment_cannot_be_cancelled(journey, views, hall_client):
    listed = card_placed(journey, views).appointments
    journey.ask_cancel(listed[0].appointment_id)
    views.until(AppointmentStep.CONFIRM_CANCEL)
    hall_client.check_in(listed[0].appointment_id, demo_citizen("resident").id_number)  # at the desk, meanwhile
    journey.confirm_cancel()
    view = views.until(AppointmentStep.APPOINTMENTS)
    assert view.problem == "appointment.cancel_refused" and view.cancelling is None


def test_hall_down_mid_journey_says_where_to_check_in_instead(journey, views, hall_server):
    appointment = card_placed(journey, views).appointments[0]
    hall_server.server.stop()
    journey.check_in(appointment.appointment_id)
    view = views.until(AppointmentStep.UNAVAILABLE)
    assert view.problem == "appointment.check_in_down" and view.masked_name == "张**"


def test_an_expired_card_is_explained_and_no_lookup_is_made(journey, views):
    journey.card_read(identity_of(replace(demo_citizen("resident"), valid_until=date(2020, 1, 1))))
    assert views.until(AppointmentStep.CARD_PROBLEM).problem == "card.expired"
    assert AppointmentStep.LOOKING_UP not in views.steps


def test_a_second_card_mid_journey_is_wiped_at_once_and_a_new_card_after_a_problem_replaces_the_old(
        journey, views, session):
    expired = identity_of(replace(demo_citizen("elder"), valid_until=date(2020, 1, 1)))
    journey.card_read(expired)
    views.until(AppointmentStep.CARD_PROBLEM)
    first = identity_of(demo_citizen("resident"))
    journey.card_read(first)
    views.until(AppointmentStep.APPOINTMENTS)
    assert expired.wiped and session.recall("identity") is first

    second = identity_of(demo_citizen("hk-permit"))
    journey.card_read(second)  # someone else's card, placed while the list is showing
    assert second.wiped and not first.wiped and session.recall("identity") is first


def test_after_the_session_is_wiped_the_journey_asks_for_the_card_again(journey, views, session):
    card_placed(journey, views)
    session.wipe()
    journey.show_appointments()
    assert views.until(AppointmentStep.WAITING_CARD).masked_name == ""
